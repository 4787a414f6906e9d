// The filters of the change history pages (docs/usage.md "Change history"):
// `?project=&type=&actor=&from=&to=&before=`, every one optional; a field
// left empty in the filter form is no filter.
import { z } from "zod";
import { OBJECT_TYPE_LABELS, OBJECT_TYPES, type ObjectType } from "../domain/changes.js";
import { NAME_MAX } from "../domain/constants.js";
import { type FormResult, id, parseForm } from "./common.js";
import { isCalendarDate } from "./fields.js";

const single = (label: string) => z.string({ error: `${label} must be a single value.` }).trim();

/** An empty value is no filter. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema.optional());

const day = (label: string) =>
  single(label).refine(isCalendarDate, {
    error: (issue) =>
      `${label} must be a date written YYYY-MM-DD, such as 2026-12-01; "${String(issue.input).slice(0, 40)}" is not one.`,
  });

export const changesQuery = z
  .object({
    project: optional(id("Project")),
    type: optional(
      single("Object type").refine(
        (v): v is ObjectType => (OBJECT_TYPES as readonly string[]).includes(v),
        `Object type must be one of ${Object.values(OBJECT_TYPE_LABELS).join(", ")}.`,
      ),
    ),
    // User names follow the name rules; `system` and operating-system users are shorter too.
    actor: optional(
      single("User")
        .max(NAME_MAX, `User must be at most ${NAME_MAX} characters.`)
        // No name holds them, and PostgreSQL cannot take NUL in a parameter.
        // biome-ignore lint/suspicious/noControlCharactersInRegex: this rejects them
        .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), "User must not contain control characters."),
    ),
    from: optional(day("From")),
    to: optional(day("To")),
    before: optional(id("before")),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, {
    path: ["to"],
    message: "To must not be before From.",
  });

export interface ChangesQuery {
  project?: number;
  type?: ObjectType;
  actor?: string;
  from?: string;
  to?: string;
  before?: number;
}

/** The filters given, or one message per field that cannot be read. */
export function parseChangesQuery(query: unknown): FormResult<ChangesQuery> {
  const parsed = parseForm(changesQuery, query);
  if (!parsed.ok) return parsed;
  const { type, ...rest } = parsed.data;
  return { ok: true, data: { ...rest, ...(type === undefined ? {} : { type: type as ObjectType }) } };
}
