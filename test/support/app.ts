// Builds the real application on a fresh database for integration tests, with
// one user per kind of caller (STYLE.md: anonymous, without permission, with).
// The engine is SQLite unless CONNTRACKT_TEST_ENGINE=postgresql: then every
// context gets its own database on CONNTRACKT_TEST_PG_URL's server, copied from
// a template migrated once per run (test/support/pg-global-setup.ts).
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import request from "supertest";
import { inject } from "vitest";
import { type AppOptions, createApp } from "../../src/app.js";
import type { Config } from "../../src/config.js";
import { type Database, type Engine, openDatabase } from "../../src/data/engine.js";
import { ensureDefaultGroups, migrateDatabase } from "../../src/data/setup.js";
import { createUser, listGroups } from "../../src/data/users.js";
import type { PermissionCode } from "../../src/domain/constants.js";
import { createLogger } from "../../src/logger.js";
import { LoginThrottle, type ThrottleOptions } from "../../src/services/login-throttle.js";
import { createPgDatabase, dropPgDatabase, pgAdminUrl, randomDatabaseName } from "./postgres.js";

export const PASSWORD = "correct horse battery";

let templateFile: Promise<string> | undefined;

/** Migrates one SQLite file per test process; each test app starts from a copy. */
function sqliteTemplate(): Promise<string> {
  templateFile ??= (async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "conntrackt-template-"));
    const file = path.join(dir, "template.db");
    await migrateDatabase(`file:${file}`);
    const db = await openDatabase(`file:${file}`);
    await ensureDefaultGroups(db);
    await db.run((c) => c.$queryRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)"));
    await db.close();
    return file;
  })();
  return templateFile;
}

/** The engine integration tests run on (the vitest project sets it). */
export const testEngine: Engine = process.env.CONNTRACKT_TEST_ENGINE === "postgresql" ? "postgresql" : "sqlite";

declare module "vitest" {
  export interface ProvidedContext {
    /** Set by pg-global-setup.ts: the migrated template database and this run's name prefix. */
    pgTemplate: string;
    pgPrefix: string;
    pgAdminUrl: string;
  }
}

export interface TestDatabase {
  engine: Engine;
  url: string;
  /** Removes the database (call after closing every connection to it, or not: PostgreSQL's are forced closed). */
  drop(): Promise<void>;
}

/**
 * A fresh database of the test engine: migrated, with the default groups and
 * no user. SQLite: a copy of the template file in its own folder; PostgreSQL:
 * `CREATE DATABASE conntrackt_t_… TEMPLATE …`, then migrateDatabase (which
 * finds nothing to apply, and would apply whatever the template lacked).
 */
export async function createTestDatabase(engine: Engine = testEngine): Promise<TestDatabase & { dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "conntrackt-test-"));
  if (engine === "sqlite") {
    const file = path.join(dir, "test.db");
    copyFileSync(await sqliteTemplate(), file);
    const url = `file:${file}`;
    await migrateDatabase(url);
    return { engine, url, dir, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const provided = (key: "pgTemplate" | "pgPrefix" | "pgAdminUrl") => {
    try {
      return inject(key);
    } catch {
      return undefined;
    }
  };
  const adminUrl = provided("pgAdminUrl") ?? pgAdminUrl();
  const template = provided("pgTemplate");
  const name = randomDatabaseName(provided("pgPrefix"));
  const url = await createPgDatabase(adminUrl, name, template);
  const drop = async () => {
    await dropPgDatabase(adminUrl, name);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await migrateDatabase(url);
    if (!template) {
      // Run outside the postgresql project (no global setup): build what the template holds.
      const db = await openDatabase(url);
      await ensureDefaultGroups(db).finally(() => db.close());
    }
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
  return { engine, url, dir, drop };
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    PORT: 0,
    HOST: "127.0.0.1",
    DATABASE_URL: "file::memory:",
    SESSION_SECRET: "test-secret-test-secret-test-secret",
    LOG_LEVEL: "silent",
    TRUST_PROXY: false,
    DIAGRAM_TIMEOUT_MS: 10_000,
    SHUTDOWN_TIMEOUT_MS: 25_000,
    PAGE_CACHE_MB: 64,
    // The cheapest cost the configuration accepts: log-ins in tests take
    // about a millisecond of scrypt instead of a tenth of a second.
    PASSWORD_HASH_COST: 10,
    SESSION_IDLE_MINUTES: 120,
    SESSION_ABSOLUTE_HOURS: 14 * 24,
    NODE_ENV: "test",
    dataDir: tmpdir(),
    production: false,
    ...overrides,
  };
}

export interface TestContext {
  app: ReturnType<typeof createApp>;
  db: Database;
  dir: string;
  /** A supertest agent logged in as the given user. */
  login(username: string, password?: string): Promise<Agent>;
  /** Creates a user with the given direct permissions (or groups). */
  user(username: string, permissions?: PermissionCode[], groups?: string[]): Promise<number>;
  close(): Promise<void>;
}

export type Agent = ReturnType<typeof request.agent> & { csrf: string };

/** Reads the CSRF token from any HTML page of the site. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error("no CSRF token on the page");
  return match[1];
}

/**
 * App options for a test: any dependency, and only the config values that
 * differ from testConfig(). `loginLimits` builds the throttle the app would
 * (memory on SQLite, database rows on PostgreSQL) with other limits.
 */
export type TestContextOptions = Partial<Omit<AppOptions, "config">> & {
  config?: Partial<Config>;
  loginLimits?: ThrottleOptions;
};

export async function createTestContext(options: TestContextOptions = {}): Promise<TestContext> {
  const database = await createTestDatabase();
  const { url, dir } = database;
  const db = await openDatabase(url);
  const config = testConfig({ DATABASE_URL: url, dataDir: dir, ...options.config });
  // options.config holds only the overrides: the merged config must win over it.
  const { loginLimits, ...appOptions } = options;
  const throttle = loginLimits ? LoginThrottle.for(db, loginLimits) : appOptions.throttle;
  const app = createApp({
    logger: createLogger("silent"),
    ...appOptions,
    ...(throttle ? { throttle } : {}),
    config,
    db,
  });

  const context: TestContext = {
    app,
    db,
    dir,
    async user(username, permissions = [], groups = []) {
      const all = await listGroups(db);
      return createUser(db, {
        username,
        passwordHash: await app.deps.passwords.hash(PASSWORD),
        isActive: true,
        isSuperuser: username === "admin",
        groupIds: all.filter((g) => groups.includes(g.name)).map((g) => g.id),
        permissions,
      });
    },
    async login(username, password = PASSWORD) {
      const agent = request.agent(app) as Agent;
      const form = await agent.get("/login");
      const res = await agent
        .post("/login")
        .type("form")
        .send({ _csrf: csrfFrom(form.text), username, password });
      if (res.status !== 303) throw new Error(`log-in of ${username} failed with ${res.status}`);
      const page = await agent.get("/");
      agent.csrf = csrfFrom(page.text);
      return agent;
    },
    async close() {
      await app.deps.diagrams.close();
      await app.deps.driftChecks.close();
      await db.close();
      await database.drop();
    },
  };
  return context;
}

/** The standard cast: a superuser, an editor, a viewer, and a user with no permission at all. */
export async function withStandardUsers(ctx: TestContext): Promise<void> {
  await ctx.user("admin");
  await ctx.user("editor", [], ["Editors"]);
  await ctx.user("viewer", [], ["Viewers"]);
  await ctx.user("nobody");
}
