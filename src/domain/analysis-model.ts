// The project model that "Can it reach?" and the project report read
// (docs/usage.md), and the one reading of it both share: every interface and
// communication checked as the firewall generators check them
// (src/domain/firewall.ts), addresses turned into numeric networks, expiry
// decided for one day. Pure: the data layer (src/data/analysis.ts) loads the
// plain rows, nothing here queries.
//
// Decisions:
// - A network is the range first..last of numbers it holds, both families as
//   bigint, so containment and overlap are number comparisons, never text: an
//   IPv4 address stored with host bits under its netmask (first version data)
//   means its network, as iptables reads `-s 10.0.0.1/255.255.255.0`.
// - A communication the generators would refuse (a broken end, a flow between
//   two families) is kept aside as unreadable with the generator's reason, not
//   guessed at; so is an interface whose address cannot be read.
// - A flow is enforced on `today` unless it is expired (src/domain/expiry.ts)
//   or left out as ICMP/ICMPv6 type 255 (docs/rules.md); both stay in the model
//   so the answers can say why a recorded flow does not count.
import type { Protocol } from "./constants.js";
import { type ExpiryState, expiryState } from "./expiry.js";
import { type CheckedEnd, checkEnd, checkFlow, type Family } from "./firewall.js";
import { formatIpv4, prefixToMaskValue } from "./ipv4.js";
import { formatIpv6, ipv6PrefixMask } from "./ipv6.js";

export interface AnalysisEntity {
  id: number;
  name: string;
  restrictOutgoing: boolean;
}

export interface AnalysisInterface {
  id: number;
  entityId: number;
  name: string;
  /** As stored: a dotted IPv4 address or an IPv6 address. */
  address: string;
  /** As stored: a dotted IPv4 netmask, or an IPv6 prefix length (`64`). */
  netmask: string;
}

export interface AnalysisCommunication {
  id: number;
  sourceId: number;
  destinationId: number;
  protocol: Protocol;
  port: number;
  /** Equal to port for one port or type. */
  portEnd: number;
  description: string;
  /** `YYYY-MM-DD`, the last day the flow is enforced; null: never expires. */
  expires: string | null;
}

/** One project as the analyses read it. */
export interface AnalysisModel {
  project: { id: number; name: string };
  entities: AnalysisEntity[];
  interfaces: AnalysisInterface[];
  communications: AnalysisCommunication[];
}

/** The addresses first..last (inclusive) of one family. */
export interface Network {
  family: Family;
  first: bigint;
  last: bigint;
  prefix: number;
}

export const FAMILY_BITS: Record<Family, number> = { ipv4: 32, ipv6: 128 };

/** The network of a checked end: its address with the host bits cleared, as the kernel matches it. */
export function networkOf(end: CheckedEnd): Network {
  const bits = FAMILY_BITS[end.family];
  const mask = end.family === "ipv4" ? BigInt(prefixToMaskValue(end.prefix)) : ipv6PrefixMask(end.prefix);
  const first = end.address & mask;
  const size = 1n << BigInt(bits - end.prefix);
  return { family: end.family, first, last: first + size - 1n, prefix: end.prefix };
}

export const isHost = (network: Network): boolean => network.prefix === FAMILY_BITS[network.family];

export function containsAddress(network: Network, family: Family, address: bigint): boolean {
  return network.family === family && network.first <= address && address <= network.last;
}

/** True when every address of inner is in outer (equal networks included). */
export function containsNetwork(outer: Network, inner: Network): boolean {
  return outer.family === inner.family && outer.first <= inner.first && inner.last <= outer.last;
}

export const sameNetwork = (a: Network, b: Network): boolean =>
  a.family === b.family && a.first === b.first && a.prefix === b.prefix;

/** An address as the pages show it: dotted quad, or RFC 5952 IPv6. */
export function addressText(family: Family, address: bigint): string {
  return family === "ipv4" ? formatIpv4(Number(address)) : formatIpv6(address);
}

/** A network as the pages show it: `ADDRESS` for one host, else `ADDRESS/NETMASK` (IPv4) or `ADDRESS/PREFIX` (IPv6). */
export function networkText(network: Network): string {
  const address = addressText(network.family, network.first);
  if (isHost(network)) return address;
  if (network.family === "ipv6") return `${address}/${network.prefix}`;
  return `${address}/${formatIpv4(prefixToMaskValue(network.prefix))}`;
}

/** TCP:22, TCP:8000-8100, ICMP:8 (docs/usage.md). */
export function portsText(protocol: Protocol, port: number, portEnd: number): string {
  return portEnd === port ? `${protocol}:${port}` : `${protocol}:${port}-${portEnd}`;
}

export interface ReadInterface {
  row: AnalysisInterface;
  entity: AnalysisEntity;
  /** As the generators read it (address as stored). */
  end: CheckedEnd;
  network: Network;
}

export interface ReadFlow {
  row: AnalysisCommunication;
  family: Family;
  source: ReadInterface;
  destination: ReadInterface;
  state: ExpiryState;
  /** ICMP or ICMPv6 type 255: written commented out in every file. */
  leftOut: boolean;
  /** In the generated files on the day read: neither expired nor left out. */
  enforced: boolean;
}

export interface ReadModel {
  model: AnalysisModel;
  today: string;
  entities: Map<number, AnalysisEntity>;
  interfaces: Map<number, ReadInterface>;
  flows: ReadFlow[];
  /** Rows the generators would refuse, with the reason. */
  unreadable: { kind: "interface" | "communication"; id: number; reason: string }[];
}

/** Reads the model for the day `today` (`YYYY-MM-DD`, UTC). */
export function readModel(model: AnalysisModel, today: string): ReadModel {
  const entities = new Map(model.entities.map((e) => [e.id, e]));
  const interfaces = new Map<number, ReadInterface>();
  const unreadable: ReadModel["unreadable"] = [];
  for (const row of model.interfaces) {
    const entity = entities.get(row.entityId);
    if (entity === undefined) continue;
    try {
      const end = checkEnd(row, "interface");
      interfaces.set(row.id, { row, entity, end, network: networkOf(end) });
    } catch (error) {
      unreadable.push({ kind: "interface", id: row.id, reason: (error as Error).message });
    }
  }
  const flows: ReadFlow[] = [];
  for (const row of model.communications) {
    const source = interfaces.get(row.sourceId);
    const destination = interfaces.get(row.destinationId);
    if (source === undefined || destination === undefined) continue;
    let checked: ReturnType<typeof checkFlow>;
    try {
      checked = checkFlow(
        {
          protocol: row.protocol,
          port: row.port,
          portEnd: row.portEnd,
          description: "",
          source: source.row,
          destination: destination.row,
        },
        "communication",
        { source: source.end, destination: destination.end },
      );
    } catch (error) {
      unreadable.push({ kind: "communication", id: row.id, reason: (error as Error).message });
      continue;
    }
    const state = expiryState(row.expires, today);
    flows.push({
      row,
      family: checked.family,
      source,
      destination,
      state,
      leftOut: checked.leftOut,
      enforced: state !== "expired" && !checked.leftOut,
    });
  }
  return { model, today, entities, interfaces, flows, unreadable };
}

/** True when the flow's port range holds port (for ICMP and ICMPv6, the type). */
export const holdsPort = (flow: ReadFlow, port: number): boolean => flow.row.port <= port && port <= flow.row.portEnd;

/** How far port is outside the flow's range: 0 inside. */
export function portDistance(flow: ReadFlow, port: number): number {
  if (port < flow.row.port) return flow.row.port - port;
  if (port > flow.row.portEnd) return port - flow.row.portEnd;
  return 0;
}

/** One end of a flow as the answers show it, with what a page needs to link it. */
export interface EndRef {
  entityId: number;
  entity: string;
  interfaceId: number;
  interface: string;
  network: string;
}

/** One communication as the answers show it (docs/usage.md display strings). */
export interface FlowRef {
  id: number;
  source: EndRef;
  destination: EndRef;
  protocol: Protocol;
  /** `TCP:22`, `TCP:8000-8100`, `ICMP:8`. */
  ports: string;
  description: string;
  expires: string | null;
  state: ExpiryState;
  leftOut: boolean;
}

export function endRef(end: ReadInterface): EndRef {
  return {
    entityId: end.entity.id,
    entity: end.entity.name,
    interfaceId: end.row.id,
    interface: end.row.name,
    network: networkText(end.network),
  };
}

export function flowRef(flow: ReadFlow): FlowRef {
  const { row } = flow;
  return {
    id: row.id,
    source: endRef(flow.source),
    destination: endRef(flow.destination),
    protocol: row.protocol,
    ports: portsText(row.protocol, row.port, row.portEnd),
    description: row.description,
    expires: row.expires,
    state: flow.state,
    leftOut: flow.leftOut,
  };
}
