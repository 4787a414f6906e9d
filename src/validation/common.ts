// Shared pieces of every form schema: names, descriptions, ids, checkboxes,
// and the turning of zod issues into one message per form field.
import { z } from "zod";
import { DESCRIPTION_MAX, NAME_MAX } from "../domain/constants.js";

// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: this rejects them
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

// Invisible format characters (Unicode category Cf): zero-width spaces and
// joiners, direction marks and overrides, the BOM, soft hyphens, tags. Two names
// that differ only by one look the same on every page and in every rule file.
const FORMAT = /\p{Cf}/u;

/** `U+200B` for the first format character of a text. */
function formatCharacter(text: string): string {
  const found = FORMAT.exec(text)?.[0] ?? "";
  return `U+${(found.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

// C0 controls except TAB and LF (line breaks are allowed), DEL and C1 controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: this rejects them
const DESCRIPTION_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** A single text value: a form field sent twice is an error, not an array. */
export const text = (label = "This field") =>
  z.string({
    error: (issue) => (issue.input === undefined ? `${label} is required.` : `${label} must be a single text value.`),
  });

/** The checks of a docs/usage.md name on trimmed text; `required` adds the empty check. */
function nameChecks(label: string, required: boolean) {
  const base = required ? z.string().min(1, `${label} is required.`) : z.string();
  return base
    .max(NAME_MAX, `${label} must be at most ${NAME_MAX} characters.`)
    .refine((v) => !CONTROL.test(v), `${label} must not contain control characters (line breaks, tabs…).`)
    .refine((v) => !FORMAT.test(v), {
      error: (issue) =>
        `${label} must not contain invisible characters such as zero-width spaces or direction marks (found ${formatCharacter(String(issue.input))}).`,
    });
}

/** docs/usage.md name: 1–100 characters after trimming, no control or invisible format characters. */
export const name = (label = "Name") =>
  text(label)
    .transform((v) => v.trim())
    .pipe(nameChecks(label, true));

/** A text value that, when not empty after trimming, follows the name rules (Requested by, Reference). */
export const optionalNameText = (label: string) =>
  z
    .string()
    .transform((v) => v.trim())
    .pipe(nameChecks(label, false));

/** docs/usage.md description rules under another label (a deployment's Note): optional free text, line breaks allowed, at most 10 000 characters. */
export const descriptionText = (label: string) =>
  text(label)
    .optional()
    .transform((v) => (v ?? "").replace(/\r\n?/g, "\n").trim())
    .pipe(
      z
        .string()
        .max(DESCRIPTION_MAX, `${label} must be at most ${DESCRIPTION_MAX} characters.`)
        .refine((v) => !DESCRIPTION_CONTROL.test(v), `${label} must not contain control characters.`),
    );

/** docs/usage.md description: optional free text, line breaks allowed, at most 10 000 characters. */
export const description = descriptionText("Description");

/** The largest id a row can have: ids are 32-bit integers on both engines. */
export const ID_MAX = 2_147_483_647;

/** A positive integer id, from a URL or a select. */
export const id = (label = "This field") =>
  text(label).pipe(
    z
      .string()
      .regex(/^[1-9][0-9]{0,9}$/, `${label}: choose a value from the list.`)
      .transform(Number)
      // A larger number names no row, and PostgreSQL refuses it in a query (a 500).
      .refine((n) => n <= ID_MAX, `${label}: choose a value from the list.`),
  );

/** An HTML checkbox: present means checked. */
export const checkbox = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => v !== undefined);

/** A multi-select or checkbox group: zero, one or many values. */
export const many = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
    .pipe(z.array(item));

/**
 * For an object's superRefine that reads some fields: run it when those fields
 * parsed, whatever the others' issues, so a form shows every message at once.
 */
export const whenFieldsParsed = (...fields: string[]) => ({
  when: (payload: { issues: readonly { path?: readonly PropertyKey[] }[] }) =>
    !payload.issues.some((issue) => fields.includes(String(issue.path?.[0]))),
});

export type FieldErrors = Record<string, string>;

export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

/** Parses a form body; on failure, one message per field (the first issue of each). */
export function parseForm<T extends z.ZodType>(schema: T, body: unknown): FormResult<z.output<T>> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length > 0 ? String(issue.path[0]) : "_form";
    errors[key] ??= issue.message;
  }
  return { ok: false, errors };
}

/** Keeps only the submitted text values of a form, to re-display them. */
export function formValues(body: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (body && typeof body === "object") {
    for (const [k, v] of Object.entries(body)) {
      // `__proto__` as a key would replace the object's prototype.
      if (k === "_csrf" || k === "__proto__") continue;
      if (typeof v === "string") out[k] = v;
      else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === "string");
    }
  }
  return out;
}
