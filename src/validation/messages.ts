// The one wording of every field-rule message (docs/usage.md), used by
// ./fields.ts and ./interface-address.ts; the label names the field.
import { z } from "zod";
import { PORT_RANGE, PROTOCOLS, type Protocol } from "../domain/constants.js";

const SHOWN_MAX = 40;

/** A refused value as a message quotes it: JSON-escaped, cut short when long. */
export function shown(value: string): string {
  const chars = Array.from(value);
  return JSON.stringify(chars.length > SHOWN_MAX ? `${chars.slice(0, SHOWN_MAX).join("")}…` : value);
}

/** Every message of the field rules. */
export const fieldMessages = {
  required: (label: string) => `${label} is required.`,
  address: (label: string, value: string) =>
    `${label} must be an IPv4 address such as 192.168.1.10 or an IPv6 address such as fd00::10, not ${shown(value)}.`,
  ipv6Address: (label: string, value: string, reason: string) =>
    `${label} ${shown(value)} is not a valid IPv6 address: it ${reason}.`,
  mapped: (label: string, ipv4: string) =>
    `${label} is an IPv4-mapped IPv6 address (::ffff:${ipv4}): use the IPv4 form ${ipv4}.`,
  netmask: (label: string, value: string) =>
    `${label} must be a contiguous netmask such as 255.255.255.0 or a prefix length such as /24, not ${shown(value)}.`,
  prefix: (label: string, value: string) =>
    `${label} of an IPv6 address must be a prefix length from 0 to 128 such as 64 or /64, not ${shown(value)}.`,
  dottedWithIpv6: (label: string, value: string) =>
    `${label} of an IPv6 address must be a prefix length such as 64 or /64, not the IPv4 netmask ${shown(value)}.`,
  cidrPrefix: (label: string, value: string, max: number) =>
    `${label} ${shown(value)} must end in a prefix length from 0 to ${max}, such as /${max === 32 ? 24 : 64}.`,
  cidrMismatch: (netmaskLabel: string, value: string, addressLabel: string, prefix: number) =>
    `${netmaskLabel} ${shown(value)} differs from the prefix /${prefix} given in ${addressLabel}: give it once.`,
  hostBits: (label: string, address: string, prefix: number, network: string, hostPrefix: number) =>
    `${label} ${address} has host bits set for the prefix /${prefix}: the network is ${network} (a single host is /${hostPrefix}).`,
  protocol: (label: string, value: string) => `${label} must be one of ${PROTOCOLS.join(", ")}, not ${shown(value)}.`,
  port: (label: string, value: string) => `${label} must be a whole number, not ${shown(value)}.`,
  ports: (label: string, value: string) =>
    `${label} must be a port such as 22 or a range such as 8000-8100, not ${shown(value)}.`,
  portRange: (protocol: Protocol) => {
    const range = PORT_RANGE[protocol];
    return protocol === "ICMP" || protocol === "ICMPv6"
      ? `${protocol} type must be between ${range.min} and ${range.max} (for ${protocol}, the port is the ${protocol} type).`
      : `${protocol} port must be between ${range.min} and ${range.max}.`;
  },
  rangeOrder: (label: string, value: string) =>
    `${label} range must go from a lower to a higher port, not ${shown(value)}; for one port, give it alone.`,
  typeRange: (protocol: Protocol, value: string) =>
    `${protocol} takes one ${protocol} type, not a range such as ${shown(value)}: record one communication per type.`,
  expires: (label: string, value: string) =>
    `${label} must be a calendar date written YYYY-MM-DD, such as 2027-03-31, not ${shown(value)}.`,
};

/** Adds a custom issue to a transform and ends it. */
export function refuse(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: "custom", message });
  return z.NEVER;
}
