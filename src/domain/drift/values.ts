// Values the drift parsers share (docs/drift.md): addresses as spans of
// numbers (so `10.0.0.5`, `10.0.0.5/32` and `10.0.0.5/255.255.255.255` are one
// value, and host bits past a prefix are cleared as the kernel does), port
// ranges, protocol numbers, ICMP type names as nft prints them, and the
// formatting of each back into iptables or nft syntax.
import { formatIpv4, maskValuePrefixLength, parseIpv4 } from "../ipv4.js";
import { formatIpv6, readIpv6 } from "../ipv6.js";
import type { AddressSpan, Family, PortSpan } from "./types.js";

const BITS: Record<Family, number> = { ipv4: 32, ipv6: 128 };

/** The host part's mask of each prefix length, per family (index: prefix length). */
const HOST_MASKS: Record<Family, bigint[]> = {
  ipv4: Array.from({ length: 33 }, (_, prefix) => (1n << BigInt(32 - prefix)) - 1n),
  ipv6: Array.from({ length: 129 }, (_, prefix) => (1n << BigInt(128 - prefix)) - 1n),
};
const LAST_ADDRESS: Record<Family, bigint> = { ipv4: HOST_MASKS.ipv4[0] as bigint, ipv6: HOST_MASKS.ipv6[0] as bigint };

/** The span of a network: its address with host bits cleared, to the last address. */
export function prefixSpan(family: Family, address: bigint, prefix: number): AddressSpan {
  const hostMask = HOST_MASKS[family][prefix];
  if (hostMask === undefined) throw new RangeError(`not a prefix length of ${family}: ${prefix}`);
  const first = address - (address & hostMask);
  return { family, first, last: first + hostMask };
}

/** The prefix length of a span that is exactly one network, else null. */
export function spanPrefix(span: AddressSpan): number | null {
  const size = span.last - span.first + 1n;
  if (size <= 0n || (size & (size - 1n)) !== 0n || (span.first & (size - 1n)) !== 0n) return null;
  return BITS[span.family] - (size.toString(2).length - 1);
}

/** True when the span covers every address of its family (a `/0`: no match at all). */
export function isWholeFamily(span: AddressSpan): boolean {
  return span.first === 0n && span.last === LAST_ADDRESS[span.family];
}

/** An address of the family as a number, or the reason it is not one. */
export function readAddress(text: string, family: Family): bigint | string {
  if (family === "ipv4") {
    const value = parseIpv4(text);
    return value === null ? `${JSON.stringify(text)} is not an IPv4 address` : BigInt(value);
  }
  const read = readIpv6(text);
  return read.ok
    ? read.value
    : `${JSON.stringify(text)} is not an IPv6 address the drift check reads: it ${read.reason}`;
}

/**
 * `ADDRESS`, `ADDRESS/PREFIX` or (IPv4) `ADDRESS/NETMASK` as iptables reads
 * `-s` and `-d`. A non-contiguous netmask or an IPv4-mapped IPv6 address is a
 * valid match the drift check does not read (unread); anything else, an error.
 */
export function readXtablesNetwork(text: string, family: Family): AddressSpan | { unread: string } | { error: string } {
  const slash = text.indexOf("/");
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const address = readAddress(addressText, family);
  if (typeof address === "string") {
    const mapped = family === "ipv6" && /^::ffff:[0-9.]+$/i.test(addressText);
    return mapped ? { unread: "an IPv4-mapped address" } : { error: address };
  }
  if (slash < 0) return prefixSpan(family, address, BITS[family]);
  const suffix = text.slice(slash + 1);
  if (/^(0|[1-9][0-9]{0,2})$/.test(suffix) && Number(suffix) <= BITS[family]) {
    return prefixSpan(family, address, Number(suffix));
  }
  const mask = family === "ipv4" ? parseIpv4(suffix) : null;
  if (mask === null)
    return { error: `${JSON.stringify(text)} has a mask that is neither a prefix length nor a netmask` };
  const prefix = maskValuePrefixLength(mask);
  return prefix === null ? { unread: "a netmask that is not contiguous" } : prefixSpan(family, address, prefix);
}

function formatAddress(family: Family, value: bigint): string {
  return family === "ipv4" ? formatIpv4(Number(value)) : formatIpv6(value);
}

/** A network as iptables-save prints it: `ADDRESS/PREFIX`, `/32` and `/128` included. */
export function formatXtablesSpan(span: AddressSpan): string {
  const prefix = spanPrefix(span);
  if (prefix === null) throw new RangeError("an iptables address is always one network");
  return `${formatAddress(span.family, span.first)}/${prefix}`;
}

/** A span as nft writes it: `ADDRESS` for one host, `NETWORK/PREFIX`, or `FIRST-LAST`. */
export function formatNftSpan(span: AddressSpan): string {
  const prefix = spanPrefix(span);
  if (prefix === BITS[span.family]) return formatAddress(span.family, span.first);
  if (prefix !== null) return `${formatAddress(span.family, span.first)}/${prefix}`;
  return `${formatAddress(span.family, span.first)}-${formatAddress(span.family, span.last)}`;
}

/** A port 0–65535 from text, or null. */
export function readPort(text: string): number | null {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}

/** `PORT`, `FIRST:LAST`, `:LAST` or `FIRST:` as iptables reads a port range; null when not one. */
export function readXtablesPorts(text: string): PortSpan | null {
  const colon = text.indexOf(":");
  if (colon < 0) {
    const port = readPort(text);
    return port === null ? null : { first: port, last: port };
  }
  const first = colon === 0 ? 0 : readPort(text.slice(0, colon));
  const last = colon === text.length - 1 ? 65535 : readPort(text.slice(colon + 1));
  if (first === null || last === null || first > last) return null;
  return { first, last };
}

/** True for the range every port is in, which matches as much as no port match. */
export const isAllPorts = (span: PortSpan) => span.first === 0 && span.last === 65535;

export const formatXtablesPorts = (span: PortSpan) =>
  span.first === span.last ? `${span.first}` : `${span.first}:${span.last}`;
export const formatNftPorts = (span: PortSpan) =>
  span.first === span.last ? `${span.first}` : `${span.first}-${span.last}`;

export const TCP = 6;
export const UDP = 17;
export const ICMP = 1;
export const ICMPV6 = 58;

/** Protocol names iptables-save and nft print for the protocols the model uses, and their numbers. */
const PROTOCOL_NUMBERS: Record<string, number> = {
  tcp: TCP,
  udp: UDP,
  icmp: ICMP,
  "ipv6-icmp": ICMPV6,
  icmpv6: ICMPV6,
};

/** A protocol number from a name the drift check knows or a number 0–255; null otherwise. */
export function readProtocol(text: string | number): number | null {
  if (typeof text === "number") return Number.isInteger(text) && text >= 0 && text <= 255 ? text : null;
  const known = PROTOCOL_NUMBERS[text.toLowerCase()];
  if (known !== undefined) return known;
  if (!/^(0|[1-9][0-9]{0,2})$/.test(text)) return null;
  return Number(text) <= 255 ? Number(text) : null;
}

/** The name iptables-save and nft print for a protocol number, else the number. */
export function protocolName(protocol: number): string {
  const names: Record<number, string> = { [TCP]: "tcp", [UDP]: "udp", [ICMP]: "icmp", [ICMPV6]: "ipv6-icmp" };
  return names[protocol] ?? `${protocol}`;
}

/** ICMP type names of nft 1.0.6 (`nft describe icmp type`). */
const ICMP_TYPES: Record<string, number> = {
  "echo-reply": 0,
  "destination-unreachable": 3,
  "source-quench": 4,
  redirect: 5,
  "echo-request": 8,
  "router-advertisement": 9,
  "router-solicitation": 10,
  "time-exceeded": 11,
  "parameter-problem": 12,
  "timestamp-request": 13,
  "timestamp-reply": 14,
  "info-request": 15,
  "info-reply": 16,
  "address-mask-request": 17,
  "address-mask-reply": 18,
};

/** ICMPv6 type names of nft 1.0.6 (`nft describe icmpv6 type`). */
const ICMPV6_TYPES: Record<string, number> = {
  "destination-unreachable": 1,
  "packet-too-big": 2,
  "time-exceeded": 3,
  "parameter-problem": 4,
  "echo-request": 128,
  "echo-reply": 129,
  "mld-listener-query": 130,
  "mld-listener-report": 131,
  "mld-listener-done": 132,
  "mld-listener-reduction": 132,
  "nd-router-solicit": 133,
  "nd-router-advert": 134,
  "nd-neighbor-solicit": 135,
  "nd-neighbor-advert": 136,
  "nd-redirect": 137,
  "router-renumbering": 138,
  "ind-neighbor-solicit": 141,
  "ind-neighbor-advert": 142,
  "mld2-listener-report": 143,
};

/** An ICMP (protocol 1) or ICMPv6 (58) type from nft's name for it or a number 0–255; null otherwise. */
export function readNftIcmpType(value: string | number, protocol: number): number | null {
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 && value <= 255 ? value : null;
  const known = (protocol === ICMP ? ICMP_TYPES : ICMPV6_TYPES)[value];
  if (known !== undefined) return known;
  return /^(0|[1-9][0-9]{0,2})$/.test(value) && Number(value) <= 255 ? Number(value) : null;
}

/** The name nft prints for a type (the first of its names), else the number. */
export function nftIcmpTypeName(type: number, protocol: number): string {
  const names = protocol === ICMP ? ICMP_TYPES : ICMPV6_TYPES;
  return Object.keys(names).find((name) => names[name] === type) ?? `${type}`;
}
