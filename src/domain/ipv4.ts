// IPv4 address and netmask maths for validation, sorting and rule generation.
//
// Addresses are handled as unsigned 32-bit integers (0 … 2^32-1) so that
// comparisons are numeric: 10.10.4.0 sorts before 192.168.1.2 (docs/rules.md).
// Parsing is strict and never trims: callers that want to accept surrounding
// spaces trim first, so what is validated is exactly what is stored.
// Netmasks are stored in dotted form (docs/usage.md); the prefix forms `/24` and `24`
// are accepted only as input and turned into the dotted mask.
import type { Endpoint } from "./types.js";

const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])";
const DOTTED_QUAD = new RegExp(`^(${OCTET})\\.(${OCTET})\\.(${OCTET})\\.(${OCTET})$`);
const PREFIX = /^\/?(3[0-2]|[12][0-9]|[0-9])$/;

/** Parses a strict dotted quad (`192.168.1.1`; no leading zeros, signs or spaces) into an unsigned 32-bit number, or null. */
export function parseIpv4(text: string): number | null {
  const match = DOTTED_QUAD.exec(text);
  if (match === null) return null;
  return (
    (Number(match[1]) * 0x1000000 + Number(match[2]) * 0x10000 + Number(match[3]) * 0x100 + Number(match[4])) >>> 0
  );
}

/** True when the text is a strict dotted-quad IPv4 address. */
export function isIpv4(text: string): boolean {
  return parseIpv4(text) !== null;
}

/** Formats an unsigned 32-bit number as a dotted quad; throws a RangeError for anything else. */
export function formatIpv4(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`not an IPv4 address value: ${value}`);
  }
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join(".");
}

/** The 32-bit mask value of a prefix length 0–32 (0 gives 0, 32 gives 0xffffffff); throws a RangeError otherwise. */
export function prefixToMaskValue(prefix: number): number {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    throw new RangeError(`not an IPv4 prefix length: ${prefix}`);
  }
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The dotted netmask of a prefix length 0–32 (`24` gives `255.255.255.0`); throws a RangeError otherwise. */
export function prefixToNetmask(prefix: number): string {
  return formatIpv4(prefixToMaskValue(prefix));
}

/** The prefix length of a contiguous 32-bit mask value, or null when its one bits are not all leading. */
export function maskValuePrefixLength(value: number): number | null {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) return null;
  const inverted = ~value >>> 0;
  // A contiguous mask inverted is 2^k - 1: all its one bits are trailing.
  if ((inverted & (inverted + 1)) !== 0) return null;
  return 32 - Math.log2(inverted + 1);
}

/** The prefix length of a contiguous dotted netmask (`255.255.255.0` gives 24), or null when it is not one. */
export function prefixLength(mask: string): number | null {
  const value = parseIpv4(mask);
  return value === null ? null : maskValuePrefixLength(value);
}

/** True when the text is a contiguous dotted netmask (`0.0.0.0` … `255.255.255.255`). */
export function isNetmask(text: string): boolean {
  return prefixLength(text) !== null;
}

/** Reads a netmask as a contiguous dotted mask, `/N` or `N` (0–32, no leading zeros) and returns the dotted mask, or null. */
export function parseNetmask(text: string): string | null {
  const prefix = PREFIX.exec(text);
  if (prefix !== null) return prefixToNetmask(Number(prefix[1]));
  const length = prefixLength(text);
  return length === null ? null : prefixToNetmask(length);
}

/** Compares two numbers for sorting: negative, zero or positive. */
function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares two dotted addresses (or masks) as numbers for sorting; throws a RangeError when one is not an address. */
export function compareIpv4(a: string, b: string): number {
  return compareNumbers(requireIpv4(a), requireIpv4(b));
}

/** Compares endpoints by address, then netmask, each as a number (the docs/rules.md order); throws a RangeError on bad input. */
export function compareEndpoints(a: Endpoint, b: Endpoint): number {
  return compareIpv4(a.address, b.address) || compareIpv4(a.netmask, b.netmask);
}

/** True when the address lies inside the network given by the endpoint's address and netmask; throws a RangeError on bad input. */
export function isAddressInNetwork(address: string, network: Endpoint): boolean {
  const mask = requireIpv4(network.netmask);
  return (requireIpv4(address) & mask) >>> 0 === (requireIpv4(network.address) & mask) >>> 0;
}

/** Parses a dotted quad or throws a RangeError naming the text. */
export function requireIpv4(text: string): number {
  const value = parseIpv4(text);
  if (value === null) throw new RangeError(`not a dotted IPv4 address: ${JSON.stringify(text)}`);
  return value;
}
