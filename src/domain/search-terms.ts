// What a search text means besides words (docs/usage.md, Search), read by
// src/data/search.ts: an interface address in any spelling, matched in its
// stored form (IPv4 dotted quad; IPv6 RFC 5952, so `FD00:0077:0:0::21` finds
// `fd00:77::21`), optionally with its netmask or prefix; and a port, a range or
// `PROTOCOL:PORT`, matched against communications (a port finds every flow
// whose range holds it).
import { PROTOCOLS, type Protocol } from "./constants.js";
import { formatIpv4, parseIpv4, parseNetmask } from "./ipv4.js";
import { formatIpv6, parseIpv6, parseIpv6PrefixLength } from "./ipv6.js";

/** An address as stored, with the netmask as stored when the text gave one. */
export interface AddressTerm {
  address: string;
  netmask?: string;
}

/** The stored form of `ADDRESS` or `ADDRESS/NETMASK` (IPv4: dotted or prefix; IPv6: prefix), or null. */
export function addressTerm(text: string): AddressTerm | null {
  const [addressText = "", netmaskText, extra] = text.split("/");
  if (extra !== undefined) return null;
  const ipv4 = parseIpv4(addressText);
  if (ipv4 !== null) {
    if (netmaskText === undefined) return { address: formatIpv4(ipv4) };
    const netmask = parseNetmask(netmaskText);
    return netmask === null ? null : { address: formatIpv4(ipv4), netmask };
  }
  const ipv6 = parseIpv6(addressText);
  if (ipv6 === null) return null;
  if (netmaskText === undefined) return { address: formatIpv6(ipv6) };
  const prefix = parseIpv6PrefixLength(netmaskText);
  return prefix === null ? null : { address: formatIpv6(ipv6), netmask: String(prefix) };
}

/**
 * Text that may be part of a stored address (hexadecimal digits, `.` and `:`,
 * at least one of the two separators), lower-cased as addresses are stored;
 * null otherwise. Plain numbers are ports, not address fragments.
 */
export function addressFragment(text: string): string | null {
  return /^[0-9a-f.:]+$/i.test(text) && /[.:]/.test(text) ? text.toLowerCase() : null;
}

/** A port search: `22`, `8000-8100`, `TCP:8000-8100`, `udp 53`. */
export interface PortTerm {
  protocol?: Protocol;
  port: number;
  /** Set for a range: the flow's range must be exactly port..portEnd. */
  portEnd?: number;
}

const PORT_TERM = /^(?:([a-z0-9]+)\s*[:\s]\s*)?(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/i;

/** The port or range a text asks for, or null when it is not one. */
export function portTerm(text: string): PortTerm | null {
  const match = PORT_TERM.exec(text);
  if (match === null) return null;
  const [, protocolText, first = "", last] = match;
  const protocol = PROTOCOLS.find((p) => p.toLowerCase() === protocolText?.toLowerCase());
  if (protocolText !== undefined && protocol === undefined) return null;
  const port = Number(first);
  const portEnd = last === undefined ? undefined : Number(last);
  if (port > 65535 || (portEnd !== undefined && (portEnd > 65535 || portEnd <= port))) return null;
  return { ...(protocol ? { protocol } : {}), port, ...(portEnd === undefined ? {} : { portEnd }) };
}
