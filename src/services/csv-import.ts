// A CSV import from the web page, in slices: the text is tokenized, mapped and
// validated in pieces with a pause on the event loop between them, then planned
// and written by the data layer (src/data/csv-import.ts), which slices too. A
// megabyte of hostile CSV therefore delays other requests by a slice, never by
// the whole import (docs/architecture.md).
import { setImmediate as nextTurn } from "node:timers/promises";
import { type CsvImportResult, type CsvImportTarget, importCsvRows } from "../data/csv-import.js";
import type { Database } from "../data/engine.js";
import { type CsvLimits, runStepsInSlices } from "../domain/csv-import.js";
import { readCsvImportSteps } from "../validation/csv-import.js";

export interface CsvTextImport extends Omit<CsvImportTarget, "rows" | "errors"> {
  text: string;
  limits: CsvLimits;
}

/** Reads CSV text without holding the event loop, then imports it (all or nothing). */
export async function importCsvText(db: Database, job: CsvTextImport): Promise<CsvImportResult> {
  const read = await runStepsInSlices(readCsvImportSteps(job.text, job.limits), nextTurn);
  return importCsvRows(db, { project: job.project, options: job.options, rows: read.rows, errors: read.errors });
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const ESCAPE_SLICE = 16 * 1024;

/**
 * HTML-escapes a long text for the page that shows it again, pausing between
 * slices: the template's escaping of a megabyte of quotes (six megabytes of
 * `&quot;`) would otherwise hold the event loop for a fifth of a second.
 */
export async function escapeHtmlInSlices(text: string): Promise<string> {
  const parts: string[] = [];
  for (let at = 0; at < text.length; at += ESCAPE_SLICE) {
    // A slice ending inside a surrogate pair is fine: neither half is escaped, and joining restores the pair.
    parts.push(text.slice(at, at + ESCAPE_SLICE).replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] as string));
    if (at + ESCAPE_SLICE < text.length) await nextTurn();
  }
  return parts.join("");
}
