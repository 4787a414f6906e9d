// The plan of a CSV import: validated rows plus the project's current state in,
// what to create (or every line that cannot be imported, with its reason) out.
// The data layer (src/data/csv-import.ts) applies a plan in one transaction.
//
// Matching: an entity by its name within the project; an interface by address
// and netmask within its entity. What does not exist is created: an entity in
// the location its row gives (or the default location chosen for the import),
// an interface named after the first free `ethN`. A communication already
// recorded is skipped and counted; the same communication twice in the file
// is an error naming the first line.
import { NAME_MAX, type Protocol } from "../constants.js";
import { runSteps, type Steps } from "./steps.js";
import type { LineError } from "./tokenize.js";

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

export type CsvPlanResult = { ok: true; plan: CsvImportPlan } | { ok: false; errors: LineError[] };

/** Rows planned between two pauses. */
const ROWS_PER_STEP = 200;

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
