// CSV import of communications, the way a spreadsheet holds them: one row per
// flow, both ends given by entity name and address. Pure: CSV text in, rows
// with line numbers out; validated rows plus the project's current state in,
// a plan (what to create) or every bad line with its reason out. The data
// layer (src/data/csv-import.ts) applies a plan in one transaction.
//
// Columns (header row required; names case-insensitive, spaces, `_`, `-` and
// `.` ignored, so `source_entity`, `Source entity` and `SourceEntity` match):
//   source entity, source address, source netmask, destination entity,
//   destination address, destination netmask, protocol, port, description,
//   source location, destination location
// Aliases: source = src/from, destination = dest/dst/to; entity = host/name;
// address = ip/ip address/addr; netmask = mask/prefix; location = site;
// protocol = proto; description = comment/comments/note/notes.
// Required: source entity, source address, destination entity, destination
// address, protocol, port. An unknown column is an error (a misspelt
// `source netmsk` must not silently mean 255.255.255.255). The separator is
// `,`, `;` or TAB, whichever the header line uses most.
//
// Matching: an entity by its name within the project; an interface by address
// and netmask within its entity. What does not exist is created: an entity in
// the location its row gives (or the default location chosen for the import),
// an interface named after the first free `ethN`. A communication already
// recorded is skipped and counted; the same communication twice in the file
// is an error naming the first line.
import { NAME_MAX, type Protocol } from "./constants.js";

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
  netmask: "netmask",
  mask: "netmask",
  subnetmask: "netmask",
  prefix: "netmask",
  location: "location",
  site: "location",
};
const OTHER_FIELDS: Record<string, CsvColumn> = {
  protocol: "protocol",
  proto: "protocol",
  port: "port",
  description: "description",
  comment: "description",
  comments: "description",
  note: "description",
  notes: "description",
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

/** The separator the header line uses most: `,` (default), `;` or TAB. */
export function detectDelimiter(text: string): string {
  let firstLine = "";
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === "\n" || ch === "\r")) break;
    firstLine += ch;
  }
  const count = (d: string) => firstLine.split(d).length - 1;
  const candidates = [",", ";", "\t"].map((d) => [d, count(d)] as const);
  const [best, n] = candidates.reduce((a, b) => (b[1] > a[1] ? b : a));
  return n > 0 ? best : ",";
}

/**
 * Splits CSV text (RFC 4180: `"` quotes, `""` inside quotes, CRLF or LF) into
 * records. Blank lines are dropped. An unclosed quote or text after a closing
 * quote is an error on the line where the field starts.
 */
export function parseCsv(text: string): { records: CsvRecord[]; error: LineError | null } {
  const input = text.replace(/^\uFEFF/, "");
  const delimiter = detectDelimiter(input);
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0]?.trim() === "")) records.push({ line: recordLine, fields });
    fields = [];
    field = "";
  };
  while (i < input.length) {
    const ch = input[i] as string;
    if (ch === '"' && field.trim() === "") {
      const startLine = line;
      field = "";
      i++;
      for (;;) {
        if (i >= input.length)
          return { records, error: { line: startLine, message: "a quoted field is never closed" } };
        const c = input[i] as string;
        if (c === '"') {
          if (input[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === "\n") line++;
        field += c;
        i++;
      }
      // Spaces after the closing quote are tolerated; anything else is not.
      while (input[i] === " ") i++;
      const next = input[i];
      if (next !== undefined && next !== delimiter && next !== "\n" && next !== "\r") {
        return { records, error: { line, message: "unexpected text after a closing quote" } };
      }
      continue;
    }
    if (ch === delimiter) {
      fields.push(field);
      field = "";
      i++;
    } else if (ch === "\r" || ch === "\n") {
      endRecord();
      i += ch === "\r" && input[i + 1] === "\n" ? 2 : 1;
      line++;
      recordLine = line;
    } else {
      field += ch;
      i++;
    }
  }
  if (field !== "" || fields.length > 0) endRecord();
  return { records, error: null };
}

/** One data row, cells by column (absent columns are undefined), with its line. */
export interface RawCsvRow {
  line: number;
  values: Partial<Record<CsvColumn, string>>;
}

/** Reads the header and turns the other records into rows; errors name the line. */
export function readCsvRows(text: string): { rows: RawCsvRow[]; errors: LineError[] } {
  const { records, error } = parseCsv(text);
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
  for (const record of data) {
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
    columns.forEach((column, index) => {
      if (column) values[column] = record.fields[index] ?? "";
    });
    rows.push({ line: record.line, values });
  }
  return { rows, errors };
}

export interface CsvEndpoint {
  entity: string;
  address: string;
  netmask: string;
  /** Location of the entity, when the row gives one. */
  location?: string;
}

/** A row that passed field validation (src/validation/csv-import.ts). */
export interface CsvRow {
  line: number;
  source: CsvEndpoint;
  destination: CsvEndpoint;
  protocol: Protocol;
  port: number;
  description: string;
}

/** An interface identified the way the CSV does: entity name, address, netmask. */
export interface InterfaceKey {
  entity: string;
  address: string;
  netmask: string;
}

/** What the project holds now (names only; the data layer maps them to ids). */
export interface CsvImportState {
  entities: { name: string; location: string; interfaces: { name: string; address: string; netmask: string }[] }[];
  communications: { source: InterfaceKey; destination: InterfaceKey; protocol: Protocol; port: number }[];
  /** Every location name in the database. */
  locations: string[];
}

export interface CsvImportOptions {
  /** Location for new entities whose row gives none. */
  defaultLocation?: string;
  /** Whether a location named in the file may be created (the `add_location` permission). */
  allowNewLocations: boolean;
}

export interface CsvImportPlan {
  newLocations: string[];
  newEntities: { name: string; location: string }[];
  newInterfaces: (InterfaceKey & { name: string })[];
  communications: {
    line: number;
    source: InterfaceKey;
    destination: InterfaceKey;
    protocol: Protocol;
    port: number;
    description: string;
  }[];
  /** Lines whose communication is recorded already (skipped). */
  alreadyRecorded: number[];
}

const interfaceId = (k: InterfaceKey) => JSON.stringify([k.entity, k.address, k.netmask]);
const flowId = (s: InterfaceKey, d: InterfaceKey, protocol: string, port: number) =>
  JSON.stringify([interfaceId(s), interfaceId(d), protocol, port]);

/** The first `ethN` not in use. */
function freeInterfaceName(used: Set<string>): string {
  for (let n = 0; ; n++) {
    const name = `eth${n}`;
    if (!used.has(name) && name.length <= NAME_MAX) return name;
  }
}

/** Turns validated rows into a plan, or lists every line that cannot be imported. */
export function planCsvImport(
  rows: readonly CsvRow[],
  state: CsvImportState,
  options: CsvImportOptions,
): { ok: true; plan: CsvImportPlan } | { ok: false; errors: LineError[] } {
  const errors: LineError[] = [];
  const knownLocations = new Set(state.locations);
  const newLocations: string[] = [];
  const existing = new Map(state.entities.map((e) => [e.name, e]));
  /** New entity name → its location and the line that decided it. */
  const newEntities = new Map<string, { location: string; line: number }>();
  const interfaceNames = new Map<string, Set<string>>(
    state.entities.map((e) => [e.name, new Set(e.interfaces.map((i) => i.name))]),
  );
  const knownInterfaces = new Set(
    state.entities.flatMap((e) => e.interfaces.map((i) => interfaceId({ entity: e.name, ...i }))),
  );
  const newInterfaces: CsvImportPlan["newInterfaces"] = [];
  const recorded = new Set(state.communications.map((c) => flowId(c.source, c.destination, c.protocol, c.port)));
  const inFile = new Map<string, number>();
  const plan: CsvImportPlan = { newLocations, newEntities: [], newInterfaces, communications: [], alreadyRecorded: [] };

  const label = { source: "Source", destination: "Destination" } as const;

  /** Resolves one end's entity; returns false (and records why) when it cannot. */
  const resolveEntity = (row: CsvRow, side: "source" | "destination"): boolean => {
    const end = row[side];
    const found = existing.get(end.entity);
    if (found) {
      if (end.location !== undefined && end.location !== found.location) {
        errors.push({
          line: row.line,
          message: `${label[side]} location ${JSON.stringify(end.location)} differs from the location of the existing entity ${JSON.stringify(end.entity)} (${JSON.stringify(found.location)})`,
        });
        return false;
      }
      return true;
    }
    const planned = newEntities.get(end.entity);
    if (planned) {
      if (end.location !== undefined && end.location !== planned.location) {
        errors.push({
          line: row.line,
          message: `${label[side]} location ${JSON.stringify(end.location)} differs from the location ${JSON.stringify(planned.location)} given to the new entity ${JSON.stringify(end.entity)} on line ${planned.line}`,
        });
        return false;
      }
      return true;
    }
    const location = end.location ?? options.defaultLocation;
    if (location === undefined) {
      errors.push({
        line: row.line,
        message: `${label[side]} entity ${JSON.stringify(end.entity)} does not exist yet; give its location in the "${side} location" column or choose a location for new entities`,
      });
      return false;
    }
    if (!knownLocations.has(location)) {
      if (!options.allowNewLocations) {
        errors.push({
          line: row.line,
          message: `location ${JSON.stringify(location)} does not exist, and you may not add locations`,
        });
        return false;
      }
      knownLocations.add(location);
      newLocations.push(location);
    }
    newEntities.set(end.entity, { location, line: row.line });
    plan.newEntities.push({ name: end.entity, location });
    return true;
  };

  const resolveInterface = (end: CsvEndpoint): InterfaceKey => {
    const key = { entity: end.entity, address: end.address, netmask: end.netmask };
    const id = interfaceId(key);
    if (!knownInterfaces.has(id)) {
      knownInterfaces.add(id);
      const used = interfaceNames.get(end.entity) ?? new Set<string>();
      interfaceNames.set(end.entity, used);
      const name = freeInterfaceName(used);
      used.add(name);
      newInterfaces.push({ ...key, name });
    }
    return key;
  };

  for (const row of rows) {
    if (row.source.entity === row.destination.entity) {
      errors.push({
        line: row.line,
        message: `source and destination are the same entity ${JSON.stringify(row.source.entity)}; a communication joins two different entities`,
      });
      continue;
    }
    const sourceOk = resolveEntity(row, "source");
    const destinationOk = resolveEntity(row, "destination");
    if (!sourceOk || !destinationOk) continue;
    const source = resolveInterface(row.source);
    const destination = resolveInterface(row.destination);
    const id = flowId(source, destination, row.protocol, row.port);
    const firstLine = inFile.get(id);
    if (firstLine !== undefined) {
      errors.push({ line: row.line, message: `the same communication as line ${firstLine}` });
      continue;
    }
    inFile.set(id, row.line);
    if (recorded.has(id)) {
      plan.alreadyRecorded.push(row.line);
      continue;
    }
    plan.communications.push({
      line: row.line,
      source,
      destination,
      protocol: row.protocol,
      port: row.port,
      description: row.description,
    });
  }
  if (errors.length > 0) return { ok: false, errors: sortLineErrors(errors) };
  return { ok: true, plan };
}

/** Orders problems by line, keeping the order of problems on the same line. */
export function sortLineErrors(errors: readonly LineError[]): LineError[] {
  return errors
    .map((e, i) => [e, i] as const)
    .sort((a, b) => a[0].line - b[0].line || a[1] - b[1])
    .map(([e]) => e);
}
