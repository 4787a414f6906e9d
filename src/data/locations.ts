// Locations (docs/usage.md): global, reused by every project.
import type { PreviewNode } from "../domain/display.js";
import type { Database } from "./engine.js";
import { entityPreview, entityPreviewInclude } from "./preview.js";

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

export function updateLocation(db: Database, id: number, input: LocationInput): Promise<LocationRow> {
  return db.run((c) =>
    c.location.update({ where: { id }, data: { name: input.name, description: input.description }, select }),
  );
}

export async function locationDeletionPreview(db: Database, id: number): Promise<PreviewNode[]> {
  const entities = await db.run((c) =>
    c.entity.findMany({
      where: { locationId: id },
      include: entityPreviewInclude,
      orderBy: [{ project: { name: "asc" } }, { name: "asc" }],
    }),
  );
  return entities.map(entityPreview);
}

/** Deletes the location and every entity in it (of any project), all or nothing. */
export async function deleteLocation(db: Database, id: number): Promise<void> {
  await db.transaction(async (tx) => {
    const interfaces = { entity: { locationId: id } };
    await tx.communication.deleteMany({ where: { OR: [{ source: interfaces }, { destination: interfaces }] } });
    await tx.interface.deleteMany({ where: interfaces });
    await tx.entity.deleteMany({ where: { locationId: id } });
    await tx.location.delete({ where: { id } });
  });
}

export function getLocationByName(db: Database, name: string): Promise<LocationRow | null> {
  return db.run((c) => c.location.findUnique({ where: { name }, select }));
}
