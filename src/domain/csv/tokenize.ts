// CSV text into records with their line numbers (docs/cli.md, import-csv):
// csv-parse does the splitting (RFC 4180 quotes, `""` inside quotes, quoted
// line breaks; spaces around a quoted field tolerated; a `"` inside an
// unquoted field is an ordinary character). It is fed in small pieces so the
// caller can pause between them (./steps.ts), and the caps below refuse a
// document before it can cost much: its size, its number of rows, the fields
// of a row and the length of a field, each with a message naming the line.
import { type CsvError, Parser } from "csv-parse";
import { DESCRIPTION_MAX } from "../constants.js";
import { runSteps, type Steps } from "./steps.js";

/** A problem on one line of the file (1 = the header). */
export interface LineError {
  line: number;
  message: string;
}

export interface CsvRecord {
  /** Line where the record starts (a quoted field may span lines). */
  line: number;
  fields: string[];
}

export interface CsvLimits {
  /** UTF-8 bytes of the whole text. */
  maxBytes: number;
  /** Rows after the header. */
  maxRows: number;
  /** Fields in one row. */
  maxFields: number;
  /** Characters (UTF-16 units, as for descriptions) in one field. */
  maxFieldChars: number;
}

const MIB = 1024 * 1024;

/** The page's limits (docs/usage.md): the form's body limit is derived from maxBytes. */
export const WEB_CSV_LIMITS: CsvLimits = {
  maxBytes: MIB,
  maxRows: 20_000,
  maxFields: 100,
  maxFieldChars: DESCRIPTION_MAX,
};

/** The command line's limits (docs/cli.md): larger files, same rows and fields. */
export const CLI_CSV_LIMITS: CsvLimits = { ...WEB_CSV_LIMITS, maxBytes: 16 * MIB, maxRows: 100_000 };

/**
 * Bytes given to csv-parse between two places to pause. A row costs csv-parse
 * some microseconds (its per-record bookkeeping), so a piece of 1,000 tiny rows
 * stays at a few milliseconds even on a busy machine.
 */
const PIECE_BYTES = 2 * 1024;

const count = (n: number) => n.toLocaleString("en-US");

/** `1 MiB`, `1.4 MiB`, `640 KiB`, `12 bytes`. */
export function formatBytes(bytes: number): string {
  if (bytes >= MIB) return `${Number((bytes / MIB).toFixed(1))} MiB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`;
  return `${bytes} bytes`;
}

/** A size over a limit, precise enough to differ from it: `1.4 MiB`, or `1,048,600 bytes` just over 1 MiB. */
export function formatSizeOver(bytes: number, limit: number): string {
  const shown = formatBytes(bytes);
  return shown === formatBytes(limit) ? `${count(bytes)} bytes` : shown;
}

/** The separator the header line uses most: `,` (default), `;` or TAB. Expects LF line ends. */
export function detectDelimiter(text: string): string {
  const counts = { ",": 0, ";": 0, "\t": 0 };
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === "\n") break;
    else if (!quoted && (ch === "," || ch === ";" || ch === "\t")) counts[ch]++;
  }
  const [best, n] = Object.entries(counts).reduce((a, b) => (b[1] > a[1] ? b : a));
  return n > 0 ? best : ",";
}

/** The first cap a record breaks, or null. */
function recordProblem(fields: readonly string[], line: number, rows: number, limits: CsvLimits): LineError | null {
  if (rows > limits.maxRows) {
    return {
      line,
      message: `more than ${count(limits.maxRows)} rows; at most ${count(limits.maxRows)} rows can be imported at once, so split the file`,
    };
  }
  if (fields.length > limits.maxFields) {
    return { line, message: `${count(fields.length)} fields; a row may have at most ${count(limits.maxFields)}` };
  }
  const long = fields.findIndex((f) => f.length > limits.maxFieldChars);
  if (long >= 0) {
    return {
      line,
      message: `field ${long + 1} has ${count((fields[long] as string).length)} characters; a field may have at most ${count(limits.maxFieldChars)}`,
    };
  }
  return null;
}

/**
 * Splits CSV text into records, yielding between pieces. Blank lines are
 * dropped; the separator is detected from the header. The first problem (a
 * cap, an unclosed quote, text after a closing quote) ends the reading.
 */
export function* tokenizeCsvSteps(
  text: string,
  limits: CsvLimits = CLI_CSV_LIMITS,
): Steps<{ records: CsvRecord[]; error: LineError | null }> {
  const records: CsvRecord[] = [];
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > limits.maxBytes) {
    const error = {
      line: 1,
      message: `the CSV data is ${formatSizeOver(bytes, limits.maxBytes)}; at most ${formatBytes(limits.maxBytes)} can be imported at once, so split it into several imports`,
    };
    return { records, error };
  }
  // One line end, so csv-parse's line count is the file's (CR LF would count twice).
  const input = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  yield;
  let stop: LineError | null = null;
  // A record starts on the line after the previous one ended, past the blank lines skipped since.
  let lastEnd = 0;
  let emptyAtLastEnd = 0;
  const startLine = (emptyLines: number) => lastEnd + 1 + (emptyLines - emptyAtLastEnd);
  const parser = new Parser({
    delimiter: detectDelimiter(input),
    record_delimiter: "\n",
    trim: true,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    on_record: (fields: string[], info) => {
      if (stop) return null;
      const line = startLine(info.empty_lines);
      lastEnd = info.lines;
      emptyAtLastEnd = info.empty_lines;
      stop = recordProblem(fields, line, records.length, limits);
      if (!stop) records.push({ line, fields });
      // Kept here, not in the stream's buffer.
      return null;
    },
  });
  // Errors are read from parser.errored, which is set as soon as write() fails.
  parser.on("error", () => {});
  const buffer = Buffer.from(input, "utf8");
  for (let at = 0; at < buffer.length && !stop && !parser.errored; at += PIECE_BYTES) {
    parser.write(buffer.subarray(at, at + PIECE_BYTES));
    yield;
  }
  if (!stop && !parser.errored) parser.end();
  const failure = parser.errored as CsvError | null;
  parser.destroy();
  if (stop) return { records, error: stop };
  if (failure) {
    if (failure.code === "CSV_QUOTE_NOT_CLOSED") {
      return {
        records,
        error: { line: startLine(parser.info.empty_lines), message: "a quoted field is never closed" },
      };
    }
    const line = typeof failure.lines === "number" ? failure.lines : startLine(parser.info.empty_lines);
    const closing =
      failure.code === "CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE" || failure.code === "CSV_INVALID_CLOSING_QUOTE";
    return {
      records,
      error: {
        line,
        message: closing ? "unexpected text after a closing quote" : `unreadable CSV: ${failure.message}`,
      },
    };
  }
  return { records, error: null };
}

/** Splits CSV text into records at once (see tokenizeCsvSteps). */
export function parseCsv(
  text: string,
  limits: CsvLimits = CLI_CSV_LIMITS,
): { records: CsvRecord[]; error: LineError | null } {
  return runSteps(tokenizeCsvSteps(text, limits));
}
