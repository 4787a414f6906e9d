// The migration that makes user names unique regardless of case
// (prisma/**/migrations/*_case_insensitive_usernames_login_attempts) on a
// database that already holds names differing only by case: it must apply,
// keep both accounts, and log each in by its exact name (docs/usage.md).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BareDatabase, migrationsUpTo, openBareDatabase } from "../support/migration-steps.js";

const NAME = "case_insensitive_usernames_login_attempts";

const USERS = `INSERT INTO "User" ("username", "passwordHash", "updatedAt") VALUES
  ('admin', 'h1', CURRENT_TIMESTAMP), ('Admin', 'h2', CURRENT_TIMESTAMP), ('Bob', 'h3', CURRENT_TIMESTAMP)`;
const KEYS = `SELECT "id", "username", "usernameKey" FROM "User" ORDER BY "id"`;
const EXPECTED = [
  { id: 1, username: "admin", usernameKey: "admin" },
  { id: 2, username: "Admin", usernameKey: "admin#2" },
  { id: 3, username: "Bob", usernameKey: "bob" },
];

let db: BareDatabase;
beforeAll(async () => {
  db = await openBareDatabase();
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
