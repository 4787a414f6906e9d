// Session rows and lifetimes (docs/install.md, "Sessions"): anonymous visitors
// of the log-in form store no long-lived row; a session ends after
// SESSION_IDLE_MINUTES without a request and SESSION_ABSOLUTE_HOURS after
// log-in; a failing session store or log-in step answers 500 instead of
// leaving an unhandled rejection or a hanging request. Time is moved with a
// fake clock (Date only), never waited for.
import request from "supertest";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Client, Database } from "../../src/data/engine.js";
import { DatabaseSessionStore } from "../../src/data/sessions.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ config: { SESSION_IDLE_MINUTES: 30, SESSION_ABSOLUTE_HOURS: 2 } });
  await ctx.user("admin");
  await ctx.user("walker", [], ["Viewers"]);
});
afterAll(() => ctx.close());
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const rowCount = () => ctx.db.run((c) => c.session.count());
const longLived = () =>
  ctx.db.run((c) => c.session.count({ where: { expiresAt: { gt: new Date(Date.now() + HOUR) } } }));

async function status(agent: Agent): Promise<number> {
  return (await agent.get("/")).status;
}

describe("anonymous visitors", () => {
  it("1,000 cookie-less GET /login add no session row that lives longer than an hour", async () => {
    const [rowsBefore, longBefore] = [await rowCount(), await longLived()];
    const server = ctx.app.listen(0, "127.0.0.1");
    try {
      for (let i = 0; i < 1000; i += 50) {
        const pages = await Promise.all(Array.from({ length: 50 }, () => request(server).get("/login")));
        for (const page of pages) expect(page.status).toBe(200);
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await longLived()).toBe(longBefore);
    expect(await rowCount()).toBe(rowsBefore);
  }, 60_000);

  it("the session left by log-out (its message) lives minutes, not days", async () => {
    const agent = await ctx.login("walker");
    await agent.post("/logout").type("form").send({ _csrf: agent.csrf });
    const anonymous = await ctx.db.run((c) => c.session.findMany({ where: { userId: null } }));
    expect(anonymous.length).toBeGreaterThan(0);
    for (const row of anonymous) expect(row.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 10 * MINUTE);
  });
});

describe("lifetimes", () => {
  it("ends a session after the idle time and extends it on activity (rolling)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    const agent = await ctx.login("walker");
    vi.setSystemTime(start + 20 * MINUTE);
    expect(await status(agent)).toBe(200);
    // 40 minutes after log-in, 20 after the last request: still in.
    vi.setSystemTime(start + 40 * MINUTE);
    expect(await status(agent)).toBe(200);
    // 31 minutes without a request: out.
    vi.setSystemTime(start + 71 * MINUTE);
    expect(await status(agent)).toBe(302);
  });

  it("ends a session at the absolute lifetime however active it is", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    const agent = await ctx.login("walker");
    for (let t = 20; t <= 110; t += 20) {
      vi.setSystemTime(start + t * MINUTE);
      expect(await status(agent), `after ${t} minutes`).toBe(200);
    }
    vi.setSystemTime(start + 2 * HOUR + MINUTE);
    expect(await status(agent)).toBe(302);
  });

  it("moves the idle deadline at most every tenth of the idle time (page views cost no write in between)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    const userId = await ctx.user("ticker", [], ["Viewers"]);
    const agent = await ctx.login("ticker");
    const expiry = async () => {
      const rows = await ctx.db.run((c) => c.session.findMany({ where: { userId } }));
      expect(rows).toHaveLength(1);
      return rows[0]?.expiresAt.getTime();
    };
    const first = await expiry();
    vi.setSystemTime(start + 30_000);
    await status(agent);
    expect(await expiry()).toBe(first);
    vi.setSystemTime(start + 2 * MINUTE);
    await status(agent);
    expect(await expiry()).toBe(first);
    // 30 minutes of idle time: the deadline moves once 3 minutes have passed.
    vi.setSystemTime(start + 4 * MINUTE);
    await status(agent);
    expect(await expiry()).toBe(start + 4 * MINUTE + 30 * MINUTE);
  });
});

/** Makes every `client.session.<method>` call reject, through the app's own Database object. */
function failSessionQueries(db: Database, method: "findUnique" | "upsert") {
  if (method === "findUnique") {
    // Sessions are read through db.lookup (src/data/sessions.ts).
    const lookup = db.lookup.bind(db);
    return vi
      .spyOn(db, "lookup")
      .mockImplementation(((sql: string, params?: readonly (string | number | null)[]) =>
        sql.includes('FROM "Session"')
          ? Promise.reject(new Error("database down"))
          : lookup(sql, params)) as Database["lookup"]);
  }
  const run = db.run.bind(db);
  return vi.spyOn(db, "run").mockImplementation(((fn: (c: Client) => Promise<unknown>) =>
    run((client) => {
      const session = new Proxy(client.session, {
        get: (target, key, receiver) =>
          key === method ? () => Promise.reject(new Error("database down")) : Reflect.get(target, key, receiver),
      });
      return fn(new Proxy(client, { get: (t, k, r) => (k === "session" ? session : Reflect.get(t, k, r)) }));
    })) as Database["run"]);
}

describe("failures", () => {
  let unhandled: unknown[];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(() => process.on("unhandledRejection", onUnhandled));
  afterAll(() => {
    process.off("unhandledRejection", onUnhandled);
  });

  it("a failing session lookup answers 500, and the next request works", async () => {
    unhandled = [];
    const agent = await ctx.login("walker");
    const spy = failSessionQueries(ctx.db, "findUnique");
    const res = await agent.get("/");
    expect(res.status).toBe(500);
    expect(res.text).toContain("Something went wrong on our side");
    spy.mockRestore();
    expect(await status(agent)).toBe(200);
    expect(unhandled).toEqual([]);
  });

  it("a damaged session row answers 500 instead of hanging", async () => {
    unhandled = [];
    const agent = await ctx.login("walker");
    const userId = (await ctx.db.run((c) => c.user.findUniqueOrThrow({ where: { username: "walker" } }))).id;
    await ctx.db.run((c) => c.session.updateMany({ where: { userId }, data: { data: "{not json" } }));
    const res = await agent.get("/");
    expect(res.status).toBe(500);
    expect(unhandled).toEqual([]);
  });

  it("a failing session write during log-in answers 500", async () => {
    unhandled = [];
    const spy = failSessionQueries(ctx.db, "upsert");
    await expect(ctx.login("walker")).rejects.toThrow("failed with 500");
    spy.mockRestore();
    expect(unhandled).toEqual([]);
  });

  it("a failing database step after log-in (last log-in time) answers 500", async () => {
    unhandled = [];
    const run = ctx.db.run.bind(ctx.db);
    vi.spyOn(ctx.db, "run").mockImplementation(((fn: (c: Client) => Promise<unknown>) =>
      run((client) => {
        const user = new Proxy(client.user, {
          get: (t, k, r) => (k === "update" ? () => Promise.reject(new Error("disk full")) : Reflect.get(t, k, r)),
        });
        return fn(new Proxy(client, { get: (t, k, r) => (k === "user" ? user : Reflect.get(t, k, r)) }));
      })) as Database["run"]);
    await expect(ctx.login("walker")).rejects.toThrow("failed with 500");
    vi.restoreAllMocks();
    expect(unhandled).toEqual([]);
    expect(await status(await ctx.login("walker"))).toBe(200);
  });

  it("store callbacks receive a closed database's failure as their error", async () => {
    const db = {
      run: () => Promise.reject(new Error("closed")),
      lookup: () => Promise.reject(new Error("closed")),
    } as unknown as Database;
    const store = new DatabaseSessionStore(db);
    const errors = await Promise.all([
      new Promise((resolve) => store.get("sid", (err) => resolve(err))),
      new Promise((resolve) => store.set("sid", { cookie: {} } as never, (err) => resolve(err))),
      new Promise((resolve) => store.destroy("sid", (err) => resolve(err))),
    ]);
    for (const err of errors) expect(String(err)).toContain("closed");
    // A database object that throws instead of rejecting too.
    const throwing = new DatabaseSessionStore({
      run: () => {
        throw new Error("gone");
      },
      lookup: () => {
        throw new Error("gone");
      },
    } as unknown as Database);
    await expect(new Promise((resolve) => throwing.get("sid", (err) => resolve(err)))).resolves.toHaveProperty(
      "message",
      "gone",
    );
  });
});
