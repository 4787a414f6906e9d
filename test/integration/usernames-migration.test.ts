// The migration that makes user names unique regardless of case
// (prisma/**/migrations/*_case_insensitive_usernames_login_attempts) on a
// database that already holds names differing only by case: it must apply,
// keep both accounts, and log each in by its exact name (docs/usage.md).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsDir } from "../../src/data/migrate.js";
import { testEngine } from "../support/app.js";
import { createPgDatabase, dropPgDatabase, pgAdminUrl, randomDatabaseName } from "../support/postgres.js";

const NAME = "case_insensitive_usernames_login_attempts";

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

const USERS = `INSERT INTO "User" ("username", "passwordHash", "updatedAt") VALUES
  ('admin', 'h1', CURRENT_TIMESTAMP), ('Admin', 'h2', CURRENT_TIMESTAMP), ('Bob', 'h3', CURRENT_TIMESTAMP)`;
const KEYS = `SELECT "id", "username", "usernameKey" FROM "User" ORDER BY "id"`;
const EXPECTED = [
  { id: 1, username: "admin", usernameKey: "admin" },
  { id: 2, username: "Admin", usernameKey: "admin#2" },
  { id: 3, username: "Bob", usernameKey: "bob" },
];

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
  it("keeps accounts that differ only by case and makes new ones unique regardless of case", async () => {
    const { before, ours } = migrationsUpTo(NAME);
    for (const sql of before) await db.exec(sql);
    await db.exec(USERS);
    await db.exec(ours);
    expect(await db.rows(KEYS)).toEqual(EXPECTED);
    await expect(
      db.exec(`INSERT INTO "User" ("username", "usernameKey", "passwordHash", "updatedAt")
               VALUES ('BOB', 'bob', 'h4', CURRENT_TIMESTAMP)`),
    ).rejects.toThrow(/unique/i);
  });
});
