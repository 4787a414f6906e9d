// The change history (docs/usage.md "Change history"): entries written in the
// transaction of their change, and the pages that list them newest first.
// What an entry records is built in ./change-records.ts.
import { type ChangeAction, changedFields, type FieldChange, type ObjectType, parseFields } from "../domain/changes.js";
import type { Prisma } from "../generated/sqlite/client.js";
import { currentActor } from "./actor.js";
import type { ChangeRecord } from "./change-records.js";
import type { Database, Engine, Tx } from "./engine.js";

export type { ChangeRecord } from "./change-records.js";

/** The actor and time every entry of one transaction shares, and the engine it writes to. */
export interface Author {
  actor: string;
  time: Date;
  engine: Engine;
}

/** Who writes, and when: call before the transaction, in the caller's context. */
export function author(engine: Engine): Author {
  return { actor: currentActor(), time: new Date(), engine };
}

const COLUMNS = [
  "time",
  "actor",
  "action",
  "objectType",
  "objectId",
  "display",
  "projectId",
  "entityId",
  "peerEntityId",
  "before",
  "after",
] as const;

/**
 * Entries per statement: 5,500 bound values, well under SQLite's 32,766 and
 * PostgreSQL's 65,535. A large cascade or import writes them in batches.
 */
export const ENTRY_CHUNK = 500;

/** One INSERT of many rows, its placeholders written per engine. */
function insertStatement(engine: Engine, rows: number): string {
  let n = 0;
  const row = () => `(${COLUMNS.map(() => (engine === "postgresql" ? `$${++n}` : "?")).join(", ")})`;
  const values = Array.from({ length: rows }, row).join(", ");
  return `INSERT INTO "ChangeEntry" (${COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES ${values}`;
}

/**
 * Thrown inside a write's transaction when its row turns out to be gone
 * (PostgreSQL reads a relation deleted meanwhile as null): the transaction
 * rolls back, so no change is left without its entry, and goneAsNull answers null.
 */
export class Gone extends Error {
  constructor() {
    super("gone");
  }
}

export async function goneAsNull<T>(write: () => Promise<T | null>): Promise<T | null> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof Gone) return null;
    throw error;
  }
}

/**
 * Writes the entries of changes made in `tx`; they commit or roll back with
 * them. One multi-row INSERT per batch rather than Prisma's createMany, which
 * spent about seven times as long per entry (a 20,000-row import's history:
 * 17.6 s against 2.6 s on a loaded machine), more than the import's own rows.
 */
export async function recordChanges(tx: Tx, by: Author, records: readonly ChangeRecord[]): Promise<void> {
  // The time as Prisma writes a DateTime: ISO text on SQLite, a timestamp on PostgreSQL.
  const time = by.engine === "postgresql" ? by.time : by.time.toISOString().replace("Z", "+00:00");
  for (let i = 0; i < records.length; i += ENTRY_CHUNK) {
    const part = records.slice(i, i + ENTRY_CHUNK);
    const values = part.flatMap((r) => [
      time,
      by.actor,
      r.action,
      r.objectType,
      r.objectId,
      r.display,
      r.projectId,
      r.entityId,
      r.peerEntityId,
      r.before === null ? null : JSON.stringify(r.before),
      r.after === null ? null : JSON.stringify(r.after),
    ]);
    await tx.$executeRawUnsafe(insertStatement(by.engine, part.length), ...values);
  }
}

/** The filters of the history pages; `to` is the last day included. */
export interface ChangeFilter {
  projectId?: number;
  /** The entity's own changes, its interfaces' and those of the communications at either end. */
  entityId?: number;
  objectType?: ObjectType;
  actor?: string;
  /** `YYYY-MM-DD`, UTC. */
  from?: string;
  to?: string;
  /** The page of entries older than this id. */
  before?: number;
}

export interface ChangeView {
  id: number;
  time: Date;
  actor: string;
  action: ChangeAction;
  objectType: ObjectType;
  objectId: number;
  display: string;
  projectId: number | null;
  entityId: number | null;
  /** The fields that changed, old → new. */
  fields: FieldChange[];
}

export interface ChangePage {
  entries: ChangeView[];
  /** The id to ask for the next (older) page with, when there is one. */
  older?: number;
}

export const PAGE_SIZE = 50;

const dayStart = (day: string) => new Date(`${day}T00:00:00.000Z`);
const nextDay = (day: string) => new Date(dayStart(day).getTime() + 86_400_000);

function whereOf(f: ChangeFilter): Prisma.ChangeEntryWhereInput {
  const and: Prisma.ChangeEntryWhereInput[] = [];
  if (f.projectId !== undefined) and.push({ projectId: f.projectId });
  if (f.entityId !== undefined) and.push({ OR: [{ entityId: f.entityId }, { peerEntityId: f.entityId }] });
  if (f.objectType !== undefined) and.push({ objectType: f.objectType });
  if (f.actor !== undefined) and.push({ actor: f.actor });
  if (f.from !== undefined) and.push({ time: { gte: dayStart(f.from) } });
  if (f.to !== undefined) and.push({ time: { lt: nextDay(f.to) } });
  if (f.before !== undefined) and.push({ id: { lt: f.before } });
  return { AND: and };
}

/** A page of entries, newest first, in one statement. */
export async function listChanges(db: Database, filter: ChangeFilter, size = PAGE_SIZE): Promise<ChangePage> {
  const rows = await db.run((c) =>
    c.changeEntry.findMany({ where: whereOf(filter), orderBy: { id: "desc" }, take: size + 1 }),
  );
  const entries = rows.slice(0, size).map(
    (r): ChangeView => ({
      id: r.id,
      time: r.time,
      actor: r.actor,
      action: r.action as ChangeAction,
      objectType: r.objectType as ObjectType,
      objectId: r.objectId,
      display: r.display,
      projectId: r.projectId,
      entityId: r.entityId,
      fields: changedFields(r.objectType as ObjectType, parseFields(r.before), parseFields(r.after)),
    }),
  );
  return rows.length > size ? { entries, older: entries.at(-1)?.id } : { entries };
}

let missing = 0;

/**
 * A token that changes whenever a change to a content table (projects down to
 * communications, deployments, rule files, the change history: everything but
 * accounts and sessions) is committed, so pages built from those rows can be
 * cached under it. It is the DataRevision row, bumped by triggers in the
 * writer's own transaction (prisma/migrations/…_data_revision): the server,
 * the CLI, another process and SQL run by hand all bump it, which code in one
 * process could not promise, and it is read as one row by its primary key. A
 * missing row (deleted by hand) gives a new token on every call, so nothing
 * is served from a cache that could no longer tell a change.
 */
export async function dataRevision(db: Database): Promise<string> {
  const [row] = await db.lookup<{ value: number | bigint | string }>(
    'SELECT "value" FROM "DataRevision" WHERE "id" = 1',
  );
  return row ? String(row.value) : `missing-${++missing}`;
}
