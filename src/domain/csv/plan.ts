// The plan of a CSV import: validated rows plus the project's current state in,
// what to create (or every line that cannot be imported, with its reason) out.
// The data layer (src/data/csv-import.ts) applies a plan in one transaction.
//
// Matching: an entity by its name within the project; an interface within its
// entity by address and netmask, or by address alone when the row gives no
// netmask (./interfaces.ts, which also refuses a host inside one of the
// entity's networks). What does not exist is created: an entity in the
// location its row gives (or the default location chosen for the import), an
// interface named after the first free `ethN`. A communication already
// recorded (same ends, protocol, first and last port) is skipped and counted,
// keeping its recorded owner, reference and expiry; the same communication
// twice in the file is an error naming the first line.
import type { Protocol } from "../constants.js";
import { type CsvEndpoint, InterfaceIndex, type InterfaceKey } from "./interfaces.js";
import { runSteps, type Steps } from "./steps.js";
import type { LineError } from "./tokenize.js";

export type { CsvEndpoint, InterfaceKey } from "./interfaces.js";

/** The flow fields of a row and of a planned communication. */
export interface CsvFlowFields {
  protocol: Protocol;
  port: number;
  /** Equal to port for one port or type. */
  portEnd: number;
  description: string;
  requestedBy: string;
  reference: string;
  /** `YYYY-MM-DD`, or null: never expires. */
  expires: string | null;
}

/** A row that passed field validation (src/validation/csv-import.ts). */
export interface CsvRow extends CsvFlowFields {
  line: number;
  source: CsvEndpoint;
  destination: CsvEndpoint;
}

/** What the project holds now (names only; the data layer maps them to ids). */
export interface CsvImportState {
  entities: { name: string; location: string; interfaces: { name: string; address: string; netmask: string }[] }[];
  communications: {
    source: InterfaceKey;
    destination: InterfaceKey;
    protocol: Protocol;
    port: number;
    portEnd: number;
  }[];
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
  communications: (CsvFlowFields & { line: number; source: InterfaceKey; destination: InterfaceKey })[];
  /** Lines whose communication is recorded already (skipped). */
  alreadyRecorded: number[];
}

const interfaceId = (k: InterfaceKey) => JSON.stringify([k.entity, k.address, k.netmask]);
const flowId = (s: InterfaceKey, d: InterfaceKey, protocol: string, port: number, portEnd: number) =>
  JSON.stringify([interfaceId(s), interfaceId(d), protocol, port, portEnd]);

export type CsvPlanResult = { ok: true; plan: CsvImportPlan } | { ok: false; errors: LineError[] };

/** Rows planned between two pauses. */
const ROWS_PER_STEP = 200;
/** The project's interfaces indexed between two pauses. */
const INTERFACES_PER_STEP = 2000;

/** Turns validated rows into a plan, or lists every line that cannot be imported; yields between pieces. */
export function* planCsvImportSteps(
  rows: readonly CsvRow[],
  state: CsvImportState,
  options: CsvImportOptions,
): Steps<CsvPlanResult> {
  const errors: LineError[] = [];
  const knownLocations = new Set(state.locations);
  const newLocations: string[] = [];
  const existing = new Map(state.entities.map((e) => [e.name, e]));
  /** New entity name → its location and the line that decided it. */
  const newEntities = new Map<string, { location: string; line: number }>();
  const interfaces = new InterfaceIndex();
  let indexed = 0;
  for (const e of state.entities) {
    for (const i of e.interfaces) {
      if (++indexed % INTERFACES_PER_STEP === 0) yield;
      interfaces.addExisting(e.name, i);
    }
  }
  const newInterfaces: CsvImportPlan["newInterfaces"] = [];
  const recorded = new Set(
    state.communications.map((c) => flowId(c.source, c.destination, c.protocol, c.port, c.portEnd)),
  );
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

  /** Finds or plans one end's interface; null (and records why) when the row cannot have it. */
  const resolveInterface = (row: CsvRow, side: "source" | "destination"): InterfaceKey | null => {
    const resolved = interfaces.resolve(row[side], row.line, label[side]);
    if (!resolved.ok) {
      errors.push({ line: row.line, message: resolved.message });
      return null;
    }
    if (resolved.added) newInterfaces.push(resolved.added);
    return resolved.key;
  };

  for (const [index, row] of rows.entries()) {
    if (index % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
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
    const source = resolveInterface(row, "source");
    const destination = resolveInterface(row, "destination");
    if (source === null || destination === null) continue;
    const id = flowId(source, destination, row.protocol, row.port, row.portEnd);
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
      portEnd: row.portEnd,
      description: row.description,
      requestedBy: row.requestedBy,
      reference: row.reference,
      expires: row.expires,
    });
  }
  if (errors.length > 0) return { ok: false, errors: sortLineErrors(errors) };
  return { ok: true, plan };
}

/** Plans at once (see planCsvImportSteps). */
export function planCsvImport(
  rows: readonly CsvRow[],
  state: CsvImportState,
  options: CsvImportOptions,
): CsvPlanResult {
  return runSteps(planCsvImportSteps(rows, state, options));
}

/** Orders problems by line, keeping the order of problems on the same line. */
export function sortLineErrors(errors: readonly LineError[]): LineError[] {
  return errors
    .map((e, i) => [e, i] as const)
    .sort((a, b) => a[0].line - b[0].line || a[1] - b[1])
    .map(([e]) => e);
}
