// "Can it reach?" (docs/usage.md): whether a packet from one address to an
// interface address of the project passes the generated firewalls, decided as
// the kernel decides it with the files loaded, and why. Pure; the index comes
// from src/domain/reach-index.ts.
//
// Decisions (docs/usage.md, "Can it reach?"):
// - The question is about a new packet (a connection's first packet, a ping):
//   the loopback and RELATED,ESTABLISHED standing rules answer replies, not
//   this. The ICMPv6 neighbour and multicast listener discovery rules every
//   IPv6 file accepts are standing rules that do answer it, and say so.
// - The destination host is the entity whose interface holding the To address
//   is the most specific (longest prefix): a server recorded inside a subnet
//   entity is that server, not the subnet. Its INPUT chain accepts the packet
//   when an enforced flow to one of its interfaces holding To has a source
//   network holding From, the protocol, and a port range holding the port —
//   exactly the `-s SRC -d DST -p … --dport …` rules of its files.
// - The source host, found the same way from the From address (none for an
//   address outside the project), filters the packet only when it restricts
//   outgoing traffic: then its OUTPUT chain must accept it by the same test on
//   its outgoing flows. Both ends must accept.
// - When two entities hold the address equally specifically (a shared address,
//   which the report calls an error), each is asked and all must accept: the
//   answer is allowed only if it holds whichever host has the address.
// - From equal to To, or two single-host interfaces of one entity, is one host
//   talking to itself: the kernel sends it over loopback, which every file
//   accepts. Two addresses inside a subnet entity are two hosts of it.
// - Expired flows and ICMP/ICMPv6 type 255 (left out of every file) never
//   accept; a denied answer lists those that would have, and the nearest
//   enforced flows (same destination and protocol; other source or port),
//   those with the right source first, then by how far the port is.
import {
  addressText,
  containsAddress,
  type EndRef,
  endRef,
  FAMILY_BITS,
  type FlowRef,
  flowRef,
  isHost,
  portDistance,
  type ReadFlow,
  type ReadInterface,
} from "./analysis-model.js";
import { PORT_RANGE, PROTOCOLS, type Protocol } from "./constants.js";
import { type Family, ICMPV6_LINK_TYPES } from "./firewall.js";
import { bucketKey, flowsAtPort, interfacesHolding, type ReachIndex } from "./reach-index.js";

export { buildReachIndex, type ReachIndex } from "./reach-index.js";

/** How many nearest flows a denied answer names per end. */
export const NEAREST_LIMIT = 5;

export interface ReachQuery {
  family: Family;
  from: bigint;
  to: bigint;
  protocol: Protocol;
  /** TCP/UDP port, or ICMP/ICMPv6 type. */
  port: number;
}

/** What one host's chain does with the packet. */
export interface ChainAnswer {
  chain: "INPUT" | "OUTPUT";
  entity: { id: number; name: string };
  /** The entity's interfaces holding the address at this end. */
  interfaces: EndRef[];
  allowed: boolean;
  /** Enforced flows whose rule accepts the packet. */
  allowedBy: FlowRef[];
  /** The standing rule that accepts it (ICMPv6 link traffic), or null. */
  standing: string | null;
  /** Flows whose rule would accept it but that are expired or left out (type 255). */
  notEnforced: FlowRef[];
  /** When denied: the closest enforced flows of this chain, same protocol. */
  nearest: FlowRef[];
}

export interface ReachAnswer {
  verdict: "allowed" | "denied";
  query: { family: Family; from: string; to: string; protocol: Protocol; port: number };
  /** From and To are one host: loopback, accepted by every file. */
  sameHost: boolean;
  /** INPUT of each host holding To (one unless the address is shared). */
  destinations: ChainAnswer[];
  /** Entities holding From (none: an address outside the project). */
  sourceEntities: { id: number; name: string; restrictOutgoing: boolean }[];
  /** OUTPUT of each of those that restricts outgoing traffic. */
  sources: ChainAnswer[];
  /** Communications or interfaces the generators refuse, not counted. */
  unreadable: number;
}

export type ReachField = "from" | "to" | "protocol" | "port";
export type ReachOutcome = { ok: true; answer: ReachAnswer } | { ok: false; field: ReachField; message: string };

const refuse = (field: ReachField, message: string): ReachOutcome => ({ ok: false, field, message });

const ICMPV6_LINK_RULE =
  "the standing rule for ICMPv6 neighbour discovery and multicast listener discovery, in every IPv6 file";

/** Checks the question's values (the validation layer has read the text). */
function checkQuery(q: ReachQuery): ReachOutcome | null {
  if (q.family !== "ipv4" && q.family !== "ipv6") return refuse("from", "From must be an IPv4 or IPv6 address.");
  const max = (1n << BigInt(FAMILY_BITS[q.family])) - 1n;
  for (const field of ["from", "to"] as const) {
    const value = q[field];
    if (typeof value !== "bigint" || value < 0n || value > max) {
      return refuse(
        field,
        `${field === "from" ? "From" : "To"} is not an ${q.family === "ipv4" ? "IPv4" : "IPv6"} address.`,
      );
    }
  }
  if (!PROTOCOLS.includes(q.protocol)) return refuse("protocol", `Protocol must be one of ${PROTOCOLS.join(", ")}.`);
  if (q.protocol === "ICMP" && q.family !== "ipv4")
    return refuse("protocol", "ICMP needs IPv4 addresses; use ICMPv6 for IPv6.");
  if (q.protocol === "ICMPv6" && q.family !== "ipv6")
    return refuse("protocol", "ICMPv6 needs IPv6 addresses; use ICMP for IPv4.");
  const range = PORT_RANGE[q.protocol];
  if (!Number.isInteger(q.port) || q.port < range.min || q.port > range.max) {
    return refuse("port", `${q.protocol} ${range.label} must be between ${range.min} and ${range.max}.`);
  }
  return null;
}

/** The entities holding the address most specifically, with all of their interfaces holding it. */
function owners(holding: ReadInterface[]): { entity: ReadInterface["entity"]; interfaces: ReadInterface[] }[] {
  const best = holding[0]?.network.prefix;
  const out = new Map<number, { entity: ReadInterface["entity"]; interfaces: ReadInterface[] }>();
  for (const item of holding) {
    if (item.network.prefix === best) out.set(item.entity.id, { entity: item.entity, interfaces: [] });
  }
  for (const item of holding) out.get(item.entity.id)?.interfaces.push(item);
  return [...out.values()];
}

const byId = (a: ReadFlow, b: ReadFlow) => a.row.id - b.row.id;

/**
 * One chain of one host. `own` are its interfaces holding its end's address;
 * `otherHolds` says whether a flow's far end holds the other address.
 */
function askChain(
  index: ReachIndex,
  chain: "INPUT" | "OUTPUT",
  owner: { entity: ReadInterface["entity"]; interfaces: ReadInterface[] },
  q: ReachQuery,
): ChainAnswer {
  const buckets = chain === "INPUT" ? index.incoming : index.outgoing;
  const farAddress = chain === "INPUT" ? q.from : q.to;
  const far = (flow: ReadFlow) => (chain === "INPUT" ? flow.source : flow.destination).network;
  const farHolds = (flow: ReadFlow) => containsAddress(far(flow), q.family, farAddress);
  const matching: ReadFlow[] = [];
  const all: ReadFlow[] = [];
  for (const item of owner.interfaces) {
    const bucket = buckets.get(bucketKey(item.row.id, q.protocol));
    matching.push(...flowsAtPort(bucket, q.port).filter(farHolds));
    if (bucket !== undefined) all.push(...bucket.all);
  }
  const allowedBy = matching.filter((flow) => flow.enforced).sort(byId);
  const notEnforced = matching.filter((flow) => !flow.enforced).sort(byId);
  const linkType = q.protocol === "ICMPv6" && ICMPV6_LINK_TYPES.some(({ type }) => type === q.port);
  const allowed = allowedBy.length > 0 || linkType;
  const nearest = allowed
    ? []
    : all
        .filter((flow) => flow.enforced)
        .map((flow) => ({ flow, far: farHolds(flow) ? 0 : 1, distance: portDistance(flow, q.port) }))
        .sort((a, b) => a.far - b.far || a.distance - b.distance || a.flow.row.id - b.flow.row.id)
        .slice(0, NEAREST_LIMIT)
        .map(({ flow }) => flowRef(flow));
  return {
    chain,
    entity: { id: owner.entity.id, name: owner.entity.name },
    interfaces: owner.interfaces.map(endRef),
    allowed,
    allowedBy: allowedBy.map(flowRef),
    standing: linkType ? ICMPV6_LINK_RULE : null,
    notEnforced: notEnforced.map(flowRef),
    nearest,
  };
}

/** Answers the question on the indexed project, or names the field that makes it unanswerable. */
export function reach(index: ReachIndex, q: ReachQuery): ReachOutcome {
  const problem = checkQuery(q);
  if (problem !== null) return problem;
  const query = {
    family: q.family,
    from: addressText(q.family, q.from),
    to: addressText(q.family, q.to),
    protocol: q.protocol,
    port: q.port,
  };
  const destinationOwners = owners(interfacesHolding(index, q.family, q.to));
  if (destinationOwners.length === 0) {
    return refuse(
      "to",
      `To: ${query.to} is not an address of any interface of project ${index.read.model.project.name}.`,
    );
  }
  const sourceOwners = owners(interfacesHolding(index, q.family, q.from));
  const only = (list: typeof sourceOwners) => (list.length === 1 ? list[0] : undefined);
  const src = only(sourceOwners);
  const dst = only(destinationOwners);
  // Owners' interfaces come most specific first: [0] is the one that makes the entity the owner.
  const hostOf = (owner: typeof src) =>
    owner !== undefined && owner.interfaces[0] !== undefined && isHost(owner.interfaces[0].network);
  const sameHost =
    q.from === q.to || (src !== undefined && src.entity.id === dst?.entity.id && hostOf(src) && hostOf(dst));
  const destinations = sameHost ? [] : destinationOwners.map((owner) => askChain(index, "INPUT", owner, q));
  const sources = sameHost
    ? []
    : sourceOwners.filter((o) => o.entity.restrictOutgoing).map((owner) => askChain(index, "OUTPUT", owner, q));
  const allowed = sameHost || [...destinations, ...sources].every((answer) => answer.allowed);
  return {
    ok: true,
    answer: {
      verdict: allowed ? "allowed" : "denied",
      query,
      sameHost,
      destinations,
      sourceEntities: sourceOwners.map(({ entity }) => ({ ...entity })),
      sources,
      unreadable: index.read.unreadable.length,
    },
  };
}
