// docs/architecture.md, "no acknowledged write lost" (issue 7, part 1). Prisma's
// better-sqlite3 adapter shares one connection: a plain query issued while
// another flow's interactive transaction is open runs inside that transaction.
// First we show the hazard on the raw client (acknowledged creates vanish when
// the other transaction rolls back; a reader sees rows that never commit), then
// that the same workload through our Database (db.run / db.transaction) loses
// nothing and reads nothing uncommitted, on SQLite and on PostgreSQL, and
// finally the same through HTTP.
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, type Database, openDatabase, sqliteFile } from "../../src/data/engine.js";
import { PrismaClient } from "../../src/generated/sqlite/client.js";
import {
  type Agent,
  createTestContext,
  createTestDatabase,
  type TestContext,
  type TestDatabase,
  testEngine,
} from "../support/app.js";

/** The database work of the workload, written once per way of reaching the database. */
interface Ops {
  create(name: string): Promise<unknown>;
  /** An interactive transaction that writes `name`, does more work, then fails. */
  failingTransaction(name: string): Promise<unknown>;
  /** A `$transaction([...])` batch whose second statement fails (duplicate of `existing`). */
  failingBatch(name: string, existing: string): Promise<unknown>;
  names(prefix: string): Promise<string[]>;
}

class Forced extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function clientOps(client: Client): Omit<Ops, "failingTransaction"> {
  return {
    create: (name) => client.project.create({ data: { name, nameKey: name.toLowerCase() } }),
    failingBatch: (name, existing) =>
      client.$transaction([
        client.project.create({ data: { name, nameKey: name.toLowerCase() } }),
        client.project.create({ data: { name: existing, nameKey: existing.toLowerCase() } }),
      ]),
    names: async (prefix) =>
      (await client.project.findMany({ where: { name: { startsWith: prefix } }, select: { name: true } })).map(
        (p) => p.name,
      ),
  };
}

async function failingWork(
  tx: Client | Parameters<Parameters<Database["transaction"]>[0]>[0],
  name: string,
): Promise<never> {
  await tx.project.create({ data: { name, nameKey: name.toLowerCase() } });
  await tx.project.count();
  // A request's transaction awaits between statements (other queries, hashing):
  // that is when other requests' statements get in.
  await sleep(1);
  await tx.project.findFirst({ where: { name } });
  throw new Forced("forced failure");
}

function rawOps(client: PrismaClient): Ops {
  return {
    ...clientOps(client),
    failingTransaction: (name) => client.$transaction((tx) => failingWork(tx, name)),
  };
}

function databaseOps(db: Database): Ops {
  return {
    create: (name) => db.run((c) => clientOps(c).create(name)),
    failingBatch: (name, existing) => db.run((c) => clientOps(c).failingBatch(name, existing)),
    names: (prefix) => db.run((c) => clientOps(c).names(prefix)),
    failingTransaction: (name) => db.transaction((tx) => failingWork(tx, name)),
  };
}

interface Outcome {
  acknowledged: number;
  /** Creates that resolved but whose row is not there at the end. */
  lost: number;
  /** Rows a reader saw that were never committed (rolled back with a failed transaction). */
  dirty: number;
  /** Creates that were refused (not acknowledged, so not a loss, but worth knowing). */
  failedWrites: number;
}

interface Load {
  writes?: number;
  /** Whether a flow of failing transactions and batches runs alongside (off: the control run). */
  failing?: boolean;
  /** Pause of the failing flow between two of its transactions. */
  pauseMs?: number;
}

/**
 * `writes` creates spread over 20 ms, while one flow keeps running failing
 * transactions and batches and another keeps reading.
 */
async function workload(
  ops: Ops,
  run: string,
  { writes = 100, failing: withFailing = true, pauseMs = 0 }: Load = {},
): Promise<Outcome> {
  const existing = `${run}-seed`;
  await ops.create(existing);
  const acknowledged: string[] = [];
  let failedWrites = 0;
  const seen = new Set<string>();
  let done = false;

  const writers = Array.from({ length: writes }, async (_, i) => {
    await sleep(Math.random() * 20);
    const name = `${run}-w${i}`;
    try {
      await ops.create(name);
      acknowledged.push(name);
    } catch {
      failedWrites++;
    }
  });
  const failing = (async () => {
    for (let k = 0; withFailing && !done; k++) {
      await ops.failingTransaction(`${run}-t${k}`).catch(() => undefined);
      await sleep(pauseMs);
      await ops.failingBatch(`${run}-b${k}`, existing).catch(() => undefined);
      await sleep(pauseMs);
    }
  })();
  const reader = (async () => {
    while (!done) {
      for (const name of await ops.names(`${run}-`).catch(() => [])) seen.add(name);
      await sleep(0);
    }
  })();

  await Promise.all(writers);
  done = true;
  await Promise.all([failing, reader]);
  const present = new Set(await ops.names(`${run}-`));
  return {
    acknowledged: acknowledged.length,
    lost: acknowledged.filter((name) => !present.has(name)).length,
    // Every row a reader saw must exist at the end: rows of the failed
    // transactions never do, nor do acknowledged rows that were lost.
    dirty: [...seen].filter((name) => !present.has(name)).length,
    failedWrites,
  };
}

function summary(outcomes: Outcome[]): string {
  return outcomes
    .map((o) => `${o.lost}/${o.acknowledged} lost, ${o.dirty} dirty, ${o.failedWrites} refused`)
    .join("; ");
}

// The hazard is better-sqlite3's one shared connection: PostgreSQL has a pool and real transactions.
const rawSkipped =
  testEngine === "sqlite" ? "" : ": skipped on PostgreSQL, whose pool has no shared connection to misuse";
describe.skipIf(rawSkipped !== "")(`the raw Prisma client on better-sqlite3 (no queue)${rawSkipped}`, () => {
  let database: TestDatabase;
  let client: PrismaClient;
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    client = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: sqliteFile(database.url), timeout: 10_000 }) });
  });
  afterAll(async () => {
    await client?.$disconnect();
    await database?.drop();
  });

  it("counts right: without failing transactions alongside, nothing is lost", async () => {
    const control = await workload(rawOps(client), "control", { failing: false });
    expect(control).toEqual({ acknowledged: 100, lost: 0, dirty: 0, failedWrites: 0 });
  });

  it("loses acknowledged writes and shows uncommitted rows when another transaction rolls back", async () => {
    const outcomes: Outcome[] = [];
    for (let run = 0; run < 10; run++) outcomes.push(await workload(rawOps(client), `raw${run}`, { pauseMs: 5 }));
    console.log(`raw client, 10 runs × 100 writes, a failing transaction every ~5 ms: ${summary(outcomes)}`);
    const hazards = outcomes.filter((o) => o.lost > 0 || o.dirty > 0);
    expect(hazards.length, "the hazard did not show: is the queue still needed?").toBeGreaterThan(0);
  });
});

describe(`our Database on ${testEngine}`, () => {
  let database: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDatabase(database.url);
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it("loses no acknowledged write and reads nothing uncommitted over 20 runs × 100 writes", async () => {
    const outcomes: Outcome[] = [];
    for (let run = 0; run < 20; run++)
      outcomes.push(await workload(databaseOps(db), `db${run}`, { pauseMs: run % 2 ? 5 : 0 }));
    const total = (key: keyof Outcome) => outcomes.reduce((sum, o) => sum + o[key], 0);
    console.log(
      `Database on ${testEngine}, 20 runs × 100 writes: ${total("acknowledged")} acknowledged, ${total("lost")} lost, ${total("dirty")} dirty reads, ${total("failedWrites")} refused`,
    );
    expect({ lost: total("lost"), dirty: total("dirty"), failedWrites: total("failedWrites") }).toEqual({
      lost: 0,
      dirty: 0,
      failedWrites: 0,
    });
    expect(total("acknowledged")).toBe(2000);
  }, 120_000);
});

describe(`editors saving through HTTP on ${testEngine} while other transactions fail`, () => {
  let ctx: TestContext;
  let editors: Agent[];
  beforeAll(async () => {
    ctx = await createTestContext();
    await Promise.all(["ed1", "ed2", "ed3", "ed4"].map((name) => ctx.user(name, [], ["Editors"])));
    editors = await Promise.all(["ed1", "ed2", "ed3", "ed4"].map((name) => ctx.login(name)));
  });
  afterAll(() => ctx.close());

  it("keeps every project whose creation was acknowledged with a redirect, and never lists a rolled-back one", async () => {
    const acknowledged: string[] = [];
    const dirty = new Set<string>();
    let done = false;
    const posts = editors.flatMap((agent, e) =>
      Array.from({ length: 25 }, async (_, i) => {
        await sleep(Math.random() * 50);
        const name = `http-${e}-${i}`;
        const res = await agent.post("/projects/new").type("form").send({ _csrf: agent.csrf, name, description: "" });
        if (res.status === 303) acknowledged.push(name);
      }),
    );
    const failing = (async () => {
      for (let k = 0; !done; k++)
        await ctx.db.transaction((tx) => failingWork(tx, `http-t${k}`)).catch(() => undefined);
    })();
    const reader = (async () => {
      while (!done) {
        const page = await editors[0]?.get("/");
        for (const match of page?.text.matchAll(/http-t\d+/g) ?? []) dirty.add(match[0]);
      }
    })();
    await Promise.all(posts);
    done = true;
    await Promise.all([failing, reader]);

    const present = new Set(
      (await ctx.db.run((c) => c.project.findMany({ select: { name: true } }))).map((p) => p.name),
    );
    console.log(
      `HTTP on ${testEngine}: ${acknowledged.length}/100 acknowledged, ${acknowledged.filter((n) => !present.has(n)).length} lost, ${dirty.size} dirty`,
    );
    expect(acknowledged).toHaveLength(100);
    expect(acknowledged.filter((name) => !present.has(name))).toEqual([]);
    expect([...dirty]).toEqual([]);
    expect([...present].filter((name) => name.startsWith("http-t"))).toEqual([]);
  }, 120_000);
});
