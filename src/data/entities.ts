// Entities (docs/usage.md): entity changes with their rules, each recording
// its history entries in its transaction (./history.ts). The rows and the
// page loaders live in ./rows.ts and ./pages.ts, re-exported here.
import type { PreviewNode } from "../domain/display.js";
import { created, entityRowSnapshot, loadEntity, loadScope, removals, updated } from "./change-records.js";
import type { Database, Tx } from "./engine.js";
import { guardWrite, RefusedChange } from "./errors.js";
import { type Author, author, Gone, goneAsNull, recordChanges } from "./history.js";
import { lockEntityScope } from "./history-locks.js";
import { previewEntities } from "./preview.js";
import { type EntityRow, entitySelect, lockRows, whole } from "./rows.js";

export { type EntityPage, getEntityPage, getProjectPage, type ProjectPage } from "./pages.js";
export {
  type CommunicationEnd,
  type CommunicationRow,
  communicationSelect,
  type EntityRow,
  type InterfaceRow,
  lockRows,
  toCommunicationRow,
  whole,
} from "./rows.js";

export interface EntityInput {
  name: string;
  description: string;
  projectId: number;
  locationId: number;
  /** Filter what the entity sends too (docs/usage.md); absent means false. */
  restrictOutgoing?: boolean;
}

export async function getEntity(db: Database, id: number): Promise<EntityRow | null> {
  const row = await db.run((c) => c.entity.findUnique({ where: { id }, select: entitySelect }));
  return whole(row, "project", "location") ? row : null;
}

/** Entities to choose from in forms, labelled `NAME (PROJECT - LOCATION)`. */
export async function listEntities(db: Database, where: { projectId?: number } = {}): Promise<EntityRow[]> {
  const rows = await db.run((c) =>
    c.entity.findMany({
      where,
      select: entitySelect,
      orderBy: [{ project: { name: "asc" } }, { name: "asc" }, { id: "asc" }],
    }),
  );
  return rows.filter((e) => whole(e, "project", "location"));
}

const entityData = (i: EntityInput) => ({
  name: i.name,
  description: i.description,
  projectId: i.projectId,
  locationId: i.locationId,
  // Absent: a new entity takes the default (off), an edited one keeps its setting.
  ...(i.restrictOutgoing === undefined ? {} : { restrictOutgoing: i.restrictOutgoing }),
});

export const projectGone = () =>
  new RefusedChange("project", "This project no longer exists: choose another from the list.");
const locationGone = () =>
  new RefusedChange("location", "This location no longer exists: choose another from the list.");
/** A foreign key failure by column; SQLite does not name it, and the project is checked first. */
export const parentGone = (column: string) => (column === "locationId" ? locationGone() : projectGone());

/** The entity's project and location still exist: checked inside the transaction that writes. */
async function checkParents(tx: Tx, input: EntityInput): Promise<void> {
  if ((await tx.project.count({ where: { id: input.projectId } })) === 0) throw projectGone();
  if ((await tx.location.count({ where: { id: input.locationId } })) === 0) throw locationGone();
}

/** Creates an entity with its history entry; a project or location deleted meanwhile is a RefusedChange. */
export async function createEntity(db: Database, input: EntityInput): Promise<EntityRow> {
  const by = author(db.engine);
  const row = await guardWrite(() => db.transaction((tx) => createEntityIn(tx, by, input)), parentGone);
  if (!row) throw projectGone();
  return row;
}

/** createEntity's work inside a transaction the caller holds (./entity-interfaces.ts). */
export async function createEntityIn(tx: Tx, by: Author, input: EntityInput): Promise<EntityRow> {
  await checkParents(tx, input);
  const saved = await tx.entity.create({ data: entityData(input), select: entitySelect });
  if (!whole(saved, "project", "location")) throw projectGone();
  await recordChanges(tx, by, [created(entityRowSnapshot(saved))]);
  return saved;
}

/** Why an entity cannot change project (docs/usage.md); the message is the form's. */
export class EntityMoveError extends RefusedChange {
  constructor() {
    super("project", "The entity cannot move while it has communications in its current project.");
  }
}

/**
 * Updates an entity; null when it is gone. It may change project only while
 * no communication involves it (docs/usage.md); the checks and the update run
 * in one transaction.
 */
export async function updateEntity(db: Database, id: number, input: EntityInput): Promise<EntityRow | null> {
  const by = author(db.engine);
  return goneAsNull(() =>
    guardWrite(
      () =>
        db.transaction(async (tx) => {
          await lockRows(tx, db.engine, "Entity", [id], "UPDATE");
          return updateEntityIn(tx, by, id, input);
        }),
      parentGone,
    ),
  );
}

/**
 * updateEntity's work inside a transaction the caller holds, the entity row
 * already locked (./entity-interfaces.ts); null when it is gone.
 */
export async function updateEntityIn(tx: Tx, by: Author, id: number, input: EntityInput): Promise<EntityRow | null> {
  const before = await loadEntity(tx, id);
  if (!before) return null;
  await checkParents(tx, input);
  if (before.projectId !== input.projectId) {
    const involved = await tx.communication.count({
      where: { OR: [{ source: { entityId: id } }, { destination: { entityId: id } }] },
    });
    if (involved > 0) throw new EntityMoveError();
  }
  const saved = await tx.entity.update({ where: { id }, data: entityData(input), select: entitySelect });
  // Its project or location deleted meanwhile (PostgreSQL): the entity is going too; nothing is written.
  if (!whole(saved, "project", "location")) throw new Gone();
  await recordChanges(tx, by, updated(before, entityRowSnapshot(saved)));
  return saved;
}

/** What the entity's deletion takes along (docs/usage.md); null when it is gone. */
export async function entityDeletionPreview(db: Database, id: number): Promise<PreviewNode[] | null> {
  const [entity] = await db.run((c) => previewEntities(c, { id }, [{ id: "asc" }]));
  return entity ? entity.children : null;
}

/** Deletes the entity with its interfaces and their communications, a history entry for each; false when it was gone. */
export async function deleteEntity(db: Database, id: number): Promise<boolean> {
  const by = author(db.engine);
  const done = await guardWrite(() =>
    db.transaction(async (tx) => {
      await lockEntityScope(tx, db.engine, id);
      const removal = await loadScope(tx, { entity: { id } });
      if (removal.entities.length === 0) return false;
      await recordChanges(tx, by, removals(removal));
      const interfaces = { entityId: id };
      await tx.communication.deleteMany({ where: { OR: [{ source: interfaces }, { destination: interfaces }] } });
      await tx.interface.deleteMany({ where: interfaces });
      await tx.entity.delete({ where: { id } });
      return true;
    }),
  );
  return done ?? false;
}
