// A flood of log-ins must not take the server with it (docs/install.md, "Log-in
// throttle"): scrypt runs on libuv's thread pool, which static files share, so
// at most two hashes run at once with a short queue behind them; past that a
// log-in is answered 429 with a Retry-After at once. Order, not time, is
// asserted: the static file is served before the pending hashes are worked off.
import type { Server } from "node:http";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PasswordHasher } from "../../src/services/passwords.js";
import { createTestContext, csrfFrom, type TestContext } from "../support/app.js";

const FLOOD = 30;

let ctx: TestContext;
let server: Server;
beforeAll(async () => {
  ctx = await createTestContext({
    // A cost near production's, so each hash takes long enough to pile up.
    passwords: new PasswordHasher({ cost: 13 }),
    loginLimits: { windowMs: 60_000, maxPerAccount: 1_000, maxPerAddress: 1_000 },
  });
  server = ctx.app.listen(0, "127.0.0.1");
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await ctx.close();
});

describe("a flood of anonymous log-ins", () => {
  it("answers the overflow 429 with a Retry-After and keeps static files flowing", async () => {
    const page = await request(server).get("/login");
    const csrf = csrfFrom(page.text);
    const cookie = ([] as string[])
      .concat(page.headers["set-cookie"] ?? [])
      .map((c) => c.split(";")[0])
      .join("; ");

    const order: string[] = [];
    const logins = Array.from({ length: FLOOD }, (_, i) =>
      request(server)
        .post("/login")
        .set("Cookie", cookie)
        .type("form")
        .send({ _csrf: csrf, username: `stranger${i}`, password: "a guess" })
        .then((res) => {
          order.push(String(res.status));
          return res;
        }),
    );
    // Every attempt is counted on arrival: once all are counted, ask for the file.
    while ((await ctx.app.deps.throttle.consumed("x", "127.0.0.1")).address < FLOOD) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const doneBeforeFile = order.filter((s) => s === "401").length;
    const file = request(server)
      .get("/static/css/site.css")
      .then((res) => {
        order.push("static");
        return res;
      });
    const [answers, css] = await Promise.all([Promise.all(logins), file]);

    expect(css.status).toBe(200);
    const busy = answers.filter((r) => r.status === 429);
    const checked = answers.filter((r) => r.status === 401);
    expect(busy.length + checked.length).toBe(FLOOD);
    // Two running and eight waiting at most: the overflow was refused at once.
    expect(checked.length).toBeGreaterThan(0);
    expect(busy.length).toBeGreaterThan(0);
    for (const r of busy) {
      expect(r.headers["retry-after"]).toBe("5");
      expect(r.text).toContain("The server is busy checking other log-ins. Try again in a few seconds.");
    }
    // The file did not wait for every hash still pending when it was asked for
    // (with every hash queued in libuv ahead of it, it came after all of them).
    // How many finish first depends on the machine's load, so only that is asserted.
    const pending = checked.length - doneBeforeFile;
    const checkedAfterFile = order.slice(order.indexOf("static")).filter((s) => s === "401").length;
    if (pending >= 3) expect(checkedAfterFile).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
