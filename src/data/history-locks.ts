// Row locks that keep a change and its history entry in step on PostgreSQL
// (docs/architecture.md). Its READ COMMITTED transactions let another one
// commit between reading what a change is about to remove and removing it: a
// communication added to a project being deleted would go with the cascade
// but not into the history. A deletion therefore locks its scope FOR UPDATE
// from the top down (the project or location, its entities, their
// interfaces): adding a row below a locked one waits for the deletion (the
// foreign key takes a KEY SHARE lock), and rows committed before are seen by
// the read that follows. An update locks its row so the "before" it records
// is the row it changes. SQLite's queue already runs one transaction at a time.
import type { Engine, Tx } from "./engine.js";

type Locked = "Project" | "Location" | "Entity" | "Interface" | "Communication";

const TABLE_OF: Record<"project" | "location", Locked> = { project: "Project", location: "Location" };

async function lock(tx: Tx, engine: Engine, sql: string, id: number): Promise<void> {
  if (engine !== "postgresql") return;
  await tx.$queryRawUnsafe(sql, id);
}

/** Locks one row FOR UPDATE (PostgreSQL). */
export function lockRow(tx: Tx, engine: Engine, table: Locked, id: number): Promise<void> {
  return lock(tx, engine, `SELECT id FROM "${table}" WHERE id = $1 FOR UPDATE`, id);
}

/** Locks a project or location, then its entities, then their interfaces (PostgreSQL). */
export async function lockParentScope(tx: Tx, engine: Engine, kind: "project" | "location", id: number) {
  const column = kind === "project" ? "projectId" : "locationId";
  await lockRow(tx, engine, TABLE_OF[kind], id);
  await lock(tx, engine, `SELECT id FROM "Entity" WHERE "${column}" = $1 ORDER BY id FOR UPDATE`, id);
  await lock(
    tx,
    engine,
    `SELECT i.id FROM "Interface" i JOIN "Entity" e ON e.id = i."entityId" WHERE e."${column}" = $1 ORDER BY i.id FOR UPDATE OF i`,
    id,
  );
}

/** Locks an entity, then its interfaces (PostgreSQL). */
export async function lockEntityScope(tx: Tx, engine: Engine, id: number) {
  await lockRow(tx, engine, "Entity", id);
  await lock(tx, engine, `SELECT id FROM "Interface" WHERE "entityId" = $1 ORDER BY id FOR UPDATE`, id);
}
