// The migration that makes project and location names unique regardless of
// case (prisma/**/migrations/*_case_insensitive_project_location_names, issue
// 13 defect 4) on a database that already holds names differing only by case:
// it must apply and keep every row, the oldest with the plain key, and then
// refuse a new case variant (docs/usage.md).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsDir } from "../../src/data/migrate.js";
import { testEngine } from "../support/app.js";
import { createPgDatabase, dropPgDatabase, pgAdminUrl, randomDatabaseName } from "../support/postgres.js";

const NAME = "case_insensitive_project_location_names";

/** The SQL of every migration up to and including ours, in order. */
function migrationsUpTo(name: string): { before: string[]; ours: string } {
  const dir = migrationsDir(testEngine);
  const folders = readdirSync(dir)
    .filter((f) => /^\d{14}_/.test(f))
    .sort();
  const index = folders.findIndex((f) => f.endsWith(`_${name}`));
  if (index < 0) throw new Error(`no migration ${name} in ${dir}`);
  const sql = (f: string) => readFileSync(path.join(dir, f, "migration.sql"), "utf8");
  return { before: folders.slice(0, index).map(sql), ours: sql(folders[index] as string) };
}

const ROWS = `INSERT INTO "Project" ("name", "updatedAt") VALUES
  ('Acme', CURRENT_TIMESTAMP), ('ACME', CURRENT_TIMESTAMP), ('Other', CURRENT_TIMESTAMP);
INSERT INTO "Location" ("name", "updatedAt") VALUES
  ('main site', CURRENT_TIMESTAMP), ('Main Site', CURRENT_TIMESTAMP), ('Office', CURRENT_TIMESTAMP)`;
const KEYS = (table: string) => `SELECT "id", "name", "nameKey" FROM "${table}" ORDER BY "id"`;

interface Engine {
  exec(sql: string): Promise<void>;
  rows(sql: string): Promise<unknown[]>;
  close(): Promise<void>;
}

let db: Engine;
beforeAll(async () => {
  if (testEngine === "sqlite") {
    const dir = mkdtempSync(path.join(tmpdir(), "conntrackt-migration-"));
    const file = new BetterSqlite3(path.join(dir, "old.db"));
    db = {
      exec: async (sql) => void file.exec(sql),
      rows: async (sql) => file.prepare(sql).all(),
      close: async () => {
        file.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } else {
    const admin = pgAdminUrl();
    const name = randomDatabaseName();
    const client = new pg.Client({ connectionString: await createPgDatabase(admin, name) });
    await client.connect();
    db = {
      exec: async (sql) => void (await client.query(sql)),
      rows: async (sql) => (await client.query(sql)).rows,
      close: async () => {
        await client.end();
        await dropPgDatabase(admin, name);
      },
    };
  }
});
afterAll(() => db.close());

describe(`migration ${NAME}`, () => {
  it("keeps names that differ only by case and makes new ones unique regardless of case", async () => {
    const { before, ours } = migrationsUpTo(NAME);
    for (const sql of before) await db.exec(sql);
    await db.exec(ROWS);
    await db.exec(ours);
    expect(await db.rows(KEYS("Project"))).toEqual([
      { id: 1, name: "Acme", nameKey: "acme" },
      { id: 2, name: "ACME", nameKey: "acme#2" },
      { id: 3, name: "Other", nameKey: "other" },
    ]);
    expect(await db.rows(KEYS("Location"))).toEqual([
      { id: 1, name: "main site", nameKey: "main site" },
      { id: 2, name: "Main Site", nameKey: "main site#2" },
      { id: 3, name: "Office", nameKey: "office" },
    ]);
    await expect(
      db.exec(`INSERT INTO "Location" ("name", "nameKey", "updatedAt") VALUES ('OFFICE', 'office', CURRENT_TIMESTAMP)`),
    ).rejects.toThrow(/unique/i);
  });
});
