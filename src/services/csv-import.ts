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
