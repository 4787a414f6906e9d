// The project's seeded data set generator: builds a version 1 interchange
// document (docs/cli.md "The interchange document") of any size for tests and
// benchmarks, deterministic by seed (mulberry32; same options and seed give
// the same bytes). --nasty fills names and descriptions with hostile text
// that the validation still accepts (docs/usage.md names and descriptions).
// Addresses are only data: nothing is ever sent to them. See docs/development.md.
//
//   npx tsx scripts/dataset.ts --preset large > large.json
//   npx tsx scripts/dataset.ts --help
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DESCRIPTION_MAX, NAME_MAX, type Protocol } from "../src/domain/constants.js";
import { formatIpv4, prefixToNetmask } from "../src/domain/ipv4.js";

export const PRESET_NAMES = ["small", "medium", "large", "huge"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface DatasetOptions {
  projects: number;
  locations: number;
  /** Per project. */
  entities: number;
  /** Per entity. */
  interfaces: number;
  /** Per project. */
  communications: number;
  /** Share (0–1) of the entities that are whole subnets. */
  subnets: number;
  seed: number;
  nasty: boolean;
}

type Sizes = Omit<DatasetOptions, "seed" | "nasty">;

export const PRESETS: Record<PresetName, Sizes> = {
  small: { projects: 1, locations: 2, entities: 10, interfaces: 1, communications: 30, subnets: 0.1 },
  medium: { projects: 1, locations: 5, entities: 80, interfaces: 1, communications: 400, subnets: 0.1 },
  large: { projects: 1, locations: 10, entities: 300, interfaces: 2, communications: 3000, subnets: 0.1 },
  huge: { projects: 1, locations: 20, entities: 2000, interfaces: 2, communications: 20000, subnets: 0.1 },
};

export interface DatasetInterface {
  name: string;
  description: string;
  address: string;
  netmask: string;
}
export interface DatasetEntity {
  name: string;
  description: string;
  location: string;
  interfaces: DatasetInterface[];
}
export interface DatasetEnd {
  entity: string;
  interface: string;
}
export interface DatasetCommunication {
  source: DatasetEnd;
  destination: DatasetEnd;
  protocol: Protocol;
  port: number;
  description: string;
}
export interface DatasetProject {
  name: string;
  description: string;
  entities: DatasetEntity[];
  communications: DatasetCommunication[];
}
/** The interchange document as written (every field present). */
export interface DatasetDocument {
  format: "conntrackt";
  version: 1;
  locations: { name: string; description: string }[];
  projects: DatasetProject[];
}

/** A wrong option or an impossible request, for a clear message instead of a stack trace. */
export class DatasetUsageError extends Error {}

export const USAGE = `Usage: npx tsx scripts/dataset.ts [options] > data.json

Writes a Conntrackt interchange document (docs/cli.md) to standard output.

  --preset NAME          small | medium | large | huge (default small); the
                         options below override the preset's numbers
  --projects N           projects
  --locations N          locations, shared by all projects ("Location N")
  --entities N           entities per project
  --interfaces N         interfaces per entity
  --communications N     communications per project
  --subnets FRACTION     share of entities that are whole subnets (0 to 1)
  --seed N               seed of the generator (default 1): same options and
                         seed give the same bytes
  --nasty                hostile names and descriptions, still valid
  --help                 this text

Presets:
${PRESET_NAMES.map((name) => {
  const p = PRESETS[name];
  return `  ${name.padEnd(7)} ${p.projects} project, ${p.locations} locations, ${p.entities} entities with ${p.interfaces} interface${p.interfaces > 1 ? "s" : ""} each, ${p.communications} communications`;
}).join("\n")}
`;

/** Options of the command line (the flags above) as generator options. */
export function parseDatasetArgs(args: readonly string[]): DatasetOptions & { help: boolean } {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(args);
  } catch (error) {
    throw new DatasetUsageError((error as Error).message);
  }
  const { values } = parsed;
  const preset = values.preset ?? "small";
  if (!(PRESET_NAMES as readonly string[]).includes(preset)) {
    throw new DatasetUsageError(`--preset must be one of ${PRESET_NAMES.join(", ")}, not ${JSON.stringify(preset)}`);
  }
  const sizes = { ...PRESETS[preset as PresetName] };
  for (const key of ["projects", "locations", "entities", "interfaces", "communications"] as const) {
    const text = values[key];
    if (text !== undefined) sizes[key] = count(`--${key}`, text);
  }
  if (values.subnets !== undefined) {
    const share = Number(values.subnets);
    if (values.subnets.trim() === "" || !(share >= 0 && share <= 1)) {
      throw new DatasetUsageError(`--subnets must be a fraction from 0 to 1, not ${JSON.stringify(values.subnets)}`);
    }
    sizes.subnets = share;
  }
  const seed = values.seed === undefined ? 1 : count("--seed", values.seed);
  return { ...sizes, seed, nasty: values.nasty ?? false, help: values.help ?? false };
}

function parseCommandLine(args: readonly string[]) {
  const text = { type: "string" } as const;
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      preset: text,
      projects: text,
      locations: text,
      entities: text,
      interfaces: text,
      communications: text,
      subnets: text,
      seed: text,
      nasty: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function count(flag: string, text: string): number {
  if (!/^\d{1,9}$/.test(text.trim()))
    throw new DatasetUsageError(`${flag} must be a whole number, not ${JSON.stringify(text)}`);
  return Number(text);
}

// --- randomness ----------------------------------------------------------

type Random = () => number;

/** mulberry32: a tiny 32-bit PRNG, uniform in [0, 1). */
function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Independent streams of one seed, so that --nasty changes the text but not the network. */
function stream(seed: number, salt: number): Random {
  return mulberry32(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt, 0xc2b2ae35));
}

const int = (random: Random, below: number) => Math.floor(random() * below);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)] as T;

/** Picks from [value, weight] pairs. */
function weighted<T>(random: Random, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [value, w] of items) {
    r -= w;
    if (r < 0) return value;
  }
  return (items[items.length - 1] as readonly [T, number])[0];
}

// --- realistic traffic -----------------------------------------------------

const TCP_SERVICES = [
  [443, "HTTPS", 30],
  [22, "SSH", 14],
  [80, "HTTP", 10],
  [5432, "PostgreSQL", 6],
  [3306, "MySQL", 4],
  [8080, "HTTP alternative", 5],
  [8443, "HTTPS alternative", 3],
  [6379, "Redis", 3],
  [9200, "Elasticsearch", 2],
  [5672, "AMQP", 2],
  [389, "LDAP", 2],
  [636, "LDAPS", 2],
  [25, "SMTP", 2],
  [587, "SMTP submission", 1],
  [993, "IMAPS", 1],
  [3389, "Remote desktop", 1],
  [445, "SMB", 1],
  [1433, "SQL Server", 1],
  [9090, "Prometheus", 2],
  [9100, "Node exporter", 2],
  [2049, "NFS", 1],
  [27017, "MongoDB", 1],
  [53, "DNS over TCP", 1],
] as const;
const UDP_SERVICES = [
  [53, "DNS", 30],
  [123, "NTP", 15],
  [514, "Syslog", 8],
  [161, "SNMP", 8],
  [162, "SNMP traps", 3],
  [67, "DHCP", 3],
  [69, "TFTP", 1],
  [500, "IKE", 2],
  [4500, "IPsec NAT traversal", 2],
  [1812, "RADIUS", 2],
  [5353, "mDNS", 1],
  [51820, "WireGuard", 2],
] as const;
const ICMP_TYPES = [
  [8, "Ping", 60],
  [0, "Echo reply", 10],
  [3, "Destination unreachable", 12],
  [11, "Time exceeded", 8],
  [5, "Redirect", 1],
  [13, "Timestamp", 1],
] as const;
const PROTOCOL_MIX = [
  ["TCP", 75],
  ["UDP", 18],
  ["ICMP", 7],
] as const;

const HOST_ROLES = [
  "web",
  "app",
  "db",
  "cache",
  "mq",
  "lb",
  "dns",
  "ntp",
  "mail",
  "ldap",
  "mon",
  "log",
  "backup",
  "ci",
  "vpn",
  "proxy",
  "nfs",
  "node",
];
const SUBNET_ROLES = [
  "office",
  "dmz",
  "guest",
  "lab",
  "vpn-clients",
  "printers",
  "voip",
  "wifi",
  "management",
  "storage",
];

// --- hostile text (--nasty) ------------------------------------------------

/** Fragments allowed in names: no control characters (docs/usage.md). */
const NAME_FRAGMENTS = [
  'say "hi"',
  "C:\\dir\\",
  '\\"',
  "# not a comment",
  "-A INPUT -j ACCEPT",
  "COMMIT",
  '"]; evil [label="x',
  "<script>alert(1)</script>",
  "&amp; &lt;b&gt;",
  "../../etc/passwd",
  "..\\..\\boot.ini",
  "🔥🚀",
  "👨‍👩‍👧",
  "שלום עולם",
  "مرحبا",
  "\u202eevil\u202c",
  "日本語のホスト",
  "Ünïcödé",
  "'; DROP TABLE entity; --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection attempt, on purpose
  "${jndi:ldap://x}",
  "{{ 7*7 }}",
  "a -> b { }",
  "*filter :INPUT ACCEPT [0:0]",
  "100%s %n",
  "zero\u200bwidth",
  "nbsp\u00a0here",
];
/** Extra fragments for descriptions: line breaks, CR, tabs and separators are allowed there. */
const DESCRIPTION_FRAGMENTS = [
  "line one\nline two",
  "windows\r\nline end",
  "lone\rcarriage return",
  "tab\tseparated\tvalues",
  "\n-A INPUT -j ACCEPT\nCOMMIT\n",
  "\n*filter\n:INPUT ACCEPT [0:0]\n",
  "para\u2028line\u2029separators",
  '"]; } digraph evil { a -> b; //',
  "</td></tr><script>alert(document.cookie)</script>",
];

// --- addresses ---------------------------------------------------------------

/**
 * Private address space as /20 "sites" (16 /24 blocks each), in a fixed
 * order mixing the three ranges: 192.168.0.0/16, 172.16.0.0/12, 10.0.0.0/8.
 */
function siteBase(index: number): number {
  const ranges = [
    { base: (192 << 24) | (168 << 16), sites: 16 },
    { base: (172 << 24) | (16 << 16), sites: 256 },
    { base: 10 << 24, sites: 4096 },
  ];
  // Round robin over the ranges while each has sites left.
  let i = index;
  for (let round = 0; ; round++) {
    const open = ranges.filter((r) => r.sites > round);
    if (open.length === 0) throw new DatasetUsageError("the data set needs more addresses than private ranges hold");
    if (i < open.length) return ((open[i] as { base: number }).base + round * 4096) >>> 0;
    i -= open.length;
  }
}

/** Hands out addresses in the sites of the locations: hosts per interface lane, subnets as aligned blocks. */
class AddressPlan {
  #nextSite = 0;
  /** Per location: its sites' /24 blocks not yet used. */
  #blocks = new Map<number, number[]>();
  /** Per location and lane: current /24 and next host number. */
  #lanes = new Map<string, { block: number; host: number }>();

  constructor(private readonly random: Random) {}

  /** `size` consecutive free /24 blocks of the location, aligned to `size` (a /22 starts on a multiple of 4). */
  #takeBlocks(location: number, size: number): number {
    const free = this.#blocks.get(location) ?? [];
    this.#blocks.set(location, free);
    for (;;) {
      for (let start = 0; start + size <= free.length; start++) {
        const first = free[start] as number;
        if ((first >>> 8) % size === 0 && consecutive(free, start, size)) return free.splice(start, size)[0] as number;
      }
      const base = siteBase(this.#nextSite++);
      for (let k = 0; k < 16; k++) free.push((base + k * 256) >>> 0);
    }
  }

  host(location: number, lane: number): DatasetInterface["address"] {
    const key = `${location}/${lane}`;
    let state = this.#lanes.get(key);
    if (state === undefined || state.host > 250) {
      state = { block: this.#takeBlocks(location, 1), host: 10 };
      this.#lanes.set(key, state);
    }
    const address = formatIpv4((state.block + state.host) >>> 0);
    state.host += 1 + (this.random() < 0.25 ? int(this.random, 4) : 0);
    return address;
  }

  subnet(location: number): { address: string; netmask: string } {
    const prefix = weighted(this.random, [
      [24, 60],
      [25, 8],
      [26, 8],
      [27, 5],
      [28, 5],
      [23, 8],
      [22, 6],
    ] as const);
    const blocks = prefix >= 24 ? 1 : 2 ** (24 - prefix);
    return { address: formatIpv4(this.#takeBlocks(location, blocks)), netmask: prefixToNetmask(prefix) };
  }
}

/** Whether free[start…start+size) are consecutive /24 blocks. */
function consecutive(free: number[], start: number, size: number): boolean {
  if (start + size > free.length) return false;
  for (let k = 1; k < size; k++) if (free[start + k] !== (free[start] as number) + k * 256) return false;
  return true;
}

// --- names and descriptions ------------------------------------------------

/** Cuts to at most `max` UTF-16 code units without splitting a surrogate pair, then trims. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text.trim();
  const end = /[\ud800-\udbff]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end).trim();
}

/** Plain or hostile names and descriptions; hostile ones cycle through every fragment so each appears. */
class Texts {
  #nameTurn = 0;
  #descriptionTurn = 0;

  constructor(
    private readonly random: Random,
    readonly nasty: boolean,
  ) {}

  /** `plain` (unique in its scope) behind hostile fragments; never longer than a name may be. */
  name(plain: string, taken: Set<string>): string {
    let name = plain;
    if (this.nasty) {
      const turn = this.#nameTurn++;
      const parts = [
        NAME_FRAGMENTS[(2 * turn) % NAME_FRAGMENTS.length],
        NAME_FRAGMENTS[(2 * turn + 1) % NAME_FRAGMENTS.length],
      ];
      if (this.random() < 0.3) parts.push(pick(this.random, NAME_FRAGMENTS));
      let prefix = parts.join(" ");
      // Some names fill the whole NAME_MAX budget (emoji are two code units each).
      if (this.random() < 0.05) prefix = prefix.padEnd(NAME_MAX, "🔥");
      name = `${cut(prefix, NAME_MAX - plain.length - 1)} ${plain}`.trim();
    }
    if (taken.has(name)) name = plain;
    if (taken.has(name)) throw new Error(`generator bug: name ${JSON.stringify(name)} twice`);
    taken.add(name);
    return name;
  }

  /** A realistic description, or in hostile mode a multi-line one of rule, markup and DOT fragments. */
  description(plain: string, long = false): string {
    if (!this.nasty) return plain;
    const turn = this.#descriptionTurn++;
    const parts = [DESCRIPTION_FRAGMENTS[turn % DESCRIPTION_FRAGMENTS.length] as string];
    for (let n = int(this.random, 4); n > 0; n--)
      parts.push(pick(this.random, [...NAME_FRAGMENTS, ...DESCRIPTION_FRAGMENTS]));
    if (plain !== "") parts.push(plain);
    const separators = [" ", "\n", "\r\n", "\t", "\n\n"];
    let text = parts.map((part, i) => (i === 0 ? part : `${pick(this.random, separators)}${part}`)).join("");
    if (long || this.random() < 0.02) {
      const target = long ? DESCRIPTION_MAX : 2000 + int(this.random, DESCRIPTION_MAX - 2000);
      const all = [...NAME_FRAGMENTS, ...DESCRIPTION_FRAGMENTS];
      const pieces = [text];
      let length = text.length;
      for (let i = 0; length < target; i++) {
        const piece = `\n${all[i % all.length]}`;
        pieces.push(piece);
        length += piece.length;
      }
      text = cut(pieces.join(""), target);
    }
    return text;
  }

  /** Every fragment once, so a document always holds each hostile piece. */
  catalogue(): string {
    return this.nasty ? [...NAME_FRAGMENTS, ...DESCRIPTION_FRAGMENTS].join("\n") : "";
  }
}

const ROLE_DESCRIPTIONS: Record<string, string> = {
  web: "Web server",
  app: "Application server",
  db: "Database server",
  cache: "Cache",
  mq: "Message broker",
  lb: "Load balancer",
  dns: "DNS resolver",
  ntp: "Time server",
  mail: "Mail relay",
  ldap: "Directory server",
  mon: "Monitoring",
  log: "Log collector",
  backup: "Backup server",
  ci: "Build server",
  vpn: "VPN gateway",
  proxy: "Forward proxy",
  nfs: "File server",
  node: "Cluster node",
};

// --- the document ----------------------------------------------------------

/** The preset's numbers (small by default) with the given options over them, checked. */
export function resolveDatasetOptions(options: Partial<DatasetOptions> & { preset?: PresetName } = {}): DatasetOptions {
  const { preset = "small", ...rest } = options;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const o: DatasetOptions = { ...PRESETS[preset], seed: 1, nasty: false, ...defined };
  for (const key of ["projects", "locations", "entities", "interfaces", "communications", "seed"] as const) {
    if (!Number.isSafeInteger(o[key]) || o[key] < 0) throw new DatasetUsageError(`${key} must be a whole number ≥ 0`);
  }
  if (!(o.subnets >= 0 && o.subnets <= 1)) throw new DatasetUsageError("subnets must be a fraction from 0 to 1");
  if (o.entities > 0 && o.locations === 0) throw new DatasetUsageError("entities need at least one location");
  if (o.entities > 0 && o.interfaces === 0 && o.communications > 0) {
    throw new DatasetUsageError("communications need interfaces");
  }
  const flowsPerPair = 2 * 65535 + 256;
  if (o.communications > o.entities * (o.entities - 1) * o.interfaces ** 2 * flowsPerPair) {
    throw new DatasetUsageError(
      `${o.communications} distinct communications do not fit between ${o.entities} entities with ${o.interfaces} interfaces`,
    );
  }
  return o;
}

function shuffled(random: Random, n: number): number[] {
  const items = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = int(random, i + 1);
    [items[i], items[j]] = [items[j] as number, items[i] as number];
  }
  return items;
}

function flow(random: Random, nasty: boolean): { protocol: Protocol; port: number; service: string } {
  const protocol = weighted(random, PROTOCOL_MIX);
  if (protocol === "ICMP") {
    // Hostile data also asks for odd types, 255 included (iptables reads it as "any type": docs/rules.md).
    // Both draws happen in either mode, so --nasty changes the text but not the flows.
    const odd = random() < 0.1;
    const oddType = int(random, 256);
    if (nasty && odd) return { protocol, port: oddType, service: "" };
    const [port, service] = weighted(
      random,
      ICMP_TYPES.map(([p, s, w]) => [[p, s] as const, w] as const),
    );
    return { protocol, port, service };
  }
  const services = protocol === "TCP" ? TCP_SERVICES : UDP_SERVICES;
  if (random() < 0.8) {
    const [port, service] = weighted(
      random,
      services.map(([p, s, w]) => [[p, s] as const, w] as const),
    );
    return { protocol, port, service };
  }
  const port =
    random() < 0.1 ? 1 + int(random, 1023) : random() < 0.8 ? 1024 + int(random, 48128) : 49152 + int(random, 16384);
  return { protocol, port, service: "" };
}

/** The interchange document for the options (see USAGE); deterministic by seed. */
export function generateDataset(options: Partial<DatasetOptions> & { preset?: PresetName } = {}): DatasetDocument {
  const o = resolveDatasetOptions(options);
  const plan = new AddressPlan(stream(o.seed, 1));
  const texts = new Texts(stream(o.seed, 2), o.nasty);
  const random = stream(o.seed, 3);

  // Location names depend on the index only, so documents of different seeds share them.
  const locationNames = Array.from({ length: o.locations }, (_, i) =>
    o.nasty ? `${NAME_FRAGMENTS[i % NAME_FRAGMENTS.length]} Location ${i + 1}` : `Location ${i + 1}`,
  );
  const locations = locationNames.map((name, i) => ({ name, description: texts.description(`Site ${i + 1}`) }));

  const projectNames = new Set<string>();
  const projects: DatasetProject[] = [];
  for (let p = 0; p < o.projects; p++) {
    const name = texts.name(`Project ${p + 1}`, projectNames);
    const subnetCount = Math.round(o.entities * o.subnets);
    const subnetEntities = new Set(shuffled(random, o.entities).slice(0, subnetCount));
    const entityNames = new Set<string>();
    const roleCounts = new Map<string, number>();
    const entities: DatasetEntity[] = [];
    for (let e = 0; e < o.entities; e++) {
      const subnet = subnetEntities.has(e);
      const location = e < o.locations ? e : int(random, o.locations);
      const role = pick(random, subnet ? SUBNET_ROLES : HOST_ROLES);
      const n = (roleCounts.get(role) ?? 0) + 1;
      roleCounts.set(role, n);
      const plainName = `${role}${subnet ? "-lan" : ""}-${String(n).padStart(2, "0")}`;
      const interfaceNames = new Set<string>();
      const interfaces: DatasetInterface[] = [];
      for (let lane = 0; lane < o.interfaces; lane++) {
        const at = subnet ? plan.subnet(location) : { address: plan.host(location, lane), netmask: "255.255.255.255" };
        interfaces.push({
          name: texts.name(`eth${lane}`, interfaceNames),
          description: texts.description(lane === 1 && !subnet ? "Management" : ""),
          ...at,
        });
      }
      const plain = subnet ? `${role} network` : (ROLE_DESCRIPTIONS[role] ?? "");
      entities.push({
        name: texts.name(plainName, entityNames),
        description: texts.description(random() < 0.2 ? "" : plain, e === 0),
        location: locationNames[location] as string,
        interfaces,
      });
    }
    projects.push({
      name,
      description: o.nasty ? texts.catalogue() : `Generated data set, seed ${o.seed}`,
      entities,
      communications: communications(random, texts, entities, o),
    });
  }
  return { format: "conntrackt", version: 1, locations, projects };
}

/** Distinct flows between interfaces of different entities; a few entities receive most of them. */
function communications(
  random: Random,
  texts: Texts,
  entities: DatasetEntity[],
  o: DatasetOptions,
): DatasetCommunication[] {
  const out: DatasetCommunication[] = [];
  if (o.communications === 0) return out;
  const servers = shuffled(random, entities.length);
  const seen = new Set<string>();
  let attempts = o.communications * 50 + 10_000;
  while (out.length < o.communications) {
    if (attempts-- === 0) {
      throw new DatasetUsageError(`could not find ${o.communications} distinct communications: ask for fewer`);
    }
    const s = int(random, entities.length);
    const d = servers[Math.floor(entities.length * random() ** 2)] as number;
    if (s === d) continue;
    const source = entities[s] as DatasetEntity;
    const destination = entities[d] as DatasetEntity;
    const si = int(random, source.interfaces.length);
    const di = int(random, destination.interfaces.length);
    const { protocol, port, service } = flow(random, o.nasty);
    const key = `${s}/${si}>${d}/${di} ${protocol} ${port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const plain = random() < 0.15 ? "" : service;
    out.push({
      source: { entity: source.name, interface: (source.interfaces[si] as DatasetInterface).name },
      destination: { entity: destination.name, interface: (destination.interfaces[di] as DatasetInterface).name },
      protocol,
      port,
      description: texts.description(plain),
    });
  }
  return out;
}

/** The document as the command writes it. */
export function serializeDataset(doc: DatasetDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function main(args: string[]): void {
  try {
    const { help, ...options } = parseDatasetArgs(args);
    if (help) {
      process.stdout.write(USAGE);
      return;
    }
    process.stdout.write(serializeDataset(generateDataset(options)));
  } catch (error) {
    if (!(error instanceof DatasetUsageError)) throw error;
    process.stderr.write(`dataset: ${error.message} (--help lists the options)\n`);
    process.exitCode = 2;
  }
}

const entry = process.argv[1];
if (entry !== undefined && realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url))) {
  main(process.argv.slice(2));
}
