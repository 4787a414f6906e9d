// SQLite in a real file is set up for more than one process (docs/architecture.md): WAL
// journal (readers and a writer at once, backups while serving) and a busy
// timeout (a second writer waits instead of failing with "database is
// locked"). Proven with the running server and CLI processes on one file.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdapterFactory, type Database, openDatabase, sqliteFile } from "../../src/data/engine.js";
import { createTestDatabase, csrfFrom, type TestDatabase } from "../support/app.js";
import {
  Browser,
  type CliResult,
  runCliProcess,
  type ServerProcess,
  startServer,
  stopServer,
} from "../support/processes.js";

const pragma = async (db: Database, name: string) =>
  db.run(
    async (c) => Object.values(((await c.$queryRawUnsafe(`PRAGMA ${name}`)) as Record<string, unknown>[])[0] ?? {})[0],
  );

describe("an SQLite file opened by the app", () => {
  let database: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    db = await openDatabase(database.url);
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it("uses the WAL journal, a busy timeout, foreign keys and NORMAL sync", async () => {
    expect(await pragma(db, "journal_mode")).toBe("wal");
    expect(Number(await pragma(db, "busy_timeout"))).toBeGreaterThanOrEqual(5000);
    expect(Number(await pragma(db, "foreign_keys"))).toBe(1);
    expect(Number(await pragma(db, "synchronous"))).toBe(1);
    await db.run((c) => c.project.create({ data: { name: "WAL check", nameKey: "wal check" } }));
    expect(existsSync(`${sqliteFile(database.url)}-wal`)).toBe(true);
  });

  it("gives every other connection (migrations, CLI) the busy timeout too", async () => {
    const adapter = await createAdapterFactory(database.url).connect();
    try {
      const result = await adapter.queryRaw({ sql: "PRAGMA busy_timeout", args: [], argTypes: [] });
      expect(Number(result.rows[0]?.[0])).toBeGreaterThanOrEqual(5000);
    } finally {
      await adapter.dispose();
    }
  });
});

describe("the server and CLI processes on one SQLite file", () => {
  const PASSWORD = "sqlite-wal-password";
  let database: TestDatabase;
  let server: ServerProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    env = { DATABASE_URL: database.url, SESSION_SECRET: "sqlite-wal-test-secret-0123456789" };
    server = await startServer("server", { ...env, INITIAL_ADMIN_PASSWORD: PASSWORD });
  }, 120_000);
  afterAll(async () => {
    await stopServer(server);
    await database?.drop();
  }, 30_000);

  it("never fail with 'database is locked' while the other writes", async () => {
    const browser = new Browser();
    const form = await browser.request(`${server.url}/login`);
    const login = await browser.request(`${server.url}/login`, {
      form: { _csrf: csrfFrom(form.text), username: "admin", password: PASSWORD },
    });
    expect(login.status).toBe(303);
    const csrf = csrfFrom((await browser.request(`${server.url}/`)).text);

    // CLI processes that read and write (migrate, user create) start while
    // the server keeps writing, and the server keeps writing until they end.
    let cliDone = false;
    const cli = Promise.all([
      runCliProcess(["migrate"], env),
      runCliProcess(["migrate"], env),
      ...[1, 2, 3].map((n) =>
        runCliProcess(
          ["user", "create", `cli${n}`, "--group", "Editors", "--password-stdin"],
          env,
          `cli-password-${n}\n`,
        ),
      ),
    ]).finally(() => {
      cliDone = true;
    });
    const saved: string[] = [];
    const refused: string[] = [];
    const writers = Array.from({ length: 6 }, async (_, w) => {
      for (let i = 0; !cliDone || i < 5; i++) {
        const name = `wal-${w}-${i}`;
        const res = await browser.request(`${server.url}/projects/new`, {
          form: { _csrf: csrf, name, description: "" },
        });
        (res.status === 303 ? saved : refused).push(`${name}: ${res.status}`);
      }
    });
    const [results] = await Promise.all([cli, ...writers]);

    const described = (r: CliResult) => `${r.status} ${r.stdout}${r.stderr}`;
    for (const result of results) {
      // SQLITE_BUSY reaches us as "database is locked" or Prisma's "Operation has timed out".
      expect(described(result)).not.toMatch(/locked|busy|timed out/i);
      expect(result.status, described(result)).toBe(0);
    }
    expect(refused).toEqual([]);
    expect(server.output.join("")).not.toMatch(/locked|SQLITE_BUSY|timed out/i);

    const check = await openDatabase(database.url);
    try {
      const names = new Set(
        (await check.run((c) => c.project.findMany({ select: { name: true } }))).map((p) => p.name),
      );
      expect(saved.filter((entry) => !names.has(entry.split(":")[0] ?? ""))).toEqual([]);
      expect(await check.run((c) => c.user.count({ where: { username: { in: ["cli1", "cli2", "cli3"] } } }))).toBe(3);
    } finally {
      await check.close();
    }
    console.log(
      `server and CLI on one SQLite file: ${saved.length} projects saved by the server meanwhile, ${results.length} CLI commands ok`,
    );
  }, 120_000);
});
