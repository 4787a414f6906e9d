// The generator's documents (scripts/dataset.ts): the version 1 document of
// the presets (IPv4 hosts and subnets, TCP, UDP and ICMP, one port per flow),
// whose bytes other tests and the benchmarks rely on, and the pieces the
// dual-stack version 2 document (dual-stack.ts) shares with it.
import type {
  DatasetCommunication,
  DatasetDocument,
  DatasetEntity,
  DatasetInterface,
  DatasetProject,
} from "./document.js";
import { AddressPlan, flow, HOST_ROLES, ROLE_DESCRIPTIONS, SUBNET_ROLES } from "./network.js";
import { type DatasetOptions, DatasetUsageError } from "./options.js";
import { int, pick, type Random, shuffled, stream } from "./random.js";
import { NAME_FRAGMENTS, Texts } from "./text.js";

/** The generator's independent streams of one seed (random.ts): the same numbers in both documents. */
export const STREAMS = { ipv4: 1, texts: 2, shape: 3, ipv6: 4, owners: 5 } as const;

/** Location names depend on the index only, so documents of different seeds share them. */
export function generateLocations(o: DatasetOptions, texts: Texts): DatasetDocument["locations"] {
  const names = Array.from({ length: o.locations }, (_, i) =>
    o.nasty ? `${NAME_FRAGMENTS[i % NAME_FRAGMENTS.length]} Location ${i + 1}` : `Location ${i + 1}`,
  );
  return names.map((name, i) => ({ name, description: texts.description(`Site ${i + 1}`) }));
}

/** An entity's role, name and location, drawn in the version 1 order. */
export function entityShape(
  random: Random,
  o: DatasetOptions,
  e: number,
  subnet: boolean,
  roleCounts: Map<string, number>,
): { location: number; role: string; plainName: string } {
  const location = e < o.locations ? e : int(random, o.locations);
  const role = pick(random, subnet ? SUBNET_ROLES : HOST_ROLES);
  const n = (roleCounts.get(role) ?? 0) + 1;
  roleCounts.set(role, n);
  return { location, role, plainName: `${role}${subnet ? "-lan" : ""}-${String(n).padStart(2, "0")}` };
}

/** An entity's description: a role's, a network's, or sometimes none. */
export function entityDescription(random: Random, texts: Texts, role: string, subnet: boolean, first: boolean): string {
  const plain = subnet ? `${role} network` : (ROLE_DESCRIPTIONS[role] ?? "");
  return texts.description(random() < 0.2 ? "" : plain, first);
}

/** The version 1 document for checked options. */
export function generateVersion1(o: DatasetOptions): DatasetDocument {
  const plan = new AddressPlan(stream(o.seed, STREAMS.ipv4));
  const texts = new Texts(stream(o.seed, STREAMS.texts), o.nasty);
  const random = stream(o.seed, STREAMS.shape);
  const locations = generateLocations(o, texts);

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
      const { location, role, plainName } = entityShape(random, o, e, subnet, roleCounts);
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
      entities.push({
        name: texts.name(plainName, entityNames),
        description: entityDescription(random, texts, role, subnet, e === 0),
        location: locations[location]?.name as string,
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
