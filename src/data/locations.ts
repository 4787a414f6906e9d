// Locations (docs/usage.md): global, reused by every project. Every change
// records its history entries in its transaction (./history.ts).
import type { PreviewNode } from "../domain/display.js";
import { nameKeyOf } from "../domain/name-key.js";
import { created, deleted, loadLocation, loadScope, locationSnapshot, removals, updated } from "./change-records.js";
import type { Database } from "./engine.js";
import { guardWrite } from "./errors.js";
import { author, recordChanges } from "./history.js";
import { lockParentScope, lockRow } from "./history-locks.js";
import { previewEntities } from "./preview.js";

export interface LocationInput {
  name: string;
  description: string;
}

export interface LocationRow {
  id: number;
  name: string;
  description: string;
}

const select = { id: true, name: true, description: true } as const;

export function listLocations(db: Database): Promise<LocationRow[]> {
  return db.run((c) => c.location.findMany({ select, orderBy: { name: "asc" } }));
}

export function getLocation(db: Database, id: number): Promise<LocationRow | null> {
  return db.run((c) => c.location.findUnique({ where: { id }, select }));
}

/** Creates a location, with its history entry. */
export function createLocation(db: Database, input: LocationInput): Promise<LocationRow> {
  const by = author(db.engine);
  return db.transaction(async (tx) => {
    const row = await tx.location.create({
      data: { name: input.name, nameKey: nameKeyOf(input.name), description: input.description },
      select,
    });
    await recordChanges(tx, by, [created(locationSnapshot(row))]);
    return row;
  });
}

/** Updates a location, with its history entry when a field changed; null when it is gone. */
export function updateLocation(db: Database, id: number, input: LocationInput): Promise<LocationRow | null> {
  const by = author(db.engine);
  return guardWrite(() =>
    db.transaction(async (tx) => {
      await lockRow(tx, db.engine, "Location", id);
      const before = await loadLocation(tx, id);
      if (!before) return null;
      const row = await tx.location.update({
        where: { id },
        data: { name: input.name, nameKey: nameKeyOf(input.name), description: input.description },
        select,
      });
      await recordChanges(tx, by, updated(before, locationSnapshot(row)));
      return row;
    }),
  );
}

/** The entities (of every project) the location's deletion takes along, in a fixed number of queries. */
export function locationDeletionPreview(db: Database, id: number): Promise<PreviewNode[]> {
  return db.run((c) =>
    previewEntities(c, { locationId: id }, [{ project: { name: "asc" } }, { name: "asc" }, { id: "asc" }]),
  );
}

/**
 * Deletes the location and every entity in it (of any project), all or
 * nothing, with a history entry for each object removed; false when it was gone.
 */
export async function deleteLocation(db: Database, id: number): Promise<boolean> {
  const by = author(db.engine);
  const done = await guardWrite(() =>
    db.transaction(async (tx) => {
      await lockParentScope(tx, db.engine, "location", id);
      const location = await loadLocation(tx, id);
      if (!location) return false;
      await recordChanges(tx, by, [
        ...removals(await loadScope(tx, { entity: { locationId: id } })),
        deleted(location),
      ]);
      const interfaces = { entity: { locationId: id } };
      await tx.communication.deleteMany({ where: { OR: [{ source: interfaces }, { destination: interfaces }] } });
      await tx.interface.deleteMany({ where: interfaces });
      await tx.entity.deleteMany({ where: { locationId: id } });
      await tx.location.delete({ where: { id } });
      return true;
    }),
  );
  return done ?? false;
}

export function getLocationByName(db: Database, name: string): Promise<LocationRow | null> {
  return db.run((c) => c.location.findUnique({ where: { name }, select }));
}
