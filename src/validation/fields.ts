// The address, netmask, protocol, port, expiry and flow-owner rules of
// docs/usage.md, with the one wording of each message, shared by the web forms,
// the CSV import, the JSON interchange and the API. Each entry point first
// checks the value's type its own way (a form field, a CSV cell, a JSON string
// or number), then calls these, so a bad value gets the same message wherever
// it was typed; only the label (the field's name, e.g. "Source address" in a
// CSV row) differs. Interface addresses live in ./interface-address.ts.
import { z } from "zod";
import { PORT_RANGE, PROTOCOLS, type Protocol, RANGE_PROTOCOLS } from "../domain/constants.js";
import { optionalNameText } from "./common.js";
import { fieldMessages, refuse } from "./messages.js";

export { type AddressFamily, addressFamily, familyMessages, flowFamilyIssue } from "../domain/flow-rules.js";
export {
  addressRule,
  type InterfaceAddress,
  type InterfaceAddressResult,
  netmaskRule,
  readAddress,
  readInterfaceAddress,
  refineInterfaceAddress,
} from "./interface-address.js";
export { fieldMessages, shown } from "./messages.js";

/** TCP, UDP, ICMP or ICMPv6, in any case; stored as spelt in PROTOCOLS. */
export const protocolRule = (label = "Protocol") =>
  z.string().transform((value, ctx): Protocol => {
    const v = value.trim();
    if (v === "") return refuse(ctx, fieldMessages.required(label));
    const upper = v.toUpperCase();
    return PROTOCOLS.find((p) => p.toUpperCase() === upper) ?? refuse(ctx, fieldMessages.protocol(label, v));
  });

/** Whether the protocol's "port" may be a range (TCP, UDP). */
export function takesRange(protocol: Protocol): boolean {
  return RANGE_PROTOCOLS.includes(protocol);
}

/**
 * Why whole numbers `port`…`portEnd` do not fit the protocol, with the field to
 * blame, or null: TCP/UDP 1–65535 with port < portEnd for a range; ICMP and
 * ICMPv6 one type 0–255 (portEnd equal to port).
 */
export function portsIssue(
  protocol: Protocol,
  port: number,
  portEnd: number,
  label = "Port",
): { field: "port" | "portEnd"; message: string } | null {
  const range = PORT_RANGE[protocol];
  const outside = (n: number) => n < range.min || n > range.max;
  if (portEnd !== port && !takesRange(protocol)) {
    return { field: "portEnd", message: fieldMessages.typeRange(protocol, `${port}-${portEnd}`) };
  }
  if (outside(port)) return { field: "port", message: fieldMessages.portRange(protocol) };
  if (outside(portEnd)) return { field: "portEnd", message: fieldMessages.portRange(protocol) };
  if (portEnd < port) return { field: "portEnd", message: fieldMessages.rangeOrder(label, `${port}-${portEnd}`) };
  return null;
}

export type PortsResult = { ok: true; port: number; portEnd: number } | { ok: false; message: string };

const PORTS_TEXT = /^([0-9]+)(?:\s*-\s*([0-9]+))?$/;

/** Reads a Port field: TCP/UDP `22` or `8000-8100` (spaces around `-` allowed), ICMP/ICMPv6 one type. Trims. */
export function readPorts(protocol: Protocol, text: string, label = "Port"): PortsResult {
  const v = text.trim();
  if (v === "") return { ok: false, message: fieldMessages.required(label) };
  const match = PORTS_TEXT.exec(v);
  if (match === null) {
    return { ok: false, message: takesRange(protocol) ? fieldMessages.ports(label, v) : fieldMessages.port(label, v) };
  }
  const port = Number(match[1]);
  const portEnd = match[2] === undefined ? port : Number(match[2]);
  if (match[2] !== undefined && !takesRange(protocol)) {
    return { ok: false, message: fieldMessages.typeRange(protocol, v) };
  }
  if (match[2] !== undefined && portEnd <= port && port <= PORT_RANGE[protocol].max) {
    return { ok: false, message: fieldMessages.rangeOrder(label, v) };
  }
  const issue = portsIssue(protocol, port, portEnd, label);
  return issue === null ? { ok: true, port, portEnd } : { ok: false, message: issue.message };
}

/** For an object's transform or superRefine: reads the Port text, adds any issue at `path`, or gives the ports. */
export function refinePorts(
  ctx: z.RefinementCtx,
  protocol: Protocol,
  text: string,
  path: PropertyKey[] = ["port"],
  label = "Port",
): { port: number; portEnd: number } | null {
  const result = readPorts(protocol, text, label);
  if (result.ok) return { port: result.port, portEnd: result.portEnd };
  ctx.addIssue({ code: "custom", path, message: result.message });
  return null;
}

/** One port or type typed as text: digits only; its range depends on the protocol (`portRangeIssue`). */
export const portTextRule = (label = "Port") =>
  z.string().transform((value, ctx) => {
    const v = value.trim();
    if (v === "") return refuse(ctx, fieldMessages.required(label));
    return /^[0-9]+$/.test(v) ? Number(v) : refuse(ctx, fieldMessages.port(label, v));
  });

/** A port given as a JSON number: a whole number; its range depends on the protocol (`portsIssue`). */
export const portNumberRule = (label = "Port") =>
  z
    .number()
    .transform((value, ctx) =>
      Number.isInteger(value) ? value : refuse(ctx, fieldMessages.port(label, String(value))),
    );

/** The message when one port or type is outside its protocol's range, or null. */
export function portRangeIssue(protocol: Protocol, port: number): string | null {
  return portsIssue(protocol, port, port)?.message ?? null;
}

/** Adds the port-range issue, if any, at `path` (for an object's superRefine). */
export function checkPortRange(ctx: z.RefinementCtx, protocol: Protocol, port: number, path: PropertyKey[] = ["port"]) {
  const message = portRangeIssue(protocol, port);
  if (message !== null) ctx.addIssue({ code: "custom", path, message });
}

const DATE_TEXT = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/** True when text is a real calendar day written `YYYY-MM-DD` (no 2027-02-30). */
export function isCalendarDate(text: string): boolean {
  const match = DATE_TEXT.exec(text);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Expires: empty means never (null); else a calendar date `YYYY-MM-DD`, the last day the flow is enforced. */
export const expiresRule = (label = "Expires") =>
  z.string().transform((value, ctx): string | null => {
    const v = value.trim();
    if (v === "") return null;
    return isCalendarDate(v) ? v : refuse(ctx, fieldMessages.expires(label, v));
  });

/** Requested by: optional; when given, a docs/usage.md name (who asked for the flow). */
export const requestedByRule = (label = "Requested by") => optionalNameText(label);

/** Reference: optional; when given, a docs/usage.md name (a ticket or change number). */
export const referenceRule = (label = "Reference") => optionalNameText(label);
