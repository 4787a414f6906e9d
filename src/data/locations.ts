// Locations (docs/usage.md): global, reused by every project.
import type { PreviewNode } from "../domain/display.js";
import type { Database } from "./engine.js";
import { guardWrite } from "./errors.js";
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

export function createLocation(db: Database, input: LocationInput): Promise<LocationRow> {
  return db.run((c) => c.location.create({ data: { name: input.name, description: input.description }, select }));
}

/** Updates a location; null when it is gone. */
export function updateLocation(db: Database, id: number, input: LocationInput): Promise<LocationRow | null> {
  return guardWrite(() =>
    db.run((c) =>
      c.location.update({ where: { id }, data: { name: input.name, description: input.description }, select }),
    ),
  );
}

/** The entities (of every project) the location's deletion takes along, in a fixed number of queries. */
export function locationDeletionPreview(db: Database, id: number): Promise<PreviewNode[]> {
  return db.run((c) =>
    previewEntities(c, { locationId: id }, [{ project: { name: "asc" } }, { name: "asc" }, { id: "asc" }]),
  );
}

/** Deletes the location and every entity in it (of any project), all or nothing; false when it was gone. */
export async function deleteLocation(db: Database, id: number): Promise<boolean> {
  const done = await guardWrite(() =>
    db.transaction(async (tx) => {
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
