// The columns of a CSV import (docs/cli.md, import-csv): the header row names
// them, in any order; names ignore case, spaces, `_`, `-` and `.`, so
// `source_entity`, `Source entity` and `SourceEntity` match. Aliases: source =
// src/from, destination = dest/dst/to; entity = host/name; address = ip/ip
// address/addr/ipv4/ipv6/cidr; netmask = mask/prefix/prefix length; location =
// site; protocol = proto; port = ports/port range; description =
// comment/comments/note/notes; requested by = requester/owner; reference =
// ref/ticket/change; expires = expiry/expiry date/until. An unknown column is
// an error (a misspelt `source netmsk` must not silently mean one host).
import { runSteps, type Steps } from "./steps.js";
import { CLI_CSV_LIMITS, type CsvLimits, type LineError, tokenizeCsvSteps } from "./tokenize.js";

export const CSV_COLUMNS = [
  "source entity",
  "source address",
  "source netmask",
  "destination entity",
  "destination address",
  "destination netmask",
  "protocol",
  "port",
  "description",
  "source location",
  "destination location",
  "requested by",
  "reference",
  "expires",
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

export const REQUIRED_CSV_COLUMNS: readonly CsvColumn[] = [
  "source entity",
  "source address",
  "destination entity",
  "destination address",
  "protocol",
  "port",
];

const SIDES: Record<string, "source" | "destination"> = {
  source: "source",
  src: "source",
  from: "source",
  destination: "destination",
  dest: "destination",
  dst: "destination",
  to: "destination",
};
const SIDE_FIELDS: Record<string, "entity" | "address" | "netmask" | "location"> = {
  entity: "entity",
  entityname: "entity",
  host: "entity",
  hostname: "entity",
  name: "entity",
  address: "address",
  addr: "address",
  ip: "address",
  ipaddress: "address",
  ipv4: "address",
  ipv6: "address",
  cidr: "address",
  netmask: "netmask",
  mask: "netmask",
  subnetmask: "netmask",
  prefix: "netmask",
  prefixlength: "netmask",
  location: "location",
  site: "location",
};
const OTHER_FIELDS: Record<string, CsvColumn> = {
  protocol: "protocol",
  proto: "protocol",
  port: "port",
  ports: "port",
  portrange: "port",
  description: "description",
  comment: "description",
  comments: "description",
  note: "description",
  notes: "description",
  requestedby: "requested by",
  requester: "requested by",
  owner: "requested by",
  reference: "reference",
  ref: "reference",
  ticket: "reference",
  change: "reference",
  expires: "expires",
  expiry: "expires",
  expirydate: "expires",
  until: "expires",
};

const HEADER_ALIASES: ReadonlyMap<string, CsvColumn> = (() => {
  const map = new Map<string, CsvColumn>();
  for (const [side, canonicalSide] of Object.entries(SIDES)) {
    for (const [field, canonicalField] of Object.entries(SIDE_FIELDS)) {
      map.set(side + field, `${canonicalSide} ${canonicalField}` as CsvColumn);
    }
  }
  for (const [alias, column] of Object.entries(OTHER_FIELDS)) map.set(alias, column);
  return map;
})();

/** The column a header cell names, or null. */
export function csvColumnOf(header: string): CsvColumn | null {
  const key = header.toLowerCase().replace(/[\s_.-]+/g, "");
  return HEADER_ALIASES.get(key) ?? null;
}

/** One data row, cells by column (absent columns are undefined), with its line. */
export interface RawCsvRow {
  line: number;
  values: Partial<Record<CsvColumn, string>>;
}

/** Records between two pauses when turning them into rows. */
const RECORDS_PER_STEP = 500;

/** Reads the header and turns the other records into rows, yielding between pieces; errors name the line. */
export function* readCsvRowsSteps(
  text: string,
  limits: CsvLimits = CLI_CSV_LIMITS,
): Steps<{ rows: RawCsvRow[]; errors: LineError[] }> {
  const { records, error } = yield* tokenizeCsvSteps(text, limits);
  if (error) return { rows: [], errors: [error] };
  const [header, ...data] = records;
  if (!header) return { rows: [], errors: [{ line: 1, message: "the file is empty; it needs a header row" }] };
  const errors: LineError[] = [];
  const columns: (CsvColumn | null)[] = [];
  const seen = new Set<CsvColumn>();
  for (const cell of header.fields) {
    const column = csvColumnOf(cell);
    if (cell.trim() === "") {
      columns.push(null);
      continue;
    }
    if (column === null) {
      errors.push({
        line: header.line,
        message: `unknown column ${JSON.stringify(cell.trim())}; the columns are: ${CSV_COLUMNS.join(", ")}`,
      });
    } else if (seen.has(column)) {
      errors.push({ line: header.line, message: `column "${column}" appears twice` });
    }
    if (column) seen.add(column);
    columns.push(column);
  }
  const missing = REQUIRED_CSV_COLUMNS.filter((c) => !seen.has(c));
  if (missing.length > 0) {
    errors.push({
      line: header.line,
      message: `missing column${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}`,
    });
  }
  if (errors.length > 0) return { rows: [], errors };

  const rows: RawCsvRow[] = [];
  for (const [index, record] of data.entries()) {
    if (index % RECORDS_PER_STEP === RECORDS_PER_STEP - 1) yield;
    // Spreadsheets drop empty trailing cells; extra non-empty cells are an error.
    const extra = record.fields.slice(columns.length).filter((f) => f.trim() !== "");
    if (extra.length > 0) {
      errors.push({
        line: record.line,
        message: `${record.fields.length} fields, but the header has ${columns.length} columns`,
      });
      continue;
    }
    const values: Partial<Record<CsvColumn, string>> = {};
    columns.forEach((column, at) => {
      if (column) values[column] = record.fields[at] ?? "";
    });
    rows.push({ line: record.line, values });
  }
  return { rows, errors };
}

/** Reads the header and the rows at once (see readCsvRowsSteps). */
export function readCsvRows(
  text: string,
  limits: CsvLimits = CLI_CSV_LIMITS,
): { rows: RawCsvRow[]; errors: LineError[] } {
  return runSteps(readCsvRowsSteps(text, limits));
}
