// The address, netmask, protocol and port rules of docs/usage.md, with the one
// wording of each message, shared by the web forms, the CSV import and the JSON
// interchange. Each entry point first checks the value's type its own way (a
// form field, a CSV cell, a JSON string or number), then pipes into these, so a
// bad value gets the same message wherever it was typed; only the label (the
// field's name, e.g. "Source address" in a CSV row) differs.
import { z } from "zod";
import { HOST_NETMASK, PORT_RANGE, PROTOCOLS, type Protocol } from "../domain/constants.js";
import { isIpv4, parseNetmask } from "../domain/ipv4.js";

const SHOWN_MAX = 40;

/** A refused value as a message quotes it: JSON-escaped, cut short when long. */
export function shown(value: string): string {
  const chars = Array.from(value);
  return JSON.stringify(chars.length > SHOWN_MAX ? `${chars.slice(0, SHOWN_MAX).join("")}…` : value);
}

/** Every message of these rules; the label names the field. */
export const fieldMessages = {
  required: (label: string) => `${label} is required.`,
  address: (label: string, value: string) =>
    `${label} must be a dotted IPv4 address such as 192.168.1.10, not ${shown(value)}.`,
  netmask: (label: string, value: string) =>
    `${label} must be a contiguous netmask such as 255.255.255.0 or a prefix length such as /24, not ${shown(value)}.`,
  protocol: (label: string, value: string) => `${label} must be one of ${PROTOCOLS.join(", ")}, not ${shown(value)}.`,
  port: (label: string, value: string) => `${label} must be a whole number, not ${shown(value)}.`,
  portRange: (protocol: Protocol) => {
    const range = PORT_RANGE[protocol];
    return protocol === "ICMP"
      ? `ICMP type must be between ${range.min} and ${range.max} (for ICMP, the port is the ICMP type).`
      : `${protocol} port must be between ${range.min} and ${range.max}.`;
  },
};

function refuse(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: "custom", message });
  return z.NEVER;
}

/** A dotted IPv4 address; surrounding spaces are removed. */
export const addressRule = (label = "Address") =>
  z.string().transform((value, ctx) => {
    const v = value.trim();
    if (v === "") return refuse(ctx, fieldMessages.required(label));
    return isIpv4(v) ? v : refuse(ctx, fieldMessages.address(label, v));
  });

/** A contiguous netmask, dotted or as a prefix (`/24`, `24`), stored dotted; empty means a single host. */
export const netmaskRule = (label = "Netmask") =>
  z.string().transform((value, ctx) => {
    const v = value.trim();
    if (v === "") return HOST_NETMASK;
    return parseNetmask(v) ?? refuse(ctx, fieldMessages.netmask(label, v));
  });

/** TCP, UDP or ICMP, in any case. */
export const protocolRule = (label = "Protocol") =>
  z.string().transform((value, ctx): Protocol => {
    const v = value.trim();
    if (v === "") return refuse(ctx, fieldMessages.required(label));
    const upper = v.toUpperCase();
    return (PROTOCOLS as readonly string[]).includes(upper)
      ? (upper as Protocol)
      : refuse(ctx, fieldMessages.protocol(label, v));
  });

/** A port typed as text: digits only; its range depends on the protocol (`portRangeIssue`). */
export const portTextRule = (label = "Port") =>
  z.string().transform((value, ctx) => {
    const v = value.trim();
    if (v === "") return refuse(ctx, fieldMessages.required(label));
    return /^[0-9]+$/.test(v) ? Number(v) : refuse(ctx, fieldMessages.port(label, v));
  });

/** A port given as a JSON number: a whole number; its range depends on the protocol. */
export const portNumberRule = (label = "Port") =>
  z
    .number()
    .transform((value, ctx) =>
      Number.isInteger(value) ? value : refuse(ctx, fieldMessages.port(label, String(value))),
    );

/** The message when the port is outside its protocol's range, or null. */
export function portRangeIssue(protocol: Protocol, port: number): string | null {
  const range = PORT_RANGE[protocol];
  return port < range.min || port > range.max ? fieldMessages.portRange(protocol) : null;
}

/** Adds the port-range issue, if any, at `path` (for an object's superRefine). */
export function checkPortRange(ctx: z.RefinementCtx, protocol: Protocol, port: number, path: PropertyKey[] = ["port"]) {
  const message = portRangeIssue(protocol, port);
  if (message !== null) ctx.addIssue({ code: "custom", path, message });
}
