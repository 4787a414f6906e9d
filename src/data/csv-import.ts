// Applies a CSV import (src/domain/csv-import.ts) in ONE transaction: the
// project's current state is read, the plan is made and written inside the
// same transaction, so nothing can change in between, and any problem (a bad
// line, a clash with a concurrent writer) leaves the database untouched.
//
// A project named on the command line that does not exist is created with the
// import (someone moving off a spreadsheet starts with no project); the web
// page always imports into the project it belongs to.
//
// Every row written gets its change history entry in the same transaction,
// batch by batch (./import-history.ts).
//
// The transaction holds the SQLite queue, but not the event loop: planning
// runs in slices and each batch of writes starts on a turn of its own, so other
// requests (those that need no database: pages from the cache, static files)
// go on meanwhile (docs/architecture.md).
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Protocol } from "../domain/constants.js";
import {
  type CsvImportOptions,
  type CsvImportState,
  type CsvRow,
  type InterfaceKey,
  type LineError,
  planCsvImportSteps,
  runStepsInSlices,
  sortLineErrors,
} from "../domain/csv-import.js";
import { nameKeyOf } from "../domain/name-key.js";
import type { Database, Tx } from "./engine.js";
import { uniqueViolationFields } from "./errors.js";
import { author } from "./history.js";
import { importRecorder } from "./import-history.js";

// Rows per statement: Prisma and better-sqlite3 run one statement synchronously,
// about 0.15 ms a row on a busy machine (createManyAndReturn several times
// that), so a batch stays near 15 ms of event loop.
const CHUNK = 100;
const RETURNING_CHUNK = 20;

export interface CsvImportSummary {
  projectId: number;
  projectCreated: boolean;
  locations: number;
  entities: number;
  interfaces: number;
  communications: number;
  /** Rows whose communication was recorded already. */
  alreadyRecorded: number;
}

export type CsvImportResult = { ok: true; summary: CsvImportSummary } | { ok: false; errors: LineError[] };

export interface CsvImportTarget {
  /** The project: by id (the web page) or by name, created when missing (the CLI). */
  project: { id: number } | { name: string };
  rows: readonly CsvRow[];
  /** Problems already found in the rows' fields: the rows are still planned, to report everything, but nothing is written. */
  errors?: readonly LineError[];
  options: CsvImportOptions;
}

/** Thrown inside the transaction to roll it back. */
class Refused extends Error {
  constructor(readonly errors: LineError[]) {
    super("refused");
  }
}

async function loadState(tx: Tx, projectId: number | null): Promise<CsvImportState & { ids: StateIds }> {
  const locations = await tx.location.findMany({ select: { id: true, name: true } });
  const ids: StateIds = {
    locations: new Map(locations.map((l) => [l.name, l.id])),
    entities: new Map(),
    interfaces: new Map(),
  };
  if (projectId === null) return { entities: [], communications: [], locations: locations.map((l) => l.name), ids };
  const entities = await tx.entity.findMany({
    where: { projectId },
    select: {
      id: true,
      name: true,
      location: { select: { name: true } },
      interfaces: { select: { id: true, name: true, address: true, netmask: true } },
    },
  });
  const endpoint = { select: { address: true, netmask: true, entity: { select: { name: true } } } } as const;
  const communications = await tx.communication.findMany({
    where: { source: { entity: { projectId } } },
    select: { protocol: true, port: true, portEnd: true, source: endpoint, destination: endpoint },
  });
  for (const e of entities) {
    ids.entities.set(e.name, e.id);
    for (const i of e.interfaces)
      ids.interfaces.set(key({ entity: e.name, address: i.address, netmask: i.netmask }), i.id);
  }
  const toKey = (end: (typeof communications)[number]["source"]): InterfaceKey => ({
    entity: end.entity.name,
    address: end.address,
    netmask: end.netmask,
  });
  return {
    entities: entities.map((e) => ({
      name: e.name,
      location: e.location.name,
      interfaces: e.interfaces.map((i) => ({ name: i.name, address: i.address, netmask: i.netmask })),
    })),
    communications: communications.map((c) => ({
      source: toKey(c.source),
      destination: toKey(c.destination),
      protocol: c.protocol as Protocol,
      port: c.port,
      portEnd: c.portEnd,
    })),
    locations: locations.map((l) => l.name),
    ids,
  };
}

interface StateIds {
  locations: Map<string, number>;
  entities: Map<string, number>;
  interfaces: Map<string, number>;
}

const key = (k: InterfaceKey) => JSON.stringify([k.entity, k.address, k.netmask]);

/** The items in batches, each batch handed out on a turn of the event loop of its own. */
async function* chunks<T>(items: readonly T[], size = CHUNK): AsyncGenerator<T[]> {
  for (let i = 0; i < items.length; i += size) {
    await nextTurn();
    yield items.slice(i, i + size);
  }
}

/** Plans and writes a CSV import in one transaction; on any problem nothing is written. */
export async function importCsvRows(db: Database, target: CsvImportTarget): Promise<CsvImportResult> {
  // A file that could not be read has no rows to plan: no need to wait for the database.
  if (target.rows.length === 0 && target.errors !== undefined && target.errors.length > 0) {
    return { ok: false, errors: sortLineErrors(target.errors) };
  }
  const by = author(db.engine);
  try {
    const summary = await db.transaction(async (tx) => {
      const history = importRecorder(tx, by);
      let projectId: number | null;
      if ("id" in target.project) {
        projectId = target.project.id;
      } else {
        // Names are unique regardless of case: `acme` finds the project `Acme`.
        const found = await tx.project.findUnique({
          where: { nameKey: nameKeyOf(target.project.name) },
          select: { id: true },
        });
        projectId = found?.id ?? null;
      }
      const state = await loadState(tx, projectId);
      const planned = await runStepsInSlices(planCsvImportSteps(target.rows, state, target.options), nextTurn);
      const errors = [...(target.errors ?? []), ...(planned.ok ? [] : planned.errors)];
      if (errors.length > 0 || !planned.ok) throw new Refused(sortLineErrors(errors));
      const { plan } = planned;

      let projectCreated = false;
      if (projectId === null) {
        const name = "name" in target.project ? target.project.name : "";
        const project = await tx.project.create({
          data: { name, nameKey: nameKeyOf(name) },
          select: { id: true, name: true, description: true },
        });
        await history.project(project);
        projectId = project.id;
        projectCreated = true;
      }
      const { ids } = state;
      // A "new" location differing from an existing one only by case is that
      // location: names are unique regardless of case.
      const existingByKey = new Map([...ids.locations].map(([name, id]) => [nameKeyOf(name), id]));
      const newLocations = plan.newLocations.filter((name) => {
        const id = existingByKey.get(nameKeyOf(name));
        if (id !== undefined) ids.locations.set(name, id);
        return id === undefined;
      });
      if (newLocations.length > 0) {
        const rows = await tx.location.createManyAndReturn({
          data: newLocations.map((name) => ({ name, nameKey: nameKeyOf(name) })),
          select: { id: true, name: true, description: true },
        });
        for (const r of rows) ids.locations.set(r.name, r.id);
        await history.locations(rows);
      }
      const pid = projectId;
      for await (const part of chunks(plan.newEntities, RETURNING_CHUNK)) {
        const rows = await tx.entity.createManyAndReturn({
          data: part.map((e) => ({ name: e.name, projectId: pid, locationId: lookup(ids.locations, e.location) })),
          select: { id: true, name: true, description: true, restrictOutgoing: true },
        });
        for (const r of rows) ids.entities.set(r.name, r.id);
        const locationOf = new Map(part.map((e) => [e.name, e.location]));
        await history.entities(
          pid,
          rows.map((r) => ({ ...r, location: locationOf.get(r.name) ?? "" })),
        );
      }
      const entityNames = new Map([...ids.entities].map(([name, id]) => [id, name]));
      for await (const part of chunks(plan.newInterfaces, RETURNING_CHUNK)) {
        const rows = await tx.interface.createManyAndReturn({
          data: part.map((i) => ({
            name: i.name,
            address: i.address,
            netmask: i.netmask,
            entityId: lookup(ids.entities, i.entity),
          })),
          select: { id: true, name: true, description: true, entityId: true, address: true, netmask: true },
        });
        const written = rows.map((r) => ({ ...r, entity: entityNames.get(r.entityId) ?? "" }));
        for (const r of written) ids.interfaces.set(key(r), r.id);
        await history.interfaces(pid, written);
      }
      const end = (k: InterfaceKey) => ({ ...k, entityId: lookup(ids.entities, k.entity) });
      for await (const part of chunks(plan.communications)) {
        const data = part.map((c) => ({
          sourceId: lookup(ids.interfaces, key(c.source)),
          destinationId: lookup(ids.interfaces, key(c.destination)),
          protocol: c.protocol,
          port: c.port,
          portEnd: c.portEnd,
          description: c.description,
          requestedBy: c.requestedBy,
          reference: c.reference,
          expires: c.expires,
        }));
        await history.communications(
          pid,
          () =>
            data.map((row, i) => {
              const c = part[i] as (typeof part)[number];
              return { ...row, source: end(c.source), destination: end(c.destination) };
            }),
          () => tx.communication.createMany({ data }),
        );
      }
      return {
        projectId,
        projectCreated,
        locations: newLocations.length,
        entities: plan.newEntities.length,
        interfaces: plan.newInterfaces.length,
        communications: plan.communications.length,
        alreadyRecorded: plan.alreadyRecorded.length,
      };
    });
    return { ok: true, summary };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, errors: error.errors };
    const fields = uniqueViolationFields(error);
    if (fields === null) throw error;
    return {
      ok: false,
      errors: [
        {
          line: 1,
          message:
            "the project changed while importing (another user added the same data); nothing was imported, try again",
        },
      ],
    };
  }
}

function lookup(map: ReadonlyMap<string, number>, name: string): number {
  const id = map.get(name);
  if (id === undefined) throw new Error(`CSV import: ${name} was not written`);
  return id;
}
