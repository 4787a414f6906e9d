// The dual-stack version 2 document of the data set generator
// (scripts/dataset.ts --dual-stack; docs/cli.md "The interchange document").
// Same sizes, roles, locations and hostile texts as version 1, plus:
// - about 70 % of the hosts dual-stack (each interface lane an IPv4
//   interface `ethN` and an IPv6 one `ethN-v6`), 20 % IPv4 only and 10 % IPv6
//   only (`ethN`); every subnet is dual-stack: an IPv4 network and an IPv6
//   /64, /56 or /48 (network-v6.ts);
// - about 8 % of the dual-stack hosts (at least one) restrict outgoing traffic;
// - flows join two interfaces of one family; ICMP on IPv4 ends, ICMPv6 on
//   IPv6 ones; about 6 % of TCP/UDP flows are port ranges;
// - the first flows of each project (SHOWCASE) cover every kind a firewall
//   test needs, whatever the seed, each to a host: an IPv6 and an IPv4 flow
//   from an entity that restricts outgoing traffic, from an IPv6 and from an
//   IPv4 network, TCP and UDP ranges of both families, ICMP and ICMPv6;
// - about 35 % of the flows have Requested by, 30 % a Reference, 15 % an
//   Expires date: in the 2090s (none expired), or with `today` around it, a
//   quarter of them before it (expired) and a fifth within 14 days after it.
// Deterministic by seed like version 1; its own streams keep the IPv4 numbers
// apart from the IPv6 ones.
import { addDays } from "../../src/domain/expiry.js";
import type {
  DatasetInterface,
  DualStackCommunication,
  DualStackDocument,
  DualStackEntity,
  DualStackProject,
} from "./document.js";
import { entityDescription, entityShape, generateLocations, STREAMS } from "./generate.js";
import { AddressPlan } from "./network.js";
import { type Family, type FlowV2, flowV2, Ipv6Plan } from "./network-v6.js";
import { type DatasetOptions, DatasetUsageError } from "./options.js";
import { int, pick, type Random, shuffled, stream } from "./random.js";
import { Texts } from "./text.js";

type Stack = "dual" | Family;

/** The flows every project starts with (module header); each needs its family on both ends. */
const SHOWCASE: readonly (FlowV2 & { family: Family; from?: "restricting" | "network" })[] = [
  { family: "ipv6", protocol: "TCP", port: 443, portEnd: 443, service: "HTTPS", from: "restricting" },
  { family: "ipv4", protocol: "TCP", port: 22, portEnd: 22, service: "SSH", from: "restricting" },
  { family: "ipv6", protocol: "TCP", port: 22, portEnd: 22, service: "SSH", from: "network" },
  { family: "ipv4", protocol: "UDP", port: 53, portEnd: 53, service: "DNS", from: "network" },
  { family: "ipv4", protocol: "TCP", port: 8000, portEnd: 8100, service: "Application ports" },
  { family: "ipv6", protocol: "UDP", port: 10000, portEnd: 20000, service: "RTP media" },
  { family: "ipv4", protocol: "ICMP", port: 8, portEnd: 8, service: "Ping" },
  { family: "ipv6", protocol: "ICMPv6", port: 128, portEnd: 128, service: "Ping" },
  { family: "ipv6", protocol: "TCP", port: 5900, portEnd: 5903, service: "VNC" },
  { family: "ipv4", protocol: "UDP", port: 60000, portEnd: 61000, service: "Mosh" },
];
/** Draws spent on one showcase flow before it is left out (no entity pair has the family). */
const SHOWCASE_TRIES = 1000;

const REQUESTERS = [
  "Alice Martin",
  "Bob Dupont",
  "Chen Wei",
  "Fatima Zahra",
  "José Núñez",
  "Network team",
  "Security team",
  "Platform team",
  "Database administrators",
  "Service desk",
];
const TICKETS = ["CHG", "INC", "REQ", "OPS"];
/** The Expires dates without `today`: all in the 2090s. */
const FAR_FUTURE = "2090-01-01";

/** An entity's interfaces and which of them (by index) are of each family. */
interface EntityFamilies {
  ipv4: number[];
  ipv6: number[];
}

/** The version 2 document for checked options (options.ts, dualStack). */
export function generateDualStack(o: DatasetOptions): DualStackDocument {
  const plan = new AddressPlan(stream(o.seed, STREAMS.ipv4));
  const plan6 = new Ipv6Plan(stream(o.seed, STREAMS.ipv6), Math.max(1, o.interfaces));
  const texts = new Texts(stream(o.seed, STREAMS.texts), o.nasty);
  const random = stream(o.seed, STREAMS.shape);
  const owners = stream(o.seed, STREAMS.owners);
  const locations = generateLocations(o, texts);

  const projectNames = new Set<string>();
  const projects: DualStackProject[] = [];
  for (let p = 0; p < o.projects; p++) {
    const name = texts.name(`Project ${p + 1}`, projectNames);
    const subnetEntities = new Set(shuffled(random, o.entities).slice(0, Math.round(o.entities * o.subnets)));
    const stacks = drawStacks(random, o.entities, subnetEntities);
    const entityNames = new Set<string>();
    const roleCounts = new Map<string, number>();
    const entities: DualStackEntity[] = [];
    const families: EntityFamilies[] = [];
    for (let e = 0; e < o.entities; e++) {
      const subnet = subnetEntities.has(e);
      const stack = stacks[e] as Stack;
      const { location, role, plainName } = entityShape(random, o, e, subnet, roleCounts);
      const interfaceNames = new Set<string>();
      const interfaces: DatasetInterface[] = [];
      const family: EntityFamilies = { ipv4: [], ipv6: [] };
      for (let lane = 0; lane < o.interfaces; lane++) {
        const description = lane === 1 && !subnet ? "Management" : "";
        if (stack !== "ipv6") {
          const at = subnet
            ? plan.subnet(location)
            : { address: plan.host(location, lane), netmask: "255.255.255.255" };
          family.ipv4.push(interfaces.length);
          interfaces.push({
            name: texts.name(`eth${lane}`, interfaceNames),
            description: texts.description(description),
            ...at,
          });
        }
        if (stack !== "ipv4") {
          const at = subnet ? plan6.subnet(location) : { address: plan6.host(location, lane), netmask: "128" };
          family.ipv6.push(interfaces.length);
          interfaces.push({
            name: texts.name(stack === "dual" ? `eth${lane}-v6` : `eth${lane}`, interfaceNames),
            description: texts.description(description),
            ...at,
          });
        }
      }
      entities.push({
        name: texts.name(plainName, entityNames),
        description: entityDescription(random, texts, role, subnet, e === 0),
        location: locations[location]?.name as string,
        restrictOutgoing: false,
        interfaces,
      });
      families.push(family);
    }
    const hosts = entities.map((_, e) => e).filter((e) => stacks[e] === "dual" && !subnetEntities.has(e));
    const restricting = shuffled(random, hosts.length)
      .slice(0, hosts.length === 0 ? 0 : Math.max(1, Math.round(hosts.length * 0.08)))
      .map((i) => hosts[i] as number)
      .sort((a, b) => a - b);
    for (const e of restricting) (entities[e] as DualStackEntity).restrictOutgoing = true;
    projects.push({
      name,
      description: o.nasty ? texts.catalogue() : `Generated dual-stack data set, seed ${o.seed}`,
      entities,
      communications: dualStackFlows({ random, owners, texts, o }, entities, families, {
        restricting,
        networks: [...subnetEntities].sort((a, b) => a - b),
      }),
    });
  }
  return { format: "conntrackt", version: 2, locations, projects };
}

/** Each entity's stack: of the hosts a random tenth IPv6 only, a fifth IPv4 only, the rest both; subnets both. */
function drawStacks(random: Random, count: number, subnets: ReadonlySet<number>): Stack[] {
  const hosts = shuffled(random, count).filter((e) => !subnets.has(e));
  const ipv6Only = Math.round(hosts.length * 0.1);
  const ipv4Only = Math.round(hosts.length * 0.2);
  const stacks = Array<Stack>(count).fill("dual");
  hosts.forEach((e, rank) => {
    if (rank < ipv6Only) stacks[e] = "ipv6";
    else if (rank < ipv6Only + ipv4Only) stacks[e] = "ipv4";
  });
  return stacks;
}

interface Draws {
  random: Random;
  owners: Random;
  texts: Texts;
  o: DatasetOptions;
}

/** Distinct flows between same-family interfaces of different entities; the SHOWCASE first. */
function dualStackFlows(
  { random, owners, texts, o }: Draws,
  entities: DualStackEntity[],
  families: EntityFamilies[],
  sources: { restricting: number[]; networks: number[] },
): DualStackCommunication[] {
  const networks = new Set(sources.networks);
  const out: DualStackCommunication[] = [];
  if (o.communications === 0) return out;
  const servers = shuffled(random, entities.length);
  const seen = new Set<string>();
  let showcase = 0;
  let showcaseTries = SHOWCASE_TRIES;
  let attempts = o.communications * 50 + 10_000;
  while (out.length < o.communications) {
    if (attempts-- === 0) {
      throw new DatasetUsageError(`could not find ${o.communications} distinct communications: ask for fewer`);
    }
    if (showcase < SHOWCASE.length && showcaseTries-- === 0) {
      showcase += 1;
      showcaseTries = SHOWCASE_TRIES;
    }
    const wanted = showcase < SHOWCASE.length ? SHOWCASE[showcase] : undefined;
    let s = int(random, entities.length);
    const d = servers[Math.floor(entities.length * random() ** 2)] as number;
    const from = wanted?.from === undefined ? [] : sources[wanted.from === "network" ? "networks" : "restricting"];
    if (from.length > 0) s = pick(random, from);
    if (s === d || (wanted !== undefined && networks.has(d))) continue;
    const source = families[s] as EntityFamilies;
    const destination = families[d] as EntityFamilies;
    const shared = (["ipv4", "ipv6"] as const).filter((f) => source[f].length > 0 && destination[f].length > 0);
    const family = wanted?.family ?? (shared.length > 0 ? pick(random, shared) : undefined);
    if (family === undefined || !shared.includes(family)) continue;
    const si = pick(random, source[family]);
    const di = pick(random, destination[family]);
    const kind = wanted ?? flowV2(random, family, o.nasty);
    const key = `${s}/${si}>${d}/${di} ${kind.protocol} ${kind.port}-${kind.portEnd}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (wanted) {
      showcase += 1;
      showcaseTries = SHOWCASE_TRIES;
    }
    const plain = random() < 0.15 ? "" : kind.service;
    const start = entities[s] as DualStackEntity;
    const to = entities[d] as DualStackEntity;
    out.push({
      source: { entity: start.name, interface: (start.interfaces[si] as DatasetInterface).name },
      destination: { entity: to.name, interface: (to.interfaces[di] as DatasetInterface).name },
      protocol: kind.protocol,
      port: kind.port,
      portEnd: kind.portEnd,
      description: texts.description(plain),
      ...ownerFields(owners, texts, o.today),
    });
  }
  return out;
}

/** Requested by, Reference and Expires of one flow; the same number of draws every time. */
function ownerFields(
  owners: Random,
  texts: Texts,
  today: string | undefined,
): Pick<DualStackCommunication, "requestedBy" | "reference" | "expires"> {
  const [hasRequester, hasReference, hasExpiry, when] = [owners(), owners(), owners(), owners()];
  const requester = pick(owners, REQUESTERS);
  const ticket = `${pick(owners, TICKETS)}-${1000 + int(owners, 90000)}`;
  const days = int(owners, 3650);
  let expires: string | null = null;
  if (hasExpiry < 0.15) {
    if (today === undefined) expires = addDays(FAR_FUTURE, days);
    else if (when < 0.25) expires = addDays(today, -1 - (days % 90));
    else if (when < 0.45) expires = addDays(today, days % 15);
    else expires = addDays(today, 15 + (days % 720));
  }
  return {
    requestedBy: hasRequester < 0.35 ? texts.name(requester, new Set()) : "",
    reference: hasReference < 0.3 ? texts.name(ticket, new Set()) : "",
    expires,
  };
}
