// For tests of one migration on data an older schema allowed: the SQL of the
// migrations up to it, and an empty database of the test engine spoken to in
// plain SQL, without the app's migrator or Prisma.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { migrationsDir } from "../../src/data/migrate.js";
import { testEngine } from "./app.js";
import { createPgDatabase, dropPgDatabase, pgAdminUrl, randomDatabaseName } from "./postgres.js";

/** The SQL of every migration before the one named `name`, in order, and that one's. */
export function migrationsUpTo(name: string): { before: string[]; ours: string } {
  const dir = migrationsDir(testEngine);
  const folders = readdirSync(dir)
    .filter((f) => /^\d{14}_/.test(f))
    .sort();
  const index = folders.findIndex((f) => f.endsWith(`_${name}`));
  if (index < 0) throw new Error(`no migration ${name} in ${dir}`);
  const sql = (f: string) => readFileSync(path.join(dir, f, "migration.sql"), "utf8");
  return { before: folders.slice(0, index).map(sql), ours: sql(folders[index] as string) };
}

export interface BareDatabase {
  exec(sql: string): Promise<void>;
  rows(sql: string): Promise<unknown[]>;
  /** Closes it and removes the file or database. */
  close(): Promise<void>;
}

/** A new, empty database of the test engine (a temporary SQLite file, or a PostgreSQL database). */
export async function openBareDatabase(): Promise<BareDatabase> {
  if (testEngine === "sqlite") {
    const dir = mkdtempSync(path.join(tmpdir(), "conntrackt-migration-"));
    const file = new BetterSqlite3(path.join(dir, "old.db"));
    return {
      exec: async (sql) => void file.exec(sql),
      rows: async (sql) => file.prepare(sql).all(),
      close: async () => {
        file.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const admin = pgAdminUrl();
  const name = randomDatabaseName();
  const client = new pg.Client({ connectionString: await createPgDatabase(admin, name) });
  await client.connect();
  return {
    exec: async (sql) => void (await client.query(sql)),
    rows: async (sql) => (await client.query(sql)).rows,
    close: async () => {
      await client.end();
      await dropPgDatabase(admin, name);
    },
  };
}
