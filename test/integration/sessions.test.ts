// Sessions (docs/usage.md, issue 7): deactivating a user or setting their password
// ends their sessions; an admin changing their own password keeps the session
// they use and ends the others; log-in gives a new session id and a new CSRF
// token; log-out is a POST with the token; the session cookie is HttpOnly,
// SameSite=Lax, and `__Host-` prefixed and Secure over TLS (docs/install.md).
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

function cookieLine(res: { headers: Record<string, unknown> }, name: string): string | undefined {
  const raw = res.headers["set-cookie"];
  const list = Array.isArray(raw) ? raw : typeof raw === "string" ? [raw] : [];
  return list.find((c: string) => c.startsWith(`${name}=`));
}
/** The Set-Cookie line of the plain-HTTP session cookie, if the response has one. */
const sessionCookie = (res: { headers: Record<string, unknown> }) => cookieLine(res, "conntrackt.sid");
/** The Set-Cookie line of the TLS session cookie. */
const secureSessionCookie = (res: { headers: Record<string, unknown> }) => cookieLine(res, "__Host-conntrackt.sid");

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
    expect(again.text).toContain("Please enter a correct username and password.");
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
    // The form itself needs no session (a signed cookie carries its token).
    expect(sessionCookie(form)).toBeUndefined();

    const res = await agent.post("/login").type("form").send({ _csrf: before, username: "fresh", password: PASSWORD });
    expect(res.status).toBe(303);
    expect(sessionCookie(res)?.split(";")[0]).toBeDefined();

    const after = csrfFrom((await agent.get("/")).text);
    expect(after).not.toBe(before);
    const stale = await agent.post("/projects/new").type("form").send({ _csrf: before, name: "With the old token" });
    expect(stale.status).toBe(403);
    const fresh = await agent.post("/projects/new").type("form").send({ _csrf: after, name: "With the new token" });
    expect(fresh.status).toBe(303);
  });

  it("a session id held before log-in is worthless afterwards (no fixation)", async () => {
    await ctx.user("fixated", [], ["Viewers"]);
    // Logging out leaves an anonymous session (it carries the "logged out" message).
    const agent = await ctx.login("fixated");
    const out = await agent.post("/logout").type("form").send({ _csrf: agent.csrf });
    const planted = String(sessionCookie(out)?.split(";")[0]);
    expect(planted).toMatch(/^conntrackt\.sid=/);
    const form = await agent.get("/login");
    const res = await agent
      .post("/login")
      .type("form")
      .send({ _csrf: csrfFrom(form.text), username: "fixated", password: PASSWORD });
    expect(sessionCookie(res)?.split(";")[0]).not.toBe(planted);
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

/** Logs in through `app` and returns the log-in response (its Set-Cookie lines). */
async function logIn(app: TestContext["app"], username: string, headers: Record<string, string> = {}) {
  const form = await request(app).get("/login").set(headers);
  const cookies = ([] as string[]).concat(form.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]);
  return request(app)
    .post("/login")
    .set(headers)
    .set("Cookie", cookies.join("; "))
    .type("form")
    .send({ _csrf: csrfFrom(form.text), username, password: PASSWORD });
}

describe("the session cookie", () => {
  beforeAll(() => ctx.user("cookie", [], ["Viewers"]));

  it("is HttpOnly, SameSite=Lax, Path=/ and not Secure on plain HTTP", async () => {
    const res = await logIn(ctx.app, "cookie");
    const cookie = sessionCookie(res);
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    expect(cookie).toMatch(/;\s*Path=\//i);
    expect(cookie).not.toMatch(/;\s*Secure/i);
  });

  it("ignores X-Forwarded-Proto when no proxy is trusted", async () => {
    const res = await logIn(ctx.app, "cookie", { "X-Forwarded-Proto": "https" });
    expect(sessionCookie(res)).not.toMatch(/;\s*Secure/i);
    expect(secureSessionCookie(res)).toBeUndefined();
  });

  describe("behind a trusted proxy (TRUST_PROXY=1)", () => {
    let proxied: TestContext;
    beforeAll(async () => {
      proxied = await createTestContext({ config: { TRUST_PROXY: 1 } });
      await proxied.user("tls", [], ["Viewers"]);
    });
    afterAll(() => proxied.close());

    it("over HTTPS is __Host-conntrackt.sid: Secure, HttpOnly, SameSite=Lax, Path=/, no Domain", async () => {
      const https = { "X-Forwarded-Proto": "https" };
      const res = await logIn(proxied.app, "tls", https);
      expect(res.status).toBe(303);
      expect(sessionCookie(res)).toBeUndefined();
      const cookie = secureSessionCookie(res);
      expect(cookie).toMatch(/;\s*Secure/i);
      expect(cookie).toMatch(/;\s*HttpOnly/i);
      expect(cookie).toMatch(/;\s*SameSite=Lax/i);
      expect(cookie).toMatch(/;\s*Path=\/(;|$)/i);
      expect(cookie).not.toMatch(/;\s*Domain=/i);

      const page = await request(proxied.app)
        .get("/")
        .set(https)
        .set("Cookie", String(cookie?.split(";")[0]));
      expect(page.status).toBe(200);
      // The log-in form's CSRF cookie is __Host- prefixed over TLS too.
      const form = await request(proxied.app).get("/login").set(https);
      expect(String(form.headers["set-cookie"])).toMatch(/^__Host-conntrackt\.csrf=[^;]+;.*Secure/);
    });

    it("is conntrackt.sid without Secure when the proxy says the request came over plain HTTP", async () => {
      const res = await logIn(proxied.app, "tls", { "X-Forwarded-Proto": "http" });
      expect(sessionCookie(res)).toBeDefined();
      expect(sessionCookie(res)).not.toMatch(/;\s*Secure/i);
    });
  });
});
