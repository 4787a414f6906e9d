// Sessions (docs/usage.md, issue 7): deactivating a user or setting their password
// ends their sessions; an admin changing their own password keeps the session
// they use and ends the others; log-in gives a new session id and a new CSRF
// token; log-out is a POST with the token; the session cookie is HttpOnly,
// SameSite=Lax, and Secure behind a trusted TLS proxy.
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Agent, createTestContext, csrfFrom, PASSWORD, type TestContext } from "../support/app.js";

let ctx: TestContext;
let adminId: number;
let admin: Agent;

beforeAll(async () => {
  ctx = await createTestContext();
  adminId = await ctx.user("admin");
  admin = await ctx.login("admin");
});
afterAll(() => ctx.close());

/** Logged in: the main page answers 200. Logged out: it sends the browser to /login. */
async function expectLoggedIn(agent: Agent) {
  const res = await agent.get("/");
  expect(res.status, res.headers.location).toBe(200);
}
async function expectSentToLogin(agent: Agent) {
  const res = await agent.get("/");
  expect(res.status).toBe(302);
  expect(res.headers.location).toBe("/login");
}

const sessionsOf = (userId: number) => ctx.db.run((c) => c.session.count({ where: { userId } }));

/** The Set-Cookie line of the session cookie, if the response has one. */
function sessionCookie(res: { headers: Record<string, unknown> }): string | undefined {
  const raw = res.headers["set-cookie"];
  const list = Array.isArray(raw) ? raw : typeof raw === "string" ? [raw] : [];
  return list.find((c: string) => c.startsWith("conntrackt.sid="));
}

describe("ending a user's sessions", () => {
  it("deactivating a user through /admin sends their logged-in browsers to /login", async () => {
    const id = await ctx.user("leaver", [], ["Editors"]);
    const [first, second] = [await ctx.login("leaver"), await ctx.login("leaver")];
    await expectLoggedIn(first);
    expect(await sessionsOf(id)).toBe(2);

    // The checkbox isActive is left out: unchecked.
    const res = await admin
      .post(`/admin/users/${id}/edit`)
      .type("form")
      .send({ _csrf: admin.csrf, username: "leaver" });
    expect(res.status, res.text.slice(0, 300)).toBe(303);

    expect(await sessionsOf(id)).toBe(0);
    await expectSentToLogin(first);
    await expectSentToLogin(second);
    // And the account cannot log in again.
    const browser = request.agent(ctx.app);
    const form = await browser.get("/login");
    const again = await browser
      .post("/login")
      .type("form")
      .send({ _csrf: csrfFrom(form.text), username: "leaver", password: PASSWORD });
    expect(again.status).toBe(401);
    expect(again.text).toContain("This account is inactive.");
    await expectLoggedIn(admin);
  });

  it("an admin setting a user's password ends all of that user's sessions", async () => {
    const id = await ctx.user("forgetful", [], ["Viewers"]);
    const browser = await ctx.login("forgetful");
    await expectLoggedIn(browser);

    const res = await admin
      .post(`/admin/users/${id}/password`)
      .type("form")
      .send({ _csrf: admin.csrf, password: "a new long password", password2: "a new long password" });
    expect(res.status, res.text.slice(0, 300)).toBe(303);

    expect(await sessionsOf(id)).toBe(0);
    await expectSentToLogin(browser);
    // The admin's own session is untouched, and the new password works.
    await expectLoggedIn(admin);
    await expectLoggedIn(await ctx.login("forgetful", "a new long password"));
  });

  it("an admin changing their own password keeps this session and ends their others", async () => {
    const here = await ctx.login("admin");
    const elsewhere = await ctx.login("admin");
    await expectLoggedIn(elsewhere);

    const res = await here
      .post(`/admin/users/${adminId}/password`)
      .type("form")
      .send({ _csrf: here.csrf, password: "another admin password", password2: "another admin password" });
    expect(res.status, res.text.slice(0, 300)).toBe(303);

    await expectLoggedIn(here);
    await expectSentToLogin(elsewhere);
    await expectSentToLogin(admin);
    expect(await sessionsOf(adminId)).toBe(1);
    // The session kept still works for state-changing requests (same token).
    const saved = await here.post("/projects/new").type("form").send({ _csrf: here.csrf, name: "After own password" });
    expect(saved.status).toBe(303);
    admin = here;
  });
});

describe("log-in", () => {
  it("gives a new session id and a new CSRF token; the old token is refused afterwards", async () => {
    await ctx.user("fresh", [], ["Editors"]);
    const agent = request.agent(ctx.app);
    const form = await agent.get("/login");
    const before = csrfFrom(form.text);
    const cookieBefore = sessionCookie(form)?.split(";")[0];
    expect(cookieBefore).toBeDefined();

    const res = await agent.post("/login").type("form").send({ _csrf: before, username: "fresh", password: PASSWORD });
    expect(res.status).toBe(303);
    const cookieAfter = sessionCookie(res)?.split(";")[0];
    expect(cookieAfter).toBeDefined();
    expect(cookieAfter).not.toBe(cookieBefore);

    const after = csrfFrom((await agent.get("/")).text);
    expect(after).not.toBe(before);
    const stale = await agent.post("/projects/new").type("form").send({ _csrf: before, name: "With the old token" });
    expect(stale.status).toBe(403);
    const fresh = await agent.post("/projects/new").type("form").send({ _csrf: after, name: "With the new token" });
    expect(fresh.status).toBe(303);
  });

  it("the session id seen before log-in is worthless afterwards (no fixation)", async () => {
    await ctx.user("fixated", [], ["Viewers"]);
    const agent = request.agent(ctx.app);
    const form = await agent.get("/login");
    const planted = String(sessionCookie(form)?.split(";")[0]);
    await agent
      .post("/login")
      .type("form")
      .send({ _csrf: csrfFrom(form.text), username: "fixated", password: PASSWORD });
    await expectLoggedIn(agent as Agent);
    const attacker = await request(ctx.app).get("/").set("Cookie", planted);
    expect(attacker.status).toBe(302);
    expect(attacker.headers.location).toBe("/login");
  });
});

describe("log-out", () => {
  it("GET /logout does not log out", async () => {
    await ctx.user("stayer", [], ["Viewers"]);
    const agent = await ctx.login("stayer");
    const res = await agent.get("/logout");
    expect(res.status).toBe(404);
    await expectLoggedIn(agent);
  });

  it("POST /logout without the token (or with a wrong one) is refused and does not log out", async () => {
    await ctx.user("guarded", [], ["Viewers"]);
    const agent = await ctx.login("guarded");
    expect((await agent.post("/logout").type("form").send({})).status).toBe(403);
    expect((await agent.post("/logout").type("form").send({ _csrf: "forged" })).status).toBe(403);
    expect(
      (
        await agent
          .post("/logout")
          .type("form")
          .send({ _csrf: [agent.csrf, agent.csrf] })
      ).status,
    ).toBe(403);
    await expectLoggedIn(agent);
  });

  it("POST /logout with the token logs out and forgets the session", async () => {
    const id = await ctx.user("goer", [], ["Viewers"]);
    const agent = await ctx.login("goer");
    const res = await agent.post("/logout").type("form").send({ _csrf: agent.csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe("/login");
    await expectSentToLogin(agent);
    const rows = await ctx.db.run((c) => c.session.findMany({ where: { userId: id } }));
    expect(rows).toEqual([]);
  });
});

describe("the session cookie", () => {
  it("is HttpOnly and SameSite=Lax, and not Secure on plain HTTP", async () => {
    const res = await request(ctx.app).get("/login");
    const cookie = sessionCookie(res);
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    expect(cookie).not.toMatch(/;\s*Secure/i);
  });

  it("ignores X-Forwarded-Proto when no proxy is trusted", async () => {
    const res = await request(ctx.app).get("/login").set("X-Forwarded-Proto", "https");
    expect(sessionCookie(res)).not.toMatch(/;\s*Secure/i);
  });

  describe("behind a trusted proxy (TRUST_PROXY=1)", () => {
    let proxied: TestContext;
    beforeAll(async () => {
      proxied = await createTestContext({ config: { TRUST_PROXY: 1 } });
      await proxied.user("tls", [], ["Viewers"]);
    });
    afterAll(() => proxied.close());

    it("is Secure, HttpOnly and SameSite=Lax when the request arrived over HTTPS, at log-in too", async () => {
      const form = await request(proxied.app).get("/login").set("X-Forwarded-Proto", "https");
      const first = sessionCookie(form);
      expect(first).toMatch(/;\s*Secure/i);
      expect(first).toMatch(/;\s*HttpOnly/i);
      expect(first).toMatch(/;\s*SameSite=Lax/i);

      const res = await request(proxied.app)
        .post("/login")
        .set("X-Forwarded-Proto", "https")
        .set("Cookie", String(first?.split(";")[0]))
        .type("form")
        .send({ _csrf: csrfFrom(form.text), username: "tls", password: PASSWORD });
      expect(res.status).toBe(303);
      const loggedIn = sessionCookie(res);
      expect(loggedIn).toMatch(/;\s*Secure/i);
      expect(loggedIn).toMatch(/;\s*HttpOnly/i);
      expect(loggedIn).toMatch(/;\s*SameSite=Lax/i);

      const page = await request(proxied.app)
        .get("/")
        .set("X-Forwarded-Proto", "https")
        .set("Cookie", String(loggedIn?.split(";")[0]));
      expect(page.status).toBe(200);
    });

    it("is not Secure when the proxy says the request came over plain HTTP", async () => {
      const res = await request(proxied.app).get("/login").set("X-Forwarded-Proto", "http");
      expect(sessionCookie(res)).toBeDefined();
      expect(sessionCookie(res)).not.toMatch(/;\s*Secure/i);
    });
  });
});
