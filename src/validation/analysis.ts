// The "Can it reach?" question (docs/usage.md) as the page's query string and
// the command's arguments give it: From, To, Protocol, Port, each refused with
// a message naming its field. The result is the domain's ReachQuery
// (src/domain/reach.ts): both addresses as numbers of one family.
import { z } from "zod";
import type { Family } from "../domain/firewall.js";
import type { ReachQuery } from "../domain/reach.js";
import { type FieldErrors, text } from "./common.js";
import {
  fieldMessages,
  flowFamilyIssue,
  portRangeIssue,
  portTextRule,
  protocolRule,
  readAddress,
  shown,
} from "./fields.js";
import { refuse } from "./messages.js";

/** The fields of the question, in the order the form shows them. */
export const REACH_FIELDS = ["from", "to", "protocol", "port"] as const;
export type ReachFieldName = (typeof REACH_FIELDS)[number];

/** Each field's label (the form's and the messages'). */
export const REACH_LABELS: Record<ReachFieldName, string> = {
  from: "From",
  to: "To",
  protocol: "Protocol",
  port: "Port",
};

interface ReadAddress {
  family: Family;
  value: bigint;
}

/** One IPv4 or IPv6 address, never a network (the interface forms' wording otherwise). */
const address = (label: string) =>
  text(label).transform((raw, ctx): ReadAddress => {
    const v = raw.trim();
    if (v === "") return refuse(ctx, fieldMessages.required(label));
    if (v.includes("/")) return refuse(ctx, `${label} must be one address, not a network such as ${shown(v)}.`);
    const read = readAddress(v, label);
    return read.ok ? { family: read.family, value: BigInt(read.value) } : refuse(ctx, read.message);
  });

/** One port or type, as text; a range is refused with its own message. */
const port = (label: string) =>
  text(label)
    .pipe(
      z.string().superRefine((v, ctx) => {
        if (/^\s*\d+\s*-\s*\d+\s*$/.test(v)) {
          ctx.addIssue({ code: "custom", message: `${label} must be one port or ICMP type, not a range.` });
        }
      }),
    )
    .pipe(portTextRule(label));

export const reachQuerySchema = z
  .object({
    from: address(REACH_LABELS.from),
    to: address(REACH_LABELS.to),
    protocol: text(REACH_LABELS.protocol).pipe(protocolRule(REACH_LABELS.protocol)),
    port: port(REACH_LABELS.port),
  })
  .superRefine((q, ctx) => {
    if (q.from.family !== q.to.family) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "From and To must both be IPv4 or both be IPv6." });
      return;
    }
    const family = flowFamilyIssue(q.protocol, q.from.family, q.to.family);
    if (family !== null) ctx.addIssue({ code: "custom", path: ["protocol"], message: family });
    const range = portRangeIssue(q.protocol, q.port);
    if (range !== null) ctx.addIssue({ code: "custom", path: ["port"], message: range });
  })
  .transform(
    (q): ReachQuery => ({
      family: q.from.family,
      from: q.from.value,
      to: q.to.value,
      protocol: q.protocol,
      port: q.port,
    }),
  );

export type ReachQueryResult = { ok: true; query: ReachQuery } | { ok: false; errors: FieldErrors };

/** Reads the question; on failure one message per field (the first of each), in field order. */
export function parseReachQuery(input: Partial<Record<ReachFieldName, unknown>>): ReachQueryResult {
  const result = reachQuerySchema.safeParse({
    from: input.from,
    to: input.to,
    protocol: input.protocol,
    port: input.port,
  });
  if (result.success) return { ok: true, query: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length > 0 ? String(issue.path[0]) : "_form";
    errors[key] ??= issue.message;
  }
  return { ok: false, errors };
}
