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

/**
 * Takes the data revision's row (PostgreSQL) ahead of every other lock of a
 * content write. Its triggers (prisma/postgresql/migrations/…_data_revision)
 * lock it at a transaction's first write to a content table until the
 * transaction ends. A write that had locked rows before would wait for it
 * holding them, and the holder, wanting one of those rows next (a cascade, a
 * foreign key), would deadlock with it (test/integration/races.test.ts). So
 * content writes take turns from their first lock on, as on SQLite.
 */
export async function lockDataRevision(tx: Tx, engine: Engine): Promise<void> {
  if (engine !== "postgresql") return;
  await tx.$queryRawUnsafe(`SELECT "id" FROM "DataRevision" WHERE "id" = 1 FOR NO KEY UPDATE`);
}

/** Locks one row FOR UPDATE (PostgreSQL), after the data revision. */
export async function lockRow(tx: Tx, engine: Engine, table: Locked, id: number): Promise<void> {
  await lockDataRevision(tx, engine);
  await lock(tx, engine, `SELECT id FROM "${table}" WHERE id = $1 FOR UPDATE`, id);
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
