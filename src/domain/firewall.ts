// The checked model the three firewall generators share (docs/rules.md): the
// iptables file (IPv4), the ip6tables file (IPv6) and the nftables file (both).
// Each reads the same FirewallInput through checkFirewallInput, so a flow that
// one format refuses is refused by all, and orders and groups its lines with
// orderRules and groupedLines, so the three files list flows alike.
//
// Decisions:
// - Input is checked, not trusted: each problem throws a RangeError naming the
//   field (`incoming[3].source.netmask`). The family of an end follows from its
//   address: a strict dotted quad is IPv4 (dotted contiguous netmask), any other
//   address must be IPv6 (RFC 4291 text, its prefix length 0–128 in `netmask`,
//   no host bits past the prefix, as src/domain/ipv6.ts reads networks).
// - A flow joins two ends of one family; ICMP needs IPv4 ends, ICMPv6 IPv6 ends.
//   TCP/UDP take `port..portEnd` (portEnd absent or equal to port for one port,
//   else greater); ICMP and ICMPv6 take one type.
// - Addresses are kept as numbers (bigint for both families), so ordering and
//   formatting never depend on how the text was spelt.
// - Type 255 (ICMP or ICMPv6) is marked leftOut: iptables reads `--icmp-type 255`
//   as "any type", so every format writes such a flow commented out and the
//   three files always enforce the same flows.
// - Rules are ordered by protocol (TCP, UDP, ICMP, ICMPv6), first port, last
//   port, family (IPv4 first), source address and prefix, destination address
//   and prefix. Identical lines appear once, keeping the smallest non-empty
//   comment in UTF-16 order, so the output never depends on the input's order.
import { PORT_RANGE, PROTOCOLS, type Protocol } from "./constants.js";
import { commentText } from "./firewall-text.js";
import { maskValuePrefixLength, parseIpv4 } from "./ipv4.js";
import { formatIpv6Network, hasHostBits, ipv6NetworkAddress, parseIpv6PrefixLength, readIpv6 } from "./ipv6.js";
import type { FirewallFlow, FirewallInput } from "./types.js";

export type Family = "ipv4" | "ipv6";

/** One checked end: its family, address as a number (as stored) and prefix length. */
export interface CheckedEnd {
  family: Family;
  address: bigint;
  prefix: number;
}

/** One checked flow, ready for any format. */
export interface CheckedFlow {
  family: Family;
  protocol: Protocol;
  port: number;
  /** Equal to port for one port or type. */
  portEnd: number;
  source: CheckedEnd;
  destination: CheckedEnd;
  /** The description's comment text ("" for none), reduced and cut (src/domain/firewall-text.ts). */
  comment: string;
  /** Type 255, which iptables reads as "any type": written commented out everywhere. */
  leftOut: boolean;
}

/** The whole input, checked. */
export interface CheckedInput {
  entity: { name: string; project: string; location: string };
  incoming: CheckedFlow[];
  outgoing: CheckedFlow[];
  restrictOutgoing: boolean;
}

/** The ICMPv6 type that, like ICMP's, is left out in every format. */
const ANY_TYPE = 255;

/**
 * ICMPv6 types every IPv6 host must accept (RFC 4890, 4.3.1): neighbour
 * discovery (router solicitation and advertisement, neighbour solicitation and
 * advertisement; without them the host cannot reach its neighbours at once) and
 * multicast listener discovery (query, report, done, MLDv2 report; without them
 * an MLD-snooping switch stops forwarding the host's multicast, neighbour
 * discovery included, after a few minutes). Numbers with their nft names.
 */
export const ICMPV6_LINK_TYPES: readonly { type: number; nftName: string }[] = [
  { type: 133, nftName: "nd-router-solicit" },
  { type: 134, nftName: "nd-router-advert" },
  { type: 135, nftName: "nd-neighbor-solicit" },
  { type: 136, nftName: "nd-neighbor-advert" },
  { type: 130, nftName: "mld-listener-query" },
  { type: 131, nftName: "mld-listener-report" },
  { type: 132, nftName: "mld-listener-done" },
  { type: 143, nftName: "mld2-listener-report" },
];

/** Why the ICMPv6 link types are accepted, for a comment line (any length: it is not user text). */
export const ICMPV6_LINK_REASON =
  "ICMPv6 neighbour discovery and multicast listener discovery (RFC 4890): without them the host drops off" +
  " an IPv6 network, at once for neighbour discovery, after a few minutes behind an MLD-snooping switch.";

/** Reads one end or throws a RangeError naming the field under path. */
export function checkEnd(end: { address: string; netmask: string }, path: string): CheckedEnd {
  const text: unknown = end?.address;
  const ipv4 = typeof text === "string" ? parseIpv4(text) : null;
  if (ipv4 !== null) {
    const mask = typeof end.netmask === "string" ? parseIpv4(end.netmask) : null;
    const prefix = mask === null ? null : maskValuePrefixLength(mask);
    if (prefix === null) {
      throw new RangeError(`${path}.netmask is not a contiguous dotted IPv4 netmask: ${JSON.stringify(end.netmask)}`);
    }
    return { family: "ipv4", address: BigInt(ipv4), prefix };
  }
  const ipv6 = readIpv6(text);
  if (!ipv6.ok) {
    throw new RangeError(
      `${path}.address is not a dotted IPv4 address: ${JSON.stringify(text)}; as an IPv6 address it ${ipv6.reason}`,
    );
  }
  const prefix = typeof end.netmask === "string" && /^\d/.test(end.netmask) ? parseIpv6PrefixLength(end.netmask) : null;
  if (prefix === null) {
    throw new RangeError(
      `${path}.netmask of an IPv6 address must be a prefix length from 0 to 128: ${JSON.stringify(end.netmask)}`,
    );
  }
  if (hasHostBits(ipv6.value, prefix)) {
    const network = formatIpv6Network({ address: ipv6NetworkAddress(ipv6.value, prefix), prefix });
    throw new RangeError(`${path}.address has host bits set past the prefix /${prefix}: the network is ${network}`);
  }
  return { family: "ipv6", address: ipv6.value, prefix };
}

/** Reads one end of a flow as checkEnd does. */
type EndReader = (end: { address: string; netmask: string }, path: string) => CheckedEnd;

/**
 * Checks one flow or throws a RangeError naming the field under path. `ends`,
 * when given, are its two ends already read with checkEnd (a caller checking
 * many flows between the same interfaces reads each interface once).
 */
export function checkFlow(
  flow: FirewallFlow,
  path: string,
  ends?: { source: CheckedEnd; destination: CheckedEnd },
): CheckedFlow {
  return checkFlowWith(flow, path, checkEnd, ends);
}

/** checkFlow reading its ends, unless given, with readEnd. */
function checkFlowWith(
  flow: FirewallFlow,
  path: string,
  readEnd: EndReader,
  ends?: { source: CheckedEnd; destination: CheckedEnd },
): CheckedFlow {
  const protocol = flow?.protocol;
  if (!PROTOCOLS.includes(protocol)) {
    throw new RangeError(`${path}.protocol must be one of ${PROTOCOLS.join(", ")}: ${JSON.stringify(protocol)}`);
  }
  const range = PORT_RANGE[protocol];
  const { port } = flow;
  if (!Number.isInteger(port) || port < range.min || port > range.max) {
    throw new RangeError(`${path}.port must be a ${range.label} from ${range.min} to ${range.max}: ${port}`);
  }
  const portEnd = flow.portEnd ?? port;
  const ranged = protocol === "TCP" || protocol === "UDP";
  if (!ranged && portEnd !== port) {
    throw new RangeError(`${path}.portEnd must be absent or equal to port: ${protocol} takes one type: ${portEnd}`);
  }
  if (!Number.isInteger(portEnd) || portEnd < port || portEnd > range.max) {
    throw new RangeError(`${path}.portEnd must be a port from ${port} (the port) to ${range.max}: ${portEnd}`);
  }
  const source = ends?.source ?? readEnd(flow.source, `${path}.source`);
  const destination = ends?.destination ?? readEnd(flow.destination, `${path}.destination`);
  if (source.family !== destination.family) {
    throw new RangeError(
      `${path}.destination is an ${destination.family === "ipv4" ? "IPv4" : "IPv6"} address but the source is not:` +
        " a flow joins two ends of the same family",
    );
  }
  const family = source.family;
  if ((protocol === "ICMP" && family !== "ipv4") || (protocol === "ICMPv6" && family !== "ipv6")) {
    throw new RangeError(
      `${path}.protocol ${protocol} needs ${protocol === "ICMP" ? "IPv4" : "IPv6"} ends (ICMP for IPv4, ICMPv6 for IPv6)`,
    );
  }
  const leftOut = (protocol === "ICMP" || protocol === "ICMPv6") && port === ANY_TYPE;
  return { family, protocol, port, portEnd, source, destination, comment: commentText(flow.description), leftOut };
}

/**
 * checkEnd, remembering each valid end by its text: a file's flows join few
 * distinct interfaces (every incoming flow ends at one of the entity's), so
 * most ends are read once. The ends are shared between flows and never
 * modified. An invalid end is not remembered: it throws, naming its field.
 */
function endReader(): EndReader {
  const seen = new Map<string, CheckedEnd>();
  return (end, path) => {
    const address: unknown = end?.address;
    const netmask: unknown = end?.netmask;
    if (typeof address !== "string" || typeof netmask !== "string") return checkEnd(end, path);
    const key = `${address} ${netmask}`;
    let checked = seen.get(key);
    if (checked === undefined) {
      checked = checkEnd(end, path);
      seen.set(key, checked);
    }
    return checked;
  };
}

/** Checks a list of flows (absent for outgoing means none) or throws a RangeError naming the field. */
function checkFlows(flows: unknown, name: string, optional: boolean, readEnd: EndReader): CheckedFlow[] {
  if (flows === undefined && optional) return [];
  if (!Array.isArray(flows)) throw new RangeError(`${name} must be a list of flows`);
  return flows.map((flow: FirewallFlow, index) => checkFlowWith(flow, `${name}[${index}]`, readEnd));
}

/** Checks the whole input (without modifying it) or throws a RangeError naming the field. */
export function checkFirewallInput(input: FirewallInput): CheckedInput {
  const restrictOutgoing = input.restrictOutgoing ?? false;
  if (typeof restrictOutgoing !== "boolean") {
    throw new RangeError(`restrictOutgoing must be true or false: ${JSON.stringify(restrictOutgoing)}`);
  }
  const readEnd = endReader();
  return {
    entity: input.entity,
    incoming: checkFlows(input.incoming, "incoming", false, readEnd),
    outgoing: checkFlows(input.outgoing, "outgoing", true, readEnd),
    restrictOutgoing,
  };
}

/** The sort key of a flow (module header): protocol, ports, family, then both ends. */
function sortKey(flow: CheckedFlow): readonly bigint[] {
  return [
    BigInt(PROTOCOLS.indexOf(flow.protocol)),
    BigInt(flow.port),
    BigInt(flow.portEnd),
    flow.family === "ipv4" ? 0n : 1n,
    flow.source.address,
    BigInt(flow.source.prefix),
    flow.destination.address,
    BigInt(flow.destination.prefix),
  ];
}

/** Compares two sort keys element by element. */
function compareKeys(a: readonly bigint[], b: readonly bigint[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0n;
    const y = b[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Compares flows in the documented rule order. */
export function compareFlows(a: CheckedFlow, b: CheckedFlow): number {
  return compareKeys(sortKey(a), sortKey(b));
}

/** A line to print and the comment above its group. */
export interface RuleLine {
  line: string;
  comment: string;
}

/** Of two comments for the same line, the one to keep: the smallest non-empty one. */
function preferredComment(a: string, b: string): string {
  if (a === "") return b;
  if (b === "") return a;
  return a < b ? a : b;
}

/**
 * The lines of the flows in rule order, each line once. `write` must give equal
 * lines only for flows with equal sort keys (formats that normalise an address
 * normalise the flow first), so the kept order never depends on the input's.
 */
export function orderRules(flows: readonly CheckedFlow[], write: (flow: CheckedFlow) => string): RuleLine[] {
  const byLine = new Map<string, { key: readonly bigint[]; rule: RuleLine }>();
  for (const flow of flows) {
    const line = write(flow);
    const existing = byLine.get(line);
    if (existing === undefined) byLine.set(line, { key: sortKey(flow), rule: { line, comment: flow.comment } });
    else existing.rule.comment = preferredComment(existing.rule.comment, flow.comment);
  }
  return [...byLine.values()].sort((a, b) => compareKeys(a.key, b.key)).map((entry) => entry.rule);
}

/**
 * Rules grouped under comments (docs/rules.md, Comments): a rule whose comment
 * differs from the previous one's, or the first, starts a group — a blank line,
 * then `# COMMENT` when it is not empty. Lines are indented by indent.
 */
export function groupedLines(rules: readonly RuleLine[], indent = ""): string[] {
  const lines: string[] = [];
  let previous: RuleLine | undefined;
  for (const rule of rules) {
    const startsGroup = previous === undefined || previous.comment !== rule.comment;
    if (startsGroup) lines.push("");
    if (startsGroup && rule.comment !== "") lines.push(`${indent}# ${rule.comment}`);
    lines.push(`${indent}${rule.line}`);
    previous = rule;
  }
  return lines;
}
