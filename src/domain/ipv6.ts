// IPv6 address and prefix maths for the next version (IPv6 interfaces, ip6tables
// and nftables rules); not used by the app yet. Pure, like ipv4.ts.
//
// Addresses are unsigned 128-bit bigints, so comparison and masking are plain
// arithmetic. Parsing accepts every text form of RFC 4291 section 2.2 (1–4 hex
// digits per group in any case, one `::`, a dotted-quad tail) and never trims,
// as in ipv4.ts. Formatting gives the RFC 5952 canonical form (lower case, no
// leading zeros, the longest run of two or more zero groups as `::`, the first
// such run on ties), always in hexadecimal: RFC 5952's dotted tail is only for
// IPv4-mapped addresses, which are refused. An IPv4-mapped address
// (::ffff:0:0/96, in any spelling) never matches IPv6 traffic in a firewall: the
// kernel sees such a flow as IPv4, so it must be recorded as its IPv4 address.
// Zone indexes (`fe80::1%eth0`, RFC 4007) are refused: a rule cannot use them.
import { formatIpv4, parseIpv4 } from "./ipv4.js";

/** 2^128 - 1, the largest address. */
export const IPV6_MAX = (1n << 128n) - 1n;

/** The longest text form: six 4-digit groups and a 15-character dotted quad. */
const MAX_TEXT_LENGTH = 45;
const GROUPS = 8;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX = /^\/?(12[0-8]|1[01][0-9]|[1-9]?[0-9])$/;
const MAPPED_PREFIX = 0xffffn;

/** An IPv6 network: its address (host bits clear) and prefix length. */
export interface Ipv6Network {
  address: bigint;
  prefix: number;
}

/** The outcome of reading user text: the value, or why the text is refused (a sentence fragment after "… "). */
export type Ipv6Result<T> = { ok: true; value: T } | { ok: false; reason: string };

const refuse = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** Reads one side of `::` (or the whole address) into 16-bit groups, or gives the reason it is not valid. */
function readGroups(side: string, dottedTailAllowed: boolean): number[] | string {
  if (side === "") return [];
  const parts = side.split(":");
  const groups: number[] = [];
  for (const [index, part] of parts.entries()) {
    if (part.includes(".") && dottedTailAllowed && index === parts.length - 1) {
      const ipv4 = parseIpv4(part);
      if (ipv4 === null) return `has an invalid IPv4 part ${JSON.stringify(part)}`;
      groups.push(ipv4 >>> 16, ipv4 & 0xffff);
    } else if (part.includes(".")) {
      return "may have an IPv4 part only as its last 32 bits";
    } else if (HEX_GROUP.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else if (part === "") {
      return "has an empty group (a single `:` at the start or end, or `:::`)";
    } else {
      return `has a group that is not 1–4 hexadecimal digits: ${JSON.stringify(part)}`;
    }
  }
  return groups;
}

/** Reads an IPv6 address in any RFC 4291 text form; refuses IPv4-mapped addresses and zone indexes. */
export function readIpv6(text: unknown): Ipv6Result<bigint> {
  if (typeof text !== "string") return refuse("is not text");
  if (text === "") return refuse("is empty");
  if (text.length > MAX_TEXT_LENGTH) return refuse(`is longer than ${MAX_TEXT_LENGTH} characters`);
  if (text.includes("%")) return refuse("has a zone index (`%…`), which a firewall rule cannot use");
  if (parseIpv4(text) !== null) return refuse("is an IPv4 address, not an IPv6 address");
  const halves = text.split("::");
  if (halves.length > 2) return refuse("uses `::` more than once");

  let groups: number[];
  if (halves.length === 2) {
    const head = readGroups(halves[0] ?? "", false);
    if (typeof head === "string") return refuse(head);
    const tail = readGroups(halves[1] ?? "", true);
    if (typeof tail === "string") return refuse(tail);
    if (head.length + tail.length >= GROUPS) return refuse("has 8 groups besides `::`, which stands for at least one");
    groups = [...head, ...Array<number>(GROUPS - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = readGroups(text, true);
    if (typeof all === "string") return refuse(all);
    if (all.length !== GROUPS) return refuse(`has ${all.length} groups of 16 bits instead of 8 (or use \`::\`)`);
    groups = all;
  }

  const value = groups.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
  if (value >> 32n === MAPPED_PREFIX) {
    const ipv4 = formatIpv4(Number(value & 0xffffffffn));
    return refuse(`is an IPv4-mapped address (::ffff:${ipv4}): record it as the IPv4 address ${ipv4}`);
  }
  return { ok: true, value };
}

/** Parses an IPv6 address (see readIpv6) into its 128-bit value, or null. */
export function parseIpv6(text: string): bigint | null {
  const result = readIpv6(text);
  return result.ok ? result.value : null;
}

/** Throws a RangeError unless value is a bigint from 0 to 2^128 - 1. */
function checkValue(value: bigint): void {
  if (typeof value !== "bigint" || value < 0n || value > IPV6_MAX) {
    throw new RangeError(`not an IPv6 address value: ${String(value)}`);
  }
}

/** Throws a RangeError unless prefix is an integer from 0 to 128. */
function checkPrefix(prefix: number): void {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 128) {
    throw new RangeError(`not an IPv6 prefix length: ${prefix}`);
  }
}

/** The RFC 5952 canonical text of a 128-bit value; throws a RangeError for anything else. */
export function formatIpv6(value: bigint): string {
  checkValue(value);
  const groups = Array.from({ length: GROUPS }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // The longest run of zero groups; `>` (not `>=`) keeps the first on ties.
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < GROUPS; start++) {
    let length = 0;
    while (start + length < GROUPS && groups[start + length] === 0) length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
    start += length;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** Reads a prefix length `N` or `/N` (0–128, no leading zeros), or null. */
export function parseIpv6PrefixLength(text: string): number | null {
  const match = PREFIX.exec(text);
  return match === null ? null : Number(match[1]);
}

/** The 128-bit mask of a prefix length (0 gives 0, 128 gives 2^128 - 1); throws a RangeError otherwise. */
export function ipv6PrefixMask(prefix: number): bigint {
  checkPrefix(prefix);
  return prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(128 - prefix);
}

/** The network address of value under prefix: its host bits cleared. */
export function ipv6NetworkAddress(value: bigint, prefix: number): bigint {
  checkValue(value);
  return value & ipv6PrefixMask(prefix);
}

/** True when value has a one bit past the first prefix bits, i.e. it is not the network address. */
export function hasHostBits(value: bigint, prefix: number): boolean {
  return ipv6NetworkAddress(value, prefix) !== value;
}

/** `ADDRESS/PREFIX` in canonical form, e.g. `2001:db8::/32`; throws a RangeError on bad input. */
export function formatIpv6Network(network: Ipv6Network): string {
  checkPrefix(network.prefix);
  return `${formatIpv6(network.address)}/${network.prefix}`;
}

/**
 * Reads `ADDRESS/PREFIX` (or `ADDRESS` alone, a single host: /128). Refuses an
 * address with host bits set, naming the network it lies in, since a rule for
 * `2001:db8::1/32` would silently mean all of `2001:db8::/32`.
 */
export function readIpv6Network(text: unknown): Ipv6Result<Ipv6Network> {
  if (typeof text !== "string") return refuse("is not text");
  const slash = text.indexOf("/");
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? "128" : text.slice(slash + 1);
  const address = readIpv6(addressText);
  if (!address.ok) return address;
  const prefix = parseIpv6PrefixLength(prefixText);
  if (prefix === null || prefixText.startsWith("/")) {
    return refuse(`has a prefix length that is not a whole number from 0 to 128: ${JSON.stringify(prefixText)}`);
  }
  if (hasHostBits(address.value, prefix)) {
    const network = formatIpv6Network({ address: ipv6NetworkAddress(address.value, prefix), prefix });
    return refuse(`has host bits set past the prefix: the network is ${network}`);
  }
  return { ok: true, value: { address: address.value, prefix } };
}

/** Compares two addresses as 128-bit numbers: negative, zero or positive; throws a RangeError on bad input. */
export function compareIpv6(a: bigint, b: bigint): number {
  checkValue(a);
  checkValue(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares networks by address, then prefix length (the order ipv4.ts gives endpoints). */
export function compareIpv6Networks(a: Ipv6Network, b: Ipv6Network): number {
  checkPrefix(a.prefix);
  checkPrefix(b.prefix);
  return compareIpv6(a.address, b.address) || a.prefix - b.prefix;
}

/** True when the address lies inside the network; throws a RangeError on bad input. */
export function isInIpv6Network(value: bigint, network: Ipv6Network): boolean {
  return ipv6NetworkAddress(value, network.prefix) === ipv6NetworkAddress(network.address, network.prefix);
}
