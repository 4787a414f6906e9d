// Entities (docs/usage.md): entity changes with their rules. The rows and
// the page loaders live in ./rows.ts and ./pages.ts, re-exported here.
import type { PreviewNode } from "../domain/display.js";
import type { Database, Tx } from "./engine.js";
import { guardWrite, RefusedChange } from "./errors.js";
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

const projectGone = () => new RefusedChange("project", "This project no longer exists: choose another from the list.");
const locationGone = () =>
  new RefusedChange("location", "This location no longer exists: choose another from the list.");
/** A foreign key failure by column; SQLite does not name it, and the project is checked first. */
const parentGone = (column: string) => (column === "locationId" ? locationGone() : projectGone());

/** The entity's project and location still exist: checked inside the transaction that writes. */
async function checkParents(tx: Tx, input: EntityInput): Promise<void> {
  if ((await tx.project.count({ where: { id: input.projectId } })) === 0) throw projectGone();
  if ((await tx.location.count({ where: { id: input.locationId } })) === 0) throw locationGone();
}

/** Creates an entity; a project or location deleted meanwhile is a RefusedChange. */
export async function createEntity(db: Database, input: EntityInput): Promise<EntityRow> {
  const row = await guardWrite(
    () =>
      db.transaction(async (tx) => {
        await checkParents(tx, input);
        return tx.entity.create({ data: entityData(input), select: entitySelect });
      }),
    parentGone,
  );
  if (!row) throw projectGone();
  return row;
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
  return guardWrite(
    () =>
      db.transaction(async (tx) => {
        await lockRows(tx, db.engine, "Entity", [id], "UPDATE");
        const current = await tx.entity.findUnique({ where: { id }, select: { projectId: true } });
        if (!current) return null;
        await checkParents(tx, input);
        if (current.projectId !== input.projectId) {
          const involved = await tx.communication.count({
            where: { OR: [{ source: { entityId: id } }, { destination: { entityId: id } }] },
          });
          if (involved > 0) throw new EntityMoveError();
        }
        const saved = await tx.entity.update({ where: { id }, data: entityData(input), select: entitySelect });
        return whole(saved, "project", "location") ? saved : null;
      }),
    parentGone,
  );
}

/** What the entity's deletion takes along (docs/usage.md); null when it is gone. */
export async function entityDeletionPreview(db: Database, id: number): Promise<PreviewNode[] | null> {
  const [entity] = await db.run((c) => previewEntities(c, { id }, [{ id: "asc" }]));
  return entity ? entity.children : null;
}

/** Deletes the entity with its interfaces and their communications; false when it was gone. */
export async function deleteEntity(db: Database, id: number): Promise<boolean> {
  const done = await guardWrite(() =>
    db.transaction(async (tx) => {
      const interfaces = { entityId: id };
      await tx.communication.deleteMany({ where: { OR: [{ source: interfaces }, { destination: interfaces }] } });
      await tx.interface.deleteMany({ where: interfaces });
      await tx.entity.delete({ where: { id } });
      return true;
    }),
  );
  return done ?? false;
}
