// The log-in throttle (docs/install.md, "Log-in throttle"): attempts are counted
// when they arrive, so simultaneous requests cannot slip past the count; the
// limits hold per (user name, address) and per address, so failing on purpose
// from one address locks nobody out elsewhere; on PostgreSQL the counters are
// rows every process shares. Addresses come from X-Forwarded-For under
// TRUST_PROXY=1, as behind the documented reverse proxy.
import type { Server } from "node:http";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountKey, addressKey, LoginThrottle, USERNAME_KEY_MAX } from "../../src/services/login-throttle.js";
import { createTestContext, csrfFrom, PASSWORD, type TestContext, testEngine } from "../support/app.js";

const LIMITS = { windowMs: 10 * 60_000, maxPerAccount: 5, maxPerAddress: 60 };

let ctx: TestContext;
let server: Server;
beforeAll(async () => {
  ctx = await createTestContext({ config: { TRUST_PROXY: 1 }, loginLimits: LIMITS });
  await ctx.user("admin");
  await ctx.user("viewer", [], ["Viewers"]);
  // One listening server for every request (supertest would start one per request).
  server = ctx.app.listen(0, "127.0.0.1");
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await ctx.close();
});

/** The log-in form's token and cookie: one pair serves many posts (no session behind it). */
async function form(address: string) {
  const page = await request(server).get("/login").set("X-Forwarded-For", address);
  const cookie = ([] as string[]).concat(page.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]);
  return { csrf: csrfFrom(page.text), cookie: cookie.join("; ") };
}

async function logIn(address: string, username: string, password: string, f?: { csrf: string; cookie: string }) {
  const { csrf, cookie } = f ?? (await form(address));
  return request(server)
    .post("/login")
    .set("X-Forwarded-For", address)
    .set("Cookie", cookie)
    .type("form")
    .send({ _csrf: csrf, username, password });
}

describe("the log-in throttle", () => {
  it("ten wrong passwords for admin from one address do not lock admin out from another", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await logIn("198.51.100.7", "admin", `wrong ${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);

    const elsewhere = await logIn("203.0.113.9", "admin", PASSWORD);
    expect(elsewhere.status).toBe(303);

    const here = await logIn("198.51.100.7", "admin", PASSWORD);
    expect(here.status).toBe(429);
    expect(here.text).toContain("Too many log-in attempts");
    expect(Number(here.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("counts 60 simultaneous tries from one address as 60, before any password is checked", async () => {
    const address = "192.0.2.60";
    const f = await form(address);
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => logIn(address, "admin", `guess ${i}`, f)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    // Only the per-account allowance had its password checked; the rest were refused on arrival.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(LIMITS.maxPerAccount);
    expect(await ctx.app.deps.throttle.consumed("admin", address)).toEqual({ address: 60, account: 60 });

    // The 61st is refused although it carries the right password, for any user name.
    for (const username of ["admin", "viewer"]) {
      const right = await logIn(address, username, PASSWORD, f);
      expect(right.status).toBe(429);
      expect(right.headers["retry-after"]).toBeDefined();
    }
    // The same accounts log in from another address.
    expect((await logIn("192.0.2.61", "viewer", PASSWORD)).status).toBe(303);
  });

  it("a successful log-in clears its account counter and gives the address its point back", async () => {
    const address = "198.51.100.99";
    for (let i = 0; i < 3; i++) expect((await logIn(address, "viewer", "nope")).status).toBe(401);
    expect(await ctx.app.deps.throttle.consumed("viewer", address)).toEqual({ address: 3, account: 3 });
    expect((await logIn(address, "viewer", PASSWORD)).status).toBe(303);
    expect(await ctx.app.deps.throttle.consumed("viewer", address)).toEqual({ address: 3, account: 0 });
  });

  it("keeps its counters in the database on PostgreSQL and in memory on SQLite", async () => {
    await logIn("198.51.100.200", "someone", "nope");
    const rows = await ctx.db.run((c) => c.loginAttempt.count());
    if (testEngine === "postgresql") expect(rows).toBeGreaterThan(0);
    else expect(rows).toBe(0);
  });
});

describe("database counters (shared by processes)", () => {
  it("two throttles on one database count into the same window", async () => {
    const limits = { windowMs: 60_000, maxPerAccount: 3, maxPerAddress: 100 };
    const first = new LoginThrottle(limits, ctx.db);
    const second = new LoginThrottle(limits, ctx.db);
    const results = await Promise.all([
      first.attempt("shared", "10.1.1.1"),
      second.attempt("shared", "10.1.1.1"),
      first.attempt("shared", "10.1.1.1"),
      second.attempt("shared", "10.1.1.1"),
    ]);
    expect(results.filter((r) => r.allowed)).toHaveLength(3);
    expect(await second.consumed("shared", "10.1.1.1")).toEqual({ address: 4, account: 4 });
    const refused = await first.attempt("SHARED", "10.1.1.1");
    expect(refused.allowed).toBe(false);
    expect(refused.allowed ? 0 : refused.retryAfterSeconds).toBeGreaterThan(0);
  });

  it("prune removes counters whose window has ended", async () => {
    const short = new LoginThrottle({ windowMs: 1, maxPerAccount: 3, maxPerAddress: 3 }, ctx.db);
    await short.attempt("brief", "10.2.2.2");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await short.prune()).toBeGreaterThanOrEqual(2);
    expect(await short.consumed("brief", "10.2.2.2")).toEqual({ address: 0, account: 0 });
  });
});

describe("throttle keys", () => {
  it("cut long user names and ignore case", () => {
    const long = "A".repeat(10_000);
    expect(accountKey(long, "10.0.0.1")).toBe(`${"a".repeat(USERNAME_KEY_MAX)}|10.0.0.1`);
    expect(accountKey("Admin", "10.0.0.1")).toBe(accountKey("admin", "10.0.0.1"));
  });

  it("count an IPv6 /64 as one address and an IPv4-mapped address as IPv4", () => {
    expect(addressKey("2001:db8:1:2:aaaa::1")).toBe(addressKey("2001:db8:1:2:bbbb:cccc:dddd:eeee"));
    expect(addressKey("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:DB8:1:2:0:0:0:7")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8::1")).toBe("2001:db8::/64");
    expect(addressKey("2001:db8:1:3::1")).not.toBe(addressKey("2001:db8:1:2::1"));
    expect(addressKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(addressKey("192.0.2.1")).toBe("192.0.2.1");
  });
});
