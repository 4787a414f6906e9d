// Log-in, log-out, sessions, CSRF and the `next` parameter (docs/usage.md).
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { updateUser } from "../../src/data/users.js";
import { LoginThrottle } from "../../src/services/login-throttle.js";
import { createTestContext, csrfFrom, PASSWORD, type TestContext, withStandardUsers } from "../support/app.js";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({
    throttle: new LoginThrottle({ windowMs: 60_000, maxPerAccount: 3, maxPerAddress: 100 }),
  });
  await withStandardUsers(ctx);
});
afterAll(() => ctx.close());

async function loginAttempt(username: string, password: string, next?: string) {
  const agent = request.agent(ctx.app);
  const form = await agent.get(next ? `/login?next=${encodeURIComponent(next)}` : "/login");
  const url = next ? `/login?next=${encodeURIComponent(next)}` : "/login";
  const res = await agent
    .post(url)
    .type("form")
    .send({ _csrf: csrfFrom(form.text), username, password });
  return { agent, res, form };
}

describe("log-in", () => {
  it("sends anonymous visitors of a data page to the log-in page and back afterwards", async () => {
    const first = await request(ctx.app).get("/projects/new");
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe("/login?next=%2Fprojects%2Fnew");
    const { res } = await loginAttempt("editor", PASSWORD, "/projects/new");
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe("/projects/new");
  });

  it("refuses a wrong password with a message and no session", async () => {
    const { res, agent } = await loginAttempt("viewer", "wrong password");
    expect(res.status).toBe(401);
    expect(res.text).toContain("Please enter a correct username and password.");
    expect((await agent.get("/")).status).toBe(302);
  });

  it("refuses an inactive account with the right password exactly as a wrong password", async () => {
    const id = await ctx.user("sleeper", ["view"]);
    await updateUser(ctx.db, id, {
      username: "sleeper",
      isActive: false,
      isSuperuser: false,
      groupIds: [],
      permissions: ["view"],
    });
    const alert = (html: string) => /<p class="form-errors" role="alert">([^<]*)<\/p>/.exec(html)?.[1];
    const inactive = (await loginAttempt("sleeper", PASSWORD)).res;
    const wrong = (await loginAttempt("sleeper", "not the password")).res;
    const unknown = (await loginAttempt("nobody-by-this-name", PASSWORD)).res;
    expect(inactive.status).toBe(401);
    expect(alert(inactive.text)).toBe("Please enter a correct username and password.");
    expect([wrong.status, alert(wrong.text)]).toEqual([inactive.status, alert(inactive.text)]);
    expect([unknown.status, alert(unknown.text)]).toEqual([inactive.status, alert(inactive.text)]);
    expect(inactive.text).not.toContain("inactive");
  });

  it("ignores an external or protocol-relative next", async () => {
    for (const next of [
      "https://evil.example/",
      "//evil.example/x",
      "/\\evil.example",
      "javascript:alert(1)",
      "http:/x",
    ]) {
      const { res } = await loginAttempt("viewer", PASSWORD, next);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe("/");
    }
  });

  it("renews the session id and the CSRF token at log-in", async () => {
    const agent = request.agent(ctx.app);
    const form = await agent.get("/login");
    const before = csrfFrom(form.text);
    const cookieBefore = String(form.headers["set-cookie"]);
    const res = await agent.post("/login").type("form").send({ _csrf: before, username: "viewer", password: PASSWORD });
    expect(String(res.headers["set-cookie"])).not.toBe(cookieBefore);
    const page = await agent.get("/");
    expect(page.status).toBe(200);
    expect(csrfFrom(page.text)).not.toBe(before);
    const cookie = String(res.headers["set-cookie"]);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
  });

  it("limits repeated failed log-ins per account", async () => {
    await ctx.user("target", ["view"]);
    for (let i = 0; i < 3; i++) expect((await loginAttempt("target", "nope")).res.status).toBe(401);
    const blocked = await loginAttempt("target", PASSWORD);
    expect(blocked.res.status).toBe(429);
    expect(blocked.res.text).toContain("Too many log-in attempts");
    expect(blocked.res.headers["retry-after"]).toBeDefined();
  });

  it("logs out only with a POST carrying the CSRF token", async () => {
    const agent = await ctx.login("viewer");
    expect((await agent.get("/logout")).status).toBe(404);
    expect((await agent.post("/logout").type("form").send({})).status).toBe(403);
    expect((await agent.get("/")).status).toBe(200);
    const out = await agent.post("/logout").type("form").send({ _csrf: agent.csrf });
    expect(out.status).toBe(303);
    expect((await agent.get("/")).status).toBe(302);
  });
});

describe("CSRF", () => {
  it("refuses a state-changing POST without a valid token and changes nothing", async () => {
    const agent = await ctx.login("editor");
    const none = await agent.post("/projects/new").type("form").send({ name: "Sneaky" });
    expect(none.status).toBe(403);
    const wrong = await agent
      .post("/projects/new")
      .type("form")
      .send({ name: "Sneaky", _csrf: "x".repeat(43) });
    expect(wrong.status).toBe(403);
    const count = await ctx.db.run((c) => c.project.count({ where: { name: "Sneaky" } }));
    expect(count).toBe(0);
  });
});

describe("security headers", () => {
  it("sends a CSP without inline scripts", async () => {
    const res = await request(ctx.app).get("/login");
    const csp = res.headers["content-security-policy"];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("answers /healthz without log-in", async () => {
    const res = await request(ctx.app).get("/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });
});
