// Field rules of one CSV import row (docs/usage.md): names, addresses, netmasks
// (dotted or a prefix; empty means 255.255.255.255), protocol (any case), port
// in the range of its protocol, with the forms' wording (./fields.ts).
// `readCsvImport` turns CSV text into valid rows plus one message per problem,
// each with its line number.
import { z } from "zod";
import {
  CLI_CSV_LIMITS,
  type CsvLimits,
  type CsvRow,
  type LineError,
  type RawCsvRow,
  readCsvRowsSteps,
  runSteps,
  type Steps,
  sortLineErrors,
} from "../domain/csv-import.js";
import { description, name } from "./common.js";
import { addressRule, checkPortRange, netmaskRule, portTextRule, protocolRule } from "./fields.js";

const cell = z.string().optional().default("");

/** Empty means "not given": an existing entity keeps its location, a new one takes the default. */
const location = (label: string) =>
  cell.transform((v) => (v.trim() === "" ? undefined : v)).pipe(name(label).optional());

const rowSchema = z
  .object({
    "source entity": cell.pipe(name("Source entity")),
    "source address": cell.pipe(addressRule("Source address")),
    "source netmask": cell.pipe(netmaskRule("Source netmask")),
    "destination entity": cell.pipe(name("Destination entity")),
    "destination address": cell.pipe(addressRule("Destination address")),
    "destination netmask": cell.pipe(netmaskRule("Destination netmask")),
    protocol: cell.pipe(protocolRule("Protocol")),
    port: cell.pipe(portTextRule("Port")),
    description,
    "source location": location("Source location"),
    "destination location": location("Destination location"),
  })
  .superRefine((row, ctx) => checkPortRange(ctx, row.protocol, row.port));

/** Validates one raw row; all its problems, in column order. */
export function validateCsvRow(raw: RawCsvRow): { ok: true; row: CsvRow } | { ok: false; errors: LineError[] } {
  const result = rowSchema.safeParse(raw.values);
  if (!result.success) {
    return { ok: false, errors: result.error.issues.map((issue) => ({ line: raw.line, message: issue.message })) };
  }
  const v = result.data;
  return {
    ok: true,
    row: {
      line: raw.line,
      source: {
        entity: v["source entity"],
        address: v["source address"],
        netmask: v["source netmask"],
        ...(v["source location"] === undefined ? {} : { location: v["source location"] }),
      },
      destination: {
        entity: v["destination entity"],
        address: v["destination address"],
        netmask: v["destination netmask"],
        ...(v["destination location"] === undefined ? {} : { location: v["destination location"] }),
      },
      protocol: v.protocol,
      port: v.port,
      description: v.description,
    },
  };
}

/** Rows validated between two pauses. */
const ROWS_PER_STEP = 50;

/** CSV text → the rows that are valid and every problem found, by line; yields between pieces. */
export function* readCsvImportSteps(
  text: string,
  limits: CsvLimits = CLI_CSV_LIMITS,
): Steps<{ rows: CsvRow[]; errors: LineError[] }> {
  const read = yield* readCsvRowsSteps(text, limits);
  const errors = [...read.errors];
  const rows: CsvRow[] = [];
  for (const [index, raw] of read.rows.entries()) {
    if (index % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
    const result = validateCsvRow(raw);
    if (result.ok) rows.push(result.row);
    else errors.push(...result.errors);
  }
  if (read.errors.length === 0 && read.rows.length === 0) {
    errors.push({ line: 2, message: "the file has a header but no rows to import" });
  }
  return { rows, errors: sortLineErrors(errors) };
}

/** CSV text → valid rows and problems at once (the command line; see readCsvImportSteps). */
export function readCsvImport(
  text: string,
  limits: CsvLimits = CLI_CSV_LIMITS,
): { rows: CsvRow[]; errors: LineError[] } {
  return runSteps(readCsvImportSteps(text, limits));
}
