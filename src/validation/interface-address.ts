// An interface's address and netmask (docs/usage.md), read together because
// one decides how the other is read: an IPv4 dotted quad takes a dotted netmask
// or a prefix (`/24`, `24`) stored dotted; an IPv6 address (any RFC 4291 text,
// stored in RFC 5952 form) takes a prefix length 0–128 stored as `"64"`. An
// empty netmask is one host. The address may carry its prefix as CIDR text
// (`10.0.0.0/24`, `fd00:77::/64`); then Netmask is empty or says the same.
// Refused, each with its own message: an IPv4-mapped IPv6 address (the kernel
// sees such traffic as IPv4), a dotted netmask with an IPv6 address, and host
// bits past the prefix (`192.168.1.1` with `/24` would be read by iptables as
// the whole network), the message offering the network address.
import { z } from "zod";
import { HOST_NETMASK } from "../domain/constants.js";
import type { AddressFamily } from "../domain/flow-rules.js";
import { formatIpv4, parseIpv4, parseNetmask, prefixLength, prefixToMaskValue } from "../domain/ipv4.js";
import {
  formatIpv6,
  formatIpv6Network,
  hasHostBits,
  ipv6NetworkAddress,
  parseIpv6PrefixLength,
  readIpv6,
} from "../domain/ipv6.js";
import { fieldMessages, refuse } from "./messages.js";

/** A checked interface address as stored. */
export interface InterfaceAddress {
  address: string;
  /** IPv4: dotted mask; IPv6: the prefix length as text, e.g. "64" ("128" for one host). */
  netmask: string;
  family: AddressFamily;
}

export type InterfaceAddressResult =
  | ({ ok: true } & InterfaceAddress)
  | { ok: false; field: "address" | "netmask"; message: string };

type ReadAddress =
  | { ok: true; family: "ipv4"; address: string; value: number }
  | { ok: true; family: "ipv6"; address: string; value: bigint }
  | { ok: false; message: string };

const MAPPED = /IPv4-mapped address \(::ffff:([0-9.]+)\)/;

/** Reads one address of either family (no prefix), untrimmed; IPv6 in RFC 5952 form. */
export function readAddress(text: string, label = "Address"): ReadAddress {
  const ipv4 = parseIpv4(text);
  if (ipv4 !== null) return { ok: true, family: "ipv4", address: text, value: ipv4 };
  if (!text.includes(":")) return { ok: false, message: fieldMessages.address(label, text) };
  const ipv6 = readIpv6(text);
  if (ipv6.ok) return { ok: true, family: "ipv6", address: formatIpv6(ipv6.value), value: ipv6.value };
  const mapped = MAPPED.exec(ipv6.reason);
  return {
    ok: false,
    message: mapped
      ? fieldMessages.mapped(label, mapped[1] as string)
      : fieldMessages.ipv6Address(label, text, ipv6.reason),
  };
}

const DEFAULT_LABELS = { address: "Address", netmask: "Netmask" };

/** Reads an interface's address and netmask together (module header). Trims both. */
export function readInterfaceAddress(
  address: string,
  netmask: string,
  labels: { address: string; netmask: string } = DEFAULT_LABELS,
): InterfaceAddressResult {
  const a = address.trim();
  const m = netmask.trim();
  const fail = (field: "address" | "netmask", message: string): InterfaceAddressResult => ({
    ok: false,
    field,
    message,
  });
  if (a === "") return fail("address", fieldMessages.required(labels.address));
  const slash = a.indexOf("/");
  const read = readAddress(slash < 0 ? a : a.slice(0, slash), labels.address);
  if (!read.ok) return fail("address", read.message);
  const cidrText = slash < 0 ? null : a.slice(slash + 1);

  if (read.family === "ipv4") {
    const cidr = cidrText === null ? null : parseNetmask(cidrText);
    if (cidrText !== null && cidr === null) return fail("address", fieldMessages.cidrPrefix(labels.address, a, 32));
    const field = m === "" ? null : parseNetmask(m);
    if (m !== "" && field === null) return fail("netmask", fieldMessages.netmask(labels.netmask, m));
    if (cidr !== null && field !== null && cidr !== field) {
      return fail(
        "netmask",
        fieldMessages.cidrMismatch(labels.netmask, m, labels.address, prefixLength(cidr) as number),
      );
    }
    const mask = cidr ?? field ?? HOST_NETMASK;
    const prefix = prefixLength(mask) as number;
    const network = (read.value & prefixToMaskValue(prefix)) >>> 0;
    if (network !== read.value) {
      const offered = `${formatIpv4(network)}/${prefix}`;
      return fail("address", fieldMessages.hostBits(labels.address, read.address, prefix, offered, 32));
    }
    return { ok: true, family: "ipv4", address: read.address, netmask: mask };
  }

  const cidr = cidrText === null || cidrText.startsWith("/") ? null : parseIpv6PrefixLength(cidrText);
  if (cidrText !== null && cidr === null) return fail("address", fieldMessages.cidrPrefix(labels.address, a, 128));
  const field = m === "" ? null : parseIpv6PrefixLength(m);
  if (m !== "" && field === null) {
    return fail(
      "netmask",
      m.includes(".") ? fieldMessages.dottedWithIpv6(labels.netmask, m) : fieldMessages.prefix(labels.netmask, m),
    );
  }
  if (cidr !== null && field !== null && cidr !== field) {
    return fail("netmask", fieldMessages.cidrMismatch(labels.netmask, m, labels.address, cidr));
  }
  const prefix = cidr ?? field ?? 128;
  if (hasHostBits(read.value, prefix)) {
    const offered = formatIpv6Network({ address: ipv6NetworkAddress(read.value, prefix), prefix });
    return fail("address", fieldMessages.hostBits(labels.address, read.address, prefix, offered, 128));
  }
  return { ok: true, family: "ipv6", address: read.address, netmask: String(prefix) };
}

/**
 * For an object's transform: reads address and netmask with readInterfaceAddress,
 * adds any issue at the path of the field to blame, or gives the stored values.
 */
export function refineInterfaceAddress(
  ctx: z.RefinementCtx,
  address: string,
  netmask: string,
  options: {
    labels?: { address: string; netmask: string };
    paths?: { address: PropertyKey[]; netmask: PropertyKey[] };
  } = {},
): InterfaceAddress | null {
  const result = readInterfaceAddress(address, netmask, options.labels ?? DEFAULT_LABELS);
  if (result.ok) return { address: result.address, netmask: result.netmask, family: result.family };
  const paths = options.paths ?? { address: ["address"], netmask: ["netmask"] };
  ctx.addIssue({ code: "custom", path: paths[result.field], message: result.message });
  return null;
}

/** One address of either family, alone (no prefix); IPv6 in RFC 5952 form. */
export const addressRule = (label = "Address") =>
  z.string().transform((value, ctx) => {
    const v = value.trim();
    if (v === "") return refuse(ctx, fieldMessages.required(label));
    const read = readAddress(v, label);
    return read.ok ? read.address : refuse(ctx, read.message);
  });

/** An IPv4 netmask alone, dotted or as a prefix (`/24`, `24`), stored dotted; empty means a single host. */
export const netmaskRule = (label = "Netmask") =>
  z.string().transform((value, ctx) => {
    const v = value.trim();
    if (v === "") return HOST_NETMASK;
    return parseNetmask(v) ?? refuse(ctx, fieldMessages.netmask(label, v));
  });
