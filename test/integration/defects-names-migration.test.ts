// The migration that makes project and location names unique regardless of
// case (prisma/**/migrations/*_case_insensitive_project_location_names, issue
// 13 defect 4) on a database that already holds names differing only by case:
// it must apply and keep every row, the oldest with the plain key, and then
// refuse a new case variant (docs/usage.md).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BareDatabase, migrationsUpTo, openBareDatabase } from "../support/migration-steps.js";

const NAME = "case_insensitive_project_location_names";

const ROWS = `INSERT INTO "Project" ("name", "updatedAt") VALUES
  ('Acme', CURRENT_TIMESTAMP), ('ACME', CURRENT_TIMESTAMP), ('Other', CURRENT_TIMESTAMP);
INSERT INTO "Location" ("name", "updatedAt") VALUES
  ('main site', CURRENT_TIMESTAMP), ('Main Site', CURRENT_TIMESTAMP), ('Office', CURRENT_TIMESTAMP)`;
const KEYS = (table: string) => `SELECT "id", "name", "nameKey" FROM "${table}" ORDER BY "id"`;

let db: BareDatabase;
beforeAll(async () => {
  db = await openBareDatabase();
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
