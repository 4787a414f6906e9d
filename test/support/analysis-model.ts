// Project models for the reachability and report tests, built in memory:
// a small builder for hand-made cases, the generator inputs of every entity
// (what src/data/rules.ts hands the firewall generators, expiry and outgoing
// rules included) and a seeded dual-stack project with subnets, ranges, a
// host restricting outgoing traffic and an expired flow.
import type {
  AnalysisCommunication,
  AnalysisEntity,
  AnalysisInterface,
  AnalysisModel,
} from "../../src/domain/analysis-model.js";
import type { Protocol } from "../../src/domain/constants.js";
import { isExpired } from "../../src/domain/expiry.js";
import type { EntityRulesInput, IncomingFlow } from "../../src/domain/types.js";

export class ModelBuilder {
  readonly model: AnalysisModel;
  #id = 0;

  constructor(name = "Reach project") {
    this.model = { project: { id: 1, name }, entities: [], interfaces: [], communications: [] };
  }

  entity(name: string, restrictOutgoing = false): AnalysisEntity {
    const entity = { id: ++this.#id, name, restrictOutgoing };
    this.model.entities.push(entity);
    return entity;
  }

  /** An interface; netmask defaults to one host of the address's family. */
  iface(entity: AnalysisEntity, address: string, netmask?: string, name?: string): AnalysisInterface {
    const own = this.model.interfaces.filter((i) => i.entityId === entity.id).length;
    const row = {
      id: ++this.#id,
      entityId: entity.id,
      name: name ?? `eth${own}`,
      address,
      netmask: netmask ?? (address.includes(":") ? "128" : "255.255.255.255"),
    };
    this.model.interfaces.push(row);
    return row;
  }

  /** A host entity with one interface. */
  host(name: string, address: string, restrictOutgoing = false): { entity: AnalysisEntity; iface: AnalysisInterface } {
    const entity = this.entity(name, restrictOutgoing);
    return { entity, iface: this.iface(entity, address) };
  }

  flow(
    source: AnalysisInterface,
    destination: AnalysisInterface,
    protocol: Protocol,
    port: number,
    options: { portEnd?: number; expires?: string | null; description?: string } = {},
  ): AnalysisCommunication {
    const row = {
      id: ++this.#id,
      sourceId: source.id,
      destinationId: destination.id,
      protocol,
      port,
      portEnd: options.portEnd ?? port,
      description: options.description ?? "",
      expires: options.expires ?? null,
    };
    this.model.communications.push(row);
    return row;
  }
}

/** The generator input of every entity on `today`, as the rules loader builds it. */
export function entityInputs(model: AnalysisModel, today: string): Map<number, EntityRulesInput> {
  const interfaces = new Map(model.interfaces.map((i) => [i.id, i]));
  const inputs = new Map<number, EntityRulesInput>();
  for (const e of model.entities) {
    inputs.set(e.id, {
      entity: { name: e.name, project: model.project.name, location: "Site" },
      incoming: [],
      ...(e.restrictOutgoing ? { restrictOutgoing: true, outgoing: [] } : {}),
    });
  }
  for (const c of model.communications) {
    if (isExpired(c.expires, today)) continue;
    const source = interfaces.get(c.sourceId);
    const destination = interfaces.get(c.destinationId);
    if (!source || !destination) continue;
    const flow: IncomingFlow = {
      protocol: c.protocol,
      port: c.port,
      description: c.description,
      source: { address: source.address, netmask: source.netmask },
      destination: { address: destination.address, netmask: destination.netmask },
    };
    if (c.portEnd !== c.port) flow.portEnd = c.portEnd;
    inputs.get(destination.entityId)?.incoming.push(flow);
    inputs.get(source.entityId)?.outgoing?.push(flow);
  }
  return inputs;
}

/** mulberry32, uniform in [0, 1): the same seed gives the same project. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seeded dual-stack project: four subnet entities (an IPv4 /24 and an IPv6
 * /64 each) inside one corporate network entity (10.20.0.0/16, fd00:20::/48),
 * hosts with both families inside and outside the subnets, the first host
 * restricting outgoing traffic, flows of every protocol with ranges, one
 * ICMP type 255, one flow expired on `today` and one on its last day. Ports
 * stay below 30000 so that a test listener never meets an ephemeral port.
 */
export function dualStackProject(seed: number, today: string, flows = 48): ModelBuilder {
  const random = seeded(seed);
  const int = (below: number) => Math.floor(random() * below);
  const b = new ModelBuilder(`Dual stack ${seed}`);
  const corp = b.entity("corp");
  const corpEnds = [b.iface(corp, "10.20.0.0", "255.255.0.0"), b.iface(corp, "fd00:20::", "48")];
  const subnets = [1, 2, 3, 4].map((n) => {
    const e = b.entity(`lan-${n}`);
    return [b.iface(e, `10.20.${n}.0`, "255.255.255.0"), b.iface(e, `fd00:20:0:${n}::`, "64")];
  });
  const hosts = Array.from({ length: 7 }, (_, n) => {
    const e = b.entity(`host-${n + 1}`, n === 0);
    // Hosts 1–4 sit inside a subnet, the others outside the corporate network.
    const [v4, v6] =
      n < 4 ? [`10.20.${n + 1}.${10 + n}`, `fd00:20:0:${n + 1}::${10 + n}`] : [`10.30.0.${n}`, `fd00:30::${n}`];
    return [b.iface(e, v4), b.iface(e, v6)];
  });
  // 0: corp, 1–4: subnets, 5–11: hosts.
  const ends = [corpEnds, ...subnets, ...hosts];
  const seen = new Set<string>();
  const port = () => 1000 + int(28000);
  for (let made = 0; made < flows; ) {
    // Flows 4–6 leave the restricting host, so its OUTPUT rules are never empty.
    const s = made >= 3 && made < 6 ? 5 : int(ends.length);
    const d = random() < 0.25 ? 1 + int(4) : 5 + int(hosts.length);
    if (s === d) continue;
    const family = int(2);
    const source = ends[s]?.[family];
    const destination = ends[d]?.[family];
    if (source === undefined || destination === undefined) continue;
    const kind = made === 0 ? "any" : int(10);
    let protocol: Protocol = int(3) === 0 ? "UDP" : "TCP";
    let first = port();
    let last = first;
    if (kind === "any") {
      protocol = family === 0 ? "ICMP" : "ICMPv6";
      first = last = 255;
    } else if (kind < 2) {
      protocol = family === 0 ? "ICMP" : "ICMPv6";
      first = last = family === 0 ? 8 : 128;
    } else if (kind < 5) {
      last = first + 1 + int(40);
    }
    const key = `${source.id} ${destination.id} ${protocol} ${first} ${last}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const expires = made === 1 ? dayBefore(today) : made === 2 ? today : null;
    b.flow(source, destination, protocol, first, { portEnd: last, expires, description: `flow ${made + 1}` });
    made++;
  }
  return b;
}

function dayBefore(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}
