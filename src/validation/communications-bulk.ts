// The bulk edit of /communications (docs/usage.md, "Editing many
// communications at once"): reading the one form that holds a row per
// communication, and checking each changed row with the rules of the single
// communication form (communicationForm in ./entities.ts) and the address
// family rules (src/domain/flow-rules.ts). Nothing here is a rule of its own.
import { createHash } from "node:crypto";
import { portsText } from "../domain/display.js";
import { addressFamily, familyMessages, flowFamilyIssue } from "../domain/flow-rules.js";
import { type FieldErrors, parseForm } from "./common.js";
import { type CommunicationForm, communicationForm } from "./entities.js";

/** The fields a row edits, named as in the single form; the ends stay on that form. */
export const BULK_FIELDS = ["protocol", "port", "description", "requestedBy", "reference", "expires"] as const;
export type BulkField = (typeof BULK_FIELDS)[number];
export type BulkValues = Record<BulkField, string>;

/** The most rows one form carries: the list's largest page. */
export const BULK_ROWS_MAX = 500;

/** What a row of the form is about: its stored fields, its ends and when it was last changed. */
export interface BulkStoredRow {
  protocol: string;
  port: number;
  portEnd: number;
  description: string;
  requestedBy: string;
  reference: string;
  expires: string | null;
  updatedAt: Date;
  source: { interface: { id: number; address: string } };
  destination: { interface: { id: number; address: string } };
}

/** One submitted row: the id, the version it was read at, and its fields as sent (a field sent twice stays an array). */
export interface BulkRowInput {
  id: number;
  version: string;
  raw: Record<BulkField, unknown>;
}

export interface BulkSubmission {
  /** The list's query string, to go back to the same page. */
  list: string;
  rows: BulkRowInput[];
}

/** The form's name of a row's field: `port-12`. */
export const bulkName = (field: string, id: number) => `${field}-${id}`;

/** The row's fields as the form shows them when nothing is typed yet. */
export function storedValues(row: BulkStoredRow): BulkValues {
  return {
    protocol: row.protocol,
    port: portsText(row),
    description: row.description,
    requestedBy: row.requestedBy,
    reference: row.reference,
    expires: row.expires ?? "",
  };
}

/** A digest of a row's fields as typed (line breaks as a browser sends them or not); null when one is not text. */
function fingerprint(values: Record<BulkField, unknown>): string | null {
  const texts: string[] = [];
  for (const field of BULK_FIELDS) {
    const v = values[field];
    if (typeof v !== "string") return null;
    texts.push(v.replace(/\r\n?/g, "\n"));
  }
  return createHash("sha256").update(JSON.stringify(texts)).digest("base64url").slice(0, 16);
}

/** The hidden `version-ID` of a row: when it was last changed, and a digest of the fields shown. */
export function rowVersion(row: BulkStoredRow): string {
  return `${row.updatedAt.getTime()}.${fingerprint(storedValues(row))}`;
}

/** The `updatedAt` (ms) a version was read at, or null for a value the form did not write. */
export function versionTime(version: string): number | null {
  const match = /^([0-9]{1,15})\.[A-Za-z0-9_-]{16}$/.exec(version);
  return match ? Number(match[1]) : null;
}

/** Whether the row's fields are as the page showed them: the editor left the row alone. */
export function untouched(row: BulkRowInput): boolean {
  const digest = fingerprint(row.raw);
  return digest !== null && row.version.endsWith(`.${digest}`) && versionTime(row.version) !== null;
}

/** The fields as the form shows them again: text as sent (the first of repeated values). */
export function shownValues(row: BulkRowInput): BulkValues {
  const out = {} as BulkValues;
  for (const field of BULK_FIELDS) {
    const v = row.raw[field];
    out[field] = typeof v === "string" ? v : Array.isArray(v) && typeof v[0] === "string" ? v[0] : "";
  }
  return out;
}

const ID_TEXT = /^[1-9][0-9]{0,9}$/;
const ID_MAX = 2_147_483_647;

/** Reads the posted form: `list`, then for each `id` its `version-ID` and fields. Ids that are not ids are skipped. */
export function readBulkForm(body: unknown): BulkSubmission {
  const b = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  const own = (name: string) => (Object.hasOwn(b, name) ? b[name] : undefined);
  const list = typeof own("list") === "string" ? (own("list") as string) : "";
  const given = own("id");
  const texts = typeof given === "string" ? [given] : Array.isArray(given) ? given : [];
  const ids: number[] = [];
  for (const t of texts) {
    if (typeof t !== "string" || !ID_TEXT.test(t) || Number(t) > ID_MAX) continue;
    const id = Number(t);
    if (!ids.includes(id)) ids.push(id);
    if (ids.length === BULK_ROWS_MAX) break;
  }
  const rows = ids.map((id) => {
    const version = own(bulkName("version", id));
    const raw = {} as Record<BulkField, unknown>;
    for (const field of BULK_FIELDS) raw[field] = own(bulkName(field, id));
    return { id, version: typeof version === "string" ? version : "", raw };
  });
  return { list, rows };
}

export type BulkRowResult = { ok: true; data: CommunicationForm } | { ok: false; errors: FieldErrors };

/**
 * Checks a changed row with the single form's schema (its ends as stored) and
 * the ends' address family against the protocol. Messages are keyed by field;
 * one about the row as a whole (its ends) is `_row`.
 */
export function parseBulkRow(row: BulkRowInput, stored: BulkStoredRow): BulkRowResult {
  const parsed = parseForm(communicationForm, {
    ...row.raw,
    source: String(stored.source.interface.id),
    destination: String(stored.destination.interface.id),
  });
  if (!parsed.ok) {
    const errors: FieldErrors = {};
    for (const [field, message] of Object.entries(parsed.errors)) {
      const key = (BULK_FIELDS as readonly string[]).includes(field) ? field : "_row";
      errors[key] ??= message;
    }
    return { ok: false, errors };
  }
  const family = flowFamilyIssue(
    parsed.data.protocol,
    addressFamily(stored.source.interface.address),
    addressFamily(stored.destination.interface.address),
  );
  if (family !== null)
    return { ok: false, errors: { [family === familyMessages.mixed ? "_row" : "protocol"]: family } };
  return parsed;
}

/** Whether the checked fields equal what is stored: saving them would change nothing. */
export function sameAsStored(data: CommunicationForm, stored: BulkStoredRow): boolean {
  return (
    data.protocol === stored.protocol &&
    data.port === stored.port &&
    data.portEnd === stored.portEnd &&
    data.description === stored.description &&
    data.requestedBy === stored.requestedBy &&
    data.reference === stored.reference &&
    data.expires === stored.expires
  );
}

/** The key the database keeps unique: two rows of one form ending on the same key would be duplicates. */
export const flowKey = (sourceId: number, destinationId: number, protocol: string, port: number, portEnd: number) =>
  `${sourceId}>${destinationId}/${protocol}:${port}-${portEnd}`;
