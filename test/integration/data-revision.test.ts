// The data revision (src/data/history.ts dataRevision) that page caches key on:
// database triggers bump it with every committed write to a content table,
// whoever writes (the data layer here, plain SQL as a hand or another process
// would run it), never for a write that rolls back or for accounts and
// sessions; and every table of the migrated database is either content with
// its triggers in place or named below as not content, so a new table, or a
// SQLite table redefinition that dropped its triggers, fails here.
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeployment } from "../../src/data/deployment-store.js";
import { type Database, openDatabase, type Tx } from "../../src/data/engine.js";
import { updateEntity } from "../../src/data/entities.js";
import { dataRevision } from "../../src/data/history.js";
import { deleteProject } from "../../src/data/projects.js";
import { backupDatabase, restoreDatabase } from "../../src/services/backup.js";
import { createTestContext, type TestContext, testEngine } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

/** Tables whose rows pages are built from: each has the triggers of migration …_data_revision. */
const CONTENT = [
  "Project",
  "Location",
  "Entity",
  "Interface",
  "Communication",
  "Deployment",
  "RuleSnapshot",
  "SnapshotEntity",
  "RuleFile",
  "ChangeEntry",
];
/** Accounts, sessions and log-in counters: written on every log-in and request, they change no page's data. */
const NOT_CONTENT = [
  "User",
  "Group",
  "UserGroup",
  "UserPermission",
  "GroupPermission",
  "Session",
  "ApiToken",
  "LoginAttempt",
];
/** The revision itself and Prisma's migration history. */
const BOOKKEEPING = ["DataRevision", "_prisma_migrations"];

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const revision = () => dataRevision(ctx.db);
const exec = (sql: string) => ctx.db.run((c) => c.$executeRawUnsafe(sql));

/** Runs `write` and expects it to move the revision forward; answers the new one. */
async function bumps(write: () => Promise<unknown>, what: string): Promise<string> {
  const before = await revision();
  await write();
  const after = await revision();
  expect(BigInt(after), `${what} did not change the data revision`).toBeGreaterThan(BigInt(before));
  return after;
}

// One row of each content table, parents first; ids far above the fixtures'.
const rows: { table: string; insert: string; update: string; remove: string }[] = [
  {
    table: "Project",
    insert: `INSERT INTO "Project" ("id", "name", "nameKey", "updatedAt") VALUES (9001, 'Raw', 'raw', CURRENT_TIMESTAMP)`,
    update: `UPDATE "Project" SET "description" = 'changed' WHERE "id" = 9001`,
    remove: `DELETE FROM "Project" WHERE "id" = 9001`,
  },
  {
    table: "Location",
    insert: `INSERT INTO "Location" ("id", "name", "nameKey", "updatedAt") VALUES (9001, 'Raw', 'raw', CURRENT_TIMESTAMP)`,
    update: `UPDATE "Location" SET "description" = 'changed' WHERE "id" = 9001`,
    remove: `DELETE FROM "Location" WHERE "id" = 9001`,
  },
  {
    table: "Entity",
    insert: `INSERT INTO "Entity" ("id", "name", "projectId", "locationId", "updatedAt") VALUES (9001, 'raw', 9001, 9001, CURRENT_TIMESTAMP)`,
    update: `UPDATE "Entity" SET "description" = 'changed' WHERE "id" = 9001`,
    remove: `DELETE FROM "Entity" WHERE "id" = 9001`,
  },
  {
    table: "Interface",
    insert: `INSERT INTO "Interface" ("id", "entityId", "address", "updatedAt") VALUES (9001, 9001, '10.9.0.1', CURRENT_TIMESTAMP)`,
    update: `UPDATE "Interface" SET "description" = 'changed' WHERE "id" = 9001`,
    remove: `DELETE FROM "Interface" WHERE "id" = 9001`,
  },
  {
    table: "Communication",
    insert: `INSERT INTO "Communication" ("id", "sourceId", "destinationId", "protocol", "port", "portEnd", "updatedAt") VALUES (9001, 9001, 9001, 'TCP', 22, 22, CURRENT_TIMESTAMP)`,
    update: `UPDATE "Communication" SET "description" = 'changed' WHERE "id" = 9001`,
    remove: `DELETE FROM "Communication" WHERE "id" = 9001`,
  },
  {
    table: "RuleFile",
    insert: `INSERT INTO "RuleFile" ("hash", "text") VALUES ('raw9001', 'text')`,
    update: `UPDATE "RuleFile" SET "text" = 'changed' WHERE "hash" = 'raw9001'`,
    remove: `DELETE FROM "RuleFile" WHERE "hash" = 'raw9001'`,
  },
  {
    table: "RuleSnapshot",
    insert: `INSERT INTO "RuleSnapshot" ("id", "hash", "entityCount") VALUES (9001, 'raw9001', 1)`,
    update: `UPDATE "RuleSnapshot" SET "entityCount" = 2 WHERE "id" = 9001`,
    remove: `DELETE FROM "RuleSnapshot" WHERE "id" = 9001`,
  },
  {
    table: "SnapshotEntity",
    insert: `INSERT INTO "SnapshotEntity" ("snapshotId", "entityId", "entityName", "iptablesHash", "ip6tablesHash", "nftablesHash") VALUES (9001, 9001, 'raw', 'raw9001', 'raw9001', 'raw9001')`,
    update: `UPDATE "SnapshotEntity" SET "entityName" = 'changed' WHERE "snapshotId" = 9001`,
    remove: `DELETE FROM "SnapshotEntity" WHERE "snapshotId" = 9001`,
  },
  {
    table: "Deployment",
    insert: `INSERT INTO "Deployment" ("id", "projectId", "actor", "snapshotId") VALUES (9001, 9001, 'raw', 9001)`,
    update: `UPDATE "Deployment" SET "note" = 'changed' WHERE "id" = 9001`,
    remove: `DELETE FROM "Deployment" WHERE "id" = 9001`,
  },
  {
    table: "ChangeEntry",
    insert: `INSERT INTO "ChangeEntry" ("id", "actor", "action", "objectType", "objectId", "display") VALUES (9001, 'raw', 'create', 'project', 9001, 'Raw')`,
    update: `UPDATE "ChangeEntry" SET "display" = 'changed' WHERE "id" = 9001`,
    remove: `DELETE FROM "ChangeEntry" WHERE "id" = 9001`,
  },
];

/** The statements of one table's row. */
function sqlOf(table: string) {
  const row = rows.find((r) => r.table === table);
  if (!row) throw new Error(`no row for ${table}`);
  return row;
}

describe("the data revision", () => {
  it("is read as the one row's value", async () => {
    const [row] = await ctx.db.run((c) =>
      c.$queryRawUnsafe<{ value: unknown }[]>(`SELECT "value" FROM "DataRevision" WHERE "id" = 1`),
    );
    expect(await revision()).toBe(String(row?.value));
  });

  it("changes with every insert, update and delete of every content table, in plain SQL", async () => {
    expect(rows.map((r) => r.table).sort()).toEqual([...CONTENT].sort());
    for (const row of rows) await bumps(() => exec(row.insert), `an insert into ${row.table}`);
    for (const row of rows) await bumps(() => exec(row.update), `an update of ${row.table}`);
    for (const row of [...rows].reverse()) await bumps(() => exec(row.remove), `a delete from ${row.table}`);
  });

  it("changes with the data layer's writes, a second connection's included", async () => {
    let seed: Awaited<ReturnType<typeof seedProject>> | undefined;
    await bumps(async () => {
      seed = await seedProject(ctx.db, "Revision");
    }, "seeding a project");
    if (!seed) throw new Error("no seed");
    const { project, location, a } = seed;
    await bumps(
      () =>
        updateEntity(ctx.db, a.id, {
          name: "renamed",
          description: "",
          projectId: project.id,
          locationId: location.id,
        }),
      "an entity update",
    );
    await bumps(
      () =>
        createDeployment(ctx.db, {
          projectId: project.id,
          actor: "t",
          note: "",
          entities: [{ id: a.id, name: "renamed", files: { iptables: "a\n", ip6tables: "b\n", nftables: "c\n" } }],
        }),
      "a deployment",
    );
    const other = await openDatabase(ctx.app.deps.config.DATABASE_URL);
    try {
      await bumps(
        () =>
          updateEntity(other, a.id, {
            name: "elsewhere",
            description: "",
            projectId: project.id,
            locationId: location.id,
          }),
        "another connection's entity update",
      );
    } finally {
      await other.close();
    }
    await bumps(() => deleteProject(ctx.db, project.id), "a project deletion");
  });

  it("stays put when a write rolls back or fails", async () => {
    const before = await revision();
    await expect(
      ctx.db.transaction(async (tx) => {
        await tx.$executeRawUnsafe(sqlOf("Project").insert);
        await tx.$executeRawUnsafe(sqlOf("Location").insert);
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await revision()).toBe(before);
    // One statement that fails part-way: its trigger had run (and on SQLite its
    // first row gone in) when the duplicate key refused it.
    await expect(
      exec(`INSERT INTO "RuleFile" ("hash", "text") VALUES ('dup9002', 'a'), ('dup9002', 'b')`),
    ).rejects.toThrow();
    expect(await revision()).toBe(before);
    expect(await ctx.db.run((c) => c.project.count({ where: { id: 9001 } }))).toBe(0);
  });

  it("stays put for users, log-ins, sessions and log-in counters", async () => {
    const before = await revision();
    await ctx.user("reader", [], ["Viewers"]);
    await ctx.login("reader");
    await exec(`UPDATE "User" SET "isActive" = false WHERE "username" = 'reader'`);
    await exec(`INSERT INTO "Session" ("sid", "data", "expiresAt") VALUES ('raw-sid', '{}', CURRENT_TIMESTAMP)`);
    await exec(`UPDATE "Session" SET "data" = '{"a":1}' WHERE "sid" = 'raw-sid'`);
    await exec(`DELETE FROM "Session" WHERE "sid" = 'raw-sid'`);
    await exec(`INSERT INTO "LoginAttempt" ("key", "points") VALUES ('raw-key', 1)`);
    await exec(`UPDATE "LoginAttempt" SET "points" = 2 WHERE "key" = 'raw-key'`);
    await exec(`DELETE FROM "LoginAttempt" WHERE "key" = 'raw-key'`);
    expect(await revision()).toBe(before);
  });
});

type Raw = Pick<Tx, "$queryRawUnsafe">;

/** What is wrong with the triggers of the database `c` reads: one sentence per table, none when all is well. */
async function coverageProblems(c: Raw): Promise<string[]> {
  const tables = await tableNames(c);
  const events = await triggerEvents(c);
  const problems: string[] = [];
  for (const table of tables) {
    if (NOT_CONTENT.includes(table) || BOOKKEEPING.includes(table)) continue;
    if (!CONTENT.includes(table)) {
      problems.push(
        `table ${table} is neither content nor listed as not content: if pages show its rows, give it the data revision's triggers in its migration (as prisma/migrations/…_data_revision does) and add it to CONTENT; else add it to NOT_CONTENT`,
      );
      continue;
    }
    const missing = ["INSERT", "UPDATE", "DELETE", ...(testEngine === "postgresql" ? ["TRUNCATE"] : [])].filter(
      (event) => !events.get(table)?.has(event),
    );
    if (missing.length > 0) {
      problems.push(
        `content table ${table} has no data revision trigger on ${missing.join(", ")}: create it in the migration that made or changed the table (a SQLite table redefinition, new_${table} then DROP and rename, drops its triggers)`,
      );
    }
  }
  for (const table of [...CONTENT, ...NOT_CONTENT, "DataRevision"]) {
    if (!tables.includes(table)) problems.push(`table ${table} is listed here but not in the database`);
  }
  return problems;
}

async function tableNames(c: Raw): Promise<string[]> {
  const rows =
    testEngine === "sqlite"
      ? await c.$queryRawUnsafe<{ name: string }[]>(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
        )
      : await c.$queryRawUnsafe<{ name: string }[]>(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
        );
  return rows.map((r) => r.name);
}

/** The events on which each table bumps the revision (SQLite: AFTER row triggers; PostgreSQL: BEFORE statement triggers). */
async function triggerEvents(c: Raw): Promise<Map<string, Set<string>>> {
  const found = new Map<string, Set<string>>();
  const add = (table: string, event: string) => found.set(table, (found.get(table) ?? new Set()).add(event));
  if (testEngine === "sqlite") {
    const rows = await c.$queryRawUnsafe<{ tbl_name: string; sql: string }[]>(
      `SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'`,
    );
    for (const { tbl_name, sql } of rows) {
      const event = /\bAFTER (INSERT|UPDATE|DELETE) ON\b/i.exec(sql)?.[1];
      const body = /\bBEGIN\s+UPDATE "DataRevision" SET "value" = "value" \+ 1 WHERE "id" = 1;\s*END$/i.test(
        sql.trim(),
      );
      if (event && body) add(tbl_name, event.toUpperCase());
    }
    return found;
  }
  const rows = await c.$queryRawUnsafe<{ relname: string; def: string }[]>(
    `SELECT c.relname, pg_get_triggerdef(t.oid) AS def FROM pg_trigger t
       JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND n.nspname = current_schema()`,
  );
  for (const { relname, def } of rows) {
    const match =
      /\bBEFORE ((?:\w+)(?: OR \w+)*) ON .* FOR EACH STATEMENT EXECUTE FUNCTION "DataRevision_bump"\(\)$/.exec(def);
    for (const event of match?.[1]?.split(" OR ") ?? []) add(relname, event);
  }
  return found;
}

/** Runs `fn` in a transaction that is always rolled back, so the schema changes it makes never stay. */
async function thenRollBack(fn: (tx: Tx) => Promise<string[]>): Promise<string[]> {
  let out: string[] = [];
  await ctx.db
    .transaction(async (tx) => {
      out = await fn(tx);
      throw new RolledBack();
    })
    .catch((error: unknown) => {
      if (!(error instanceof RolledBack)) throw error;
    });
  return out;
}
class RolledBack extends Error {}

describe("every table of the migrated database", () => {
  it("is content with its triggers, or listed as not content", async () => {
    expect(await ctx.db.run((c) => coverageProblems(c))).toEqual([]);
  });

  it("fails the check when a new table comes without triggers", async () => {
    const problems = await thenRollBack(async (tx) => {
      await tx.$executeRawUnsafe(`CREATE TABLE "Newcomer" ("id" INTEGER NOT NULL PRIMARY KEY)`);
      return coverageProblems(tx);
    });
    expect(problems).toEqual([expect.stringMatching(/^table Newcomer is neither content.*triggers in its migration/)]);
  });

  it.runIf(testEngine === "sqlite")(
    "fails the check when a SQLite table redefinition dropped the triggers",
    async () => {
      const problems = await thenRollBack(async (tx) => {
        // What Prisma writes for a change SQLite cannot ALTER.
        await tx.$executeRawUnsafe(`CREATE TABLE "new_ChangeEntry" AS SELECT * FROM "ChangeEntry"`);
        await tx.$executeRawUnsafe(`DROP TABLE "ChangeEntry"`);
        await tx.$executeRawUnsafe(`ALTER TABLE "new_ChangeEntry" RENAME TO "ChangeEntry"`);
        return coverageProblems(tx);
      });
      expect(problems).toEqual([
        expect.stringMatching(/^content table ChangeEntry has no data revision trigger.*redefinition/),
      ]);
    },
  );
});

describe.runIf(testEngine === "sqlite")("on SQLite, the row", () => {
  it("never goes back through a restore, which empties and refills every table, this one too", async () => {
    const url = ctx.app.deps.config.DATABASE_URL;
    const backup = path.join(ctx.dir, "revision-backup.db");
    const { project } = await seedProject(ctx.db, "Before backup");
    await backupDatabase(url, backup);
    // Many changes since the backup, few rows: the backup's value plus the
    // restore's own writes would land on a value this database had already.
    for (let i = 0; i < 300; i++) {
      await exec(`UPDATE "Project" SET "description" = 'edit ${i}' WHERE "id" = ${project.id}`);
    }
    const beforeRestore = await revision();
    await restoreDatabase(url, backup);
    expect(BigInt(await revision())).toBeGreaterThan(BigInt(beforeRestore));
    expect(await ctx.db.run((c) => c.project.findUnique({ where: { id: project.id } }))).toMatchObject({
      description: "Test project",
    });
  });

  it("skips deleting or inserting the row", async () => {
    const before = await revision();
    await exec(`DELETE FROM "DataRevision"`);
    await exec(`INSERT INTO "DataRevision" ("id", "value") VALUES (2, 0)`);
    expect(await revision()).toBe(before);
    expect(await ctx.db.run((c) => c.$queryRawUnsafe<unknown[]>(`SELECT * FROM "DataRevision"`))).toHaveLength(1);
  });
});

describe.runIf(testEngine === "postgresql")("on PostgreSQL", () => {
  it("bumps once per statement, truncations included", async () => {
    const before = BigInt(await revision());
    await exec(`INSERT INTO "RuleFile" ("hash", "text") VALUES ('many1', 'a'), ('many2', 'b'), ('many3', 'c')`);
    expect(BigInt(await revision())).toBe(before + 1n);
    await exec(`TRUNCATE "RuleFile" CASCADE`);
    expect(BigInt(await revision())).toBeGreaterThan(before + 1n);
  });

  // The revision's row lock is taken before the statement's own: a writer
  // waiting for it holds none of the rows (nor foreign-key locks) that the
  // holder may want next. With AFTER triggers the two deadlock here.
  it("lets a writer that waits for the revision hold none of its statement's row locks", async () => {
    const seed = await seedProject(ctx.db, "Lock order");
    const url = ctx.app.deps.config.DATABASE_URL;
    const holder = new pg.Client({ connectionString: url });
    const waiter = new pg.Client({ connectionString: url });
    await holder.connect();
    await waiter.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(sqlOf("ChangeEntry").insert);
      await waiter.query("BEGIN");
      // Its foreign key would take a KEY SHARE lock on the project.
      const waiting = waiter
        .query(
          `INSERT INTO "Entity" ("name", "projectId", "locationId", "updatedAt") VALUES ('late', $1, $2, CURRENT_TIMESTAMP)`,
          [seed.project.id, seed.location.id],
        )
        .then(
          () => "inserted",
          (error: { code?: string }) => `failed: ${error.code}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 200));
      // What a deletion does first (src/data/history-locks.ts).
      await holder.query(`SELECT "id" FROM "Project" WHERE "id" = $1 FOR UPDATE`, [seed.project.id]);
      await holder.query("ROLLBACK");
      expect(await waiting).toBe("inserted");
      await waiter.query("ROLLBACK");
    } finally {
      await holder.end();
      await waiter.end();
    }
  });

  it("gives a new token on every read when the row is gone, so nothing cached is reused", async () => {
    const db: Database = ctx.db;
    await exec(`DELETE FROM "DataRevision"`);
    try {
      const first = await dataRevision(db);
      expect(await dataRevision(db)).not.toBe(first);
    } finally {
      await exec(`INSERT INTO "DataRevision" ("id", "value") VALUES (1, 1000000)`);
    }
  });
});
