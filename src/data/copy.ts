// Copies a whole Conntrackt database into another, empty one of either engine
// (`conntrackt copy`, docs/install.md "Switching from SQLite to PostgreSQL"):
// every table of the schema, ids preserved, in one transaction on the target,
// from one snapshot of the source. Prisma's generic model API does the reading
// and writing, so both engines' types (dates, booleans) convert themselves.
//
// Adding a table to prisma/schema.prisma means adding it to COPIED_TABLES (or,
// with the reason, to NOT_COPIED): until then copyDatabase refuses to run and
// test/integration/sqlite-copy.test.ts fails, so no table is silently left behind.
import { DEFAULT_GROUPS } from "../domain/constants.js";
import { Prisma } from "../generated/sqlite/client.js";
import type { Client, Database, Tx } from "./engine.js";

export interface CopiedTable {
  /** The Prisma model (also the table name: the schema maps none). */
  model: string;
  /** Primary-key columns: rows are read in this order. */
  key: readonly string[];
  /** The autoincrement column, whose PostgreSQL sequence must move past the copied ids. */
  serial?: string;
}

/** The tables copied, parents before the tables that point at them. */
export const COPIED_TABLES: readonly CopiedTable[] = [
  { model: "Project", key: ["id"], serial: "id" },
  { model: "Location", key: ["id"], serial: "id" },
  { model: "Entity", key: ["id"], serial: "id" },
  { model: "Interface", key: ["id"], serial: "id" },
  { model: "Communication", key: ["id"], serial: "id" },
  { model: "RuleFile", key: ["hash"] },
  { model: "RuleSnapshot", key: ["id"], serial: "id" },
  { model: "SnapshotEntity", key: ["snapshotId", "entityId"] },
  { model: "Deployment", key: ["id"], serial: "id" },
  { model: "User", key: ["id"], serial: "id" },
  { model: "Group", key: ["id"], serial: "id" },
  { model: "UserGroup", key: ["userId", "groupId"] },
  { model: "UserPermission", key: ["userId", "code"] },
  { model: "GroupPermission", key: ["groupId", "code"] },
  { model: "ApiToken", key: ["id"], serial: "id" },
  { model: "ChangeEntry", key: ["id"], serial: "id" },
];

/** Tables left out on purpose, and why (docs/install.md says the same). */
export const NOT_COPIED: Readonly<Record<string, string>> = {
  Session:
    "log-in sessions belong to the server that issued them (its cookies and SESSION_SECRET); users log in again on the new database",
  LoginAttempt: "failed log-in counters expire within minutes and start again from zero",
  DataRevision:
    "the cache key of the target's pages: the target's own row, which its triggers bump as the copied rows go in",
};

/** Models of the schema the copier does not know, and names it knows that the schema lacks. */
export function unhandledModels(): string[] {
  const schema: string[] = Object.values(Prisma.ModelName);
  const known = [...COPIED_TABLES.map((t) => t.model), ...Object.keys(NOT_COPIED)];
  return [
    ...schema.filter((m) => !known.includes(m)).map((m) => `${m} (in the schema, not handled by the copy)`),
    ...known.filter((m) => !schema.includes(m)).map((m) => `${m} (handled by the copy, not in the schema)`),
  ];
}

/** A refusal with a one-line reason; nothing was written. */
export class CopyError extends Error {}

export interface CopyResult {
  tables: { model: string; rows: number }[];
  rows: number;
}

type Row = Record<string, unknown>;
/** The part of every Prisma model delegate the copy uses. */
interface ModelDelegate {
  findMany(args: { orderBy: Record<string, "asc">[] }): Promise<Row[]>;
  createMany(args: { data: Row[] }): Promise<{ count: number }>;
  count(): Promise<number>;
  deleteMany(): Promise<{ count: number }>;
}

// The generated clients type each delegate separately; the copy treats them alike.
const delegate = (client: Client | Tx, model: string): ModelDelegate =>
  (client as unknown as Record<string, ModelDelegate>)[model.charAt(0).toLowerCase() + model.slice(1)] as ModelDelegate;

/** Rows per INSERT: well under both engines' limits on bound parameters. */
const CHUNK = 500;

/**
 * Copies every table of `source` (open it read-only: its transaction is then a
 * snapshot that takes no write lock) into `target`, which must be migrated to
 * the same version and empty. `progress` is called after each table.
 */
export async function copyDatabase(
  source: Database,
  target: Database,
  progress?: (done: number, total: number, model: string) => void,
): Promise<CopyResult> {
  const unhandled = unhandledModels();
  if (unhandled.length > 0) throw new CopyError(`this version cannot copy every table: ${unhandled.join("; ")}`);
  const rows = await source.transaction(async (tx) => {
    const out = new Map<string, Row[]>();
    for (const table of COPIED_TABLES) {
      out.set(
        table.model,
        await delegate(tx, table.model).findMany({ orderBy: table.key.map((k) => ({ [k]: "asc" })) }),
      );
    }
    return out;
  });
  return target.transaction(async (tx) => {
    await makeRoom(tx);
    const tables: CopyResult["tables"] = [];
    for (const [index, table] of COPIED_TABLES.entries()) {
      const data = rows.get(table.model) ?? [];
      const model = delegate(tx, table.model);
      for (let i = 0; i < data.length; i += CHUNK) await model.createMany({ data: data.slice(i, i + CHUNK) });
      const count = await model.count();
      if (count !== data.length) throw new CopyError(`${table.model}: ${count} rows written for ${data.length} read`);
      if (target.engine === "postgresql" && table.serial) await resetSequence(tx, table.model, table.serial);
      tables.push({ model: table.model, rows: data.length });
      progress?.(index + 1, COPIED_TABLES.length, table.model);
    }
    return { tables, rows: tables.reduce((n, t) => n + t.rows, 0) };
  });
}

/**
 * Refuses a target holding data. The default groups that `conntrackt migrate`
 * or a first start creates (untouched, nobody in them) do not count: they are
 * removed, and the source's groups take their place.
 */
async function makeRoom(tx: Tx): Promise<void> {
  const filled: string[] = [];
  for (const { model } of COPIED_TABLES) {
    if (model === "Group" || model === "GroupPermission") continue;
    const count = await delegate(tx, model).count();
    if (count > 0) filled.push(`${count} ${model}`);
  }
  const groups = await tx.group.findMany({ select: { name: true, permissions: { select: { code: true } } } });
  const pristine = groups.every((g) => {
    const codes = DEFAULT_GROUPS[g.name];
    const have = g.permissions.map((p) => p.code).sort();
    return codes !== undefined && have.join() === [...codes].sort().join();
  });
  if (!pristine) filled.push(`${groups.length} Group`);
  if (filled.length > 0) {
    throw new CopyError(
      `the target database is not empty (${filled.join(", ")} rows); copy only into a new, empty database`,
    );
  }
  await tx.groupPermission.deleteMany();
  await tx.group.deleteMany();
}

/** Explicit ids leave a PostgreSQL sequence where it was: move it past the largest. */
async function resetSequence(tx: Tx, model: string, column: string): Promise<void> {
  await tx.$queryRawUnsafe(
    `SELECT setval(pg_get_serial_sequence('"${model}"', '${column}'), COALESCE(MAX("${column}"), 0) + 1, false) FROM "${model}"`,
  );
}
