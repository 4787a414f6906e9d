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
import type { Protocol } from "../src/domain/constants.js";
import { AddressPlan, flow, HOST_ROLES, ROLE_DESCRIPTIONS, SUBNET_ROLES } from "./dataset/network.js";
import { int, pick, type Random, shuffled, stream } from "./dataset/random.js";
import { NAME_FRAGMENTS, Texts } from "./dataset/text.js";

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
  // Far beyond any benchmark, and a bound that keeps the private ranges (about 16 million hosts) enough.
  if (o.projects * o.entities * o.interfaces > 5_000_000 || o.projects * o.communications > 5_000_000) {
    throw new DatasetUsageError("at most 5,000,000 interfaces and 5,000,000 communications in all");
  }
  const flowsPerPair = 2 * 65535 + 256;
  if (o.communications > o.entities * (o.entities - 1) * o.interfaces ** 2 * flowsPerPair) {
    throw new DatasetUsageError(
      `${o.communications} distinct communications do not fit between ${o.entities} entities with ${o.interfaces} interfaces`,
    );
  }
  return o;
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
