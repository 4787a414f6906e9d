// Who may call the API (docs/api.md, "Tokens"): `Authorization: Bearer TOKEN`
// acts as the token's user with that user's permissions and never more; a
// read-only token only reads; a revoked, expired or unknown token, or an
// inactive user's, is a 401 in JSON, as is a caller without token or session
// (never a redirect to log-in). Token requests need no CSRF token and set no
// cookie; a browser session may call the API but writes with the CSRF token.
// Each use is logged with the token's id and name, never its text, and
// lastUsedAt is written at most once a minute.
import { Writable } from "node:stream";
import { pino } from "pino";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { updateUser } from "../../src/data/users.js";
import { TokenAuthenticator } from "../../src/services/tokens.js";
import { api, apiToken } from "../support/api.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

const logLines: string[] = [];
const logStream = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});

let ctx: TestContext;
let editorId: number;
let viewerId: number;
beforeAll(async () => {
  ctx = await createTestContext({ logger: pino({ level: "info" }, logStream) });
  editorId = await ctx.user("editor", [], ["Editors"]);
  viewerId = await ctx.user("viewer", [], ["Viewers"]);
});
afterAll(() => ctx.close());

const project = (name: string) => ({ name, description: "" });
const tokenRow = (id: number) =>
  ctx.db.run((c) => c.apiToken.findFirstOrThrow({ where: { userId: id }, orderBy: { id: "desc" } }));

describe("without a usable token", () => {
  it("an anonymous caller gets a 401 in JSON with a Bearer challenge, not a redirect", async () => {
    for (const res of [
      await request(ctx.app).get("/api/v1/projects"),
      await request(ctx.app).post("/api/v1/projects"),
    ]) {
      expect(res.status).toBe(401);
      expect(res.type).toBe("application/json");
      expect(res.body.error).toMatch(/^Authentication required/);
      expect(res.headers["www-authenticate"]).toBe('Bearer realm="conntrackt"');
      expect(res.headers["set-cookie"]).toBeUndefined();
    }
  });

  it.each([
    ["an unknown token", `Bearer ct_${"A".repeat(43)}`],
    ["text that is no token", "Bearer hunter2"],
    ["another scheme", "Basic YWRtaW46YWRtaW4="],
    ["an empty bearer", "Bearer "],
  ])("%s is a 401 invalid_token", async (_what, header) => {
    const res = await request(ctx.app).get("/api/v1/projects").set("Authorization", header);
    expect(res.status).toBe(401);
    expect(res.body.error).toBeTypeOf("string");
    expect(res.headers["www-authenticate"]).toBe('Bearer realm="conntrackt", error="invalid_token"');
  });

  it("a revoked token stops working at once", async () => {
    const token = await apiToken(ctx, editorId);
    expect((await api(ctx, "get", "/api/v1/projects", token)).status).toBe(200);
    const row = await tokenRow(editorId);
    const admin = await ctx.user("admin");
    const agent = await ctx.login("admin");
    expect(admin).toBeGreaterThan(0);
    const revoke = await agent.post(`/account/tokens/${row.id}/revoke`).type("form").send({ _csrf: agent.csrf });
    expect(revoke.status).toBe(303);
    expect((await api(ctx, "get", "/api/v1/projects", token)).status).toBe(401);
  });

  it("an expired token is refused from the first moment after its last day", async () => {
    const past = await apiToken(ctx, editorId, { expiresAt: new Date(Date.now() - 1000) });
    const future = await apiToken(ctx, editorId, { expiresAt: new Date(Date.now() + 60_000) });
    expect((await api(ctx, "get", "/api/v1/projects", past)).status).toBe(401);
    expect((await api(ctx, "get", "/api/v1/projects", future)).status).toBe(200);
  });

  it("the token of a user who was deactivated is refused", async () => {
    const id = await ctx.user("leaver", [], ["Editors"]);
    const token = await apiToken(ctx, id);
    expect((await api(ctx, "get", "/api/v1/projects", token)).status).toBe(200);
    await updateUser(ctx.db, id, {
      username: "leaver",
      isActive: false,
      isSuperuser: false,
      groupIds: [],
      permissions: [],
    });
    const res = await api(ctx, "get", "/api/v1/projects", token);
    expect(res.status).toBe(401);
  });
});

describe("with a token", () => {
  it("acts with its user's permissions and never more: a viewer's read-write token cannot create", async () => {
    const token = await apiToken(ctx, viewerId, { readOnly: false });
    expect((await api(ctx, "get", "/api/v1/projects", token)).status).toBe(200);
    const res = await api(ctx, "post", "/api/v1/projects", token).send(project("Not allowed"));
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: "You do not have permission to do this." });
  });

  it("a read-only token reads but cannot write, whatever its user may do", async () => {
    const token = await apiToken(ctx, editorId, { readOnly: true });
    const s = await seedProject(ctx.db, "ReadOnly");
    expect((await api(ctx, "get", `/api/v1/entities/${s.a.id}/rules/nftables`, token)).status).toBe(200);
    for (const res of [
      await api(ctx, "post", "/api/v1/projects", token).send(project("Refused")),
      await api(ctx, "patch", `/api/v1/projects/${s.project.id}`, token).send({ description: "x" }),
      await api(ctx, "delete", `/api/v1/projects/${s.project.id}`, token),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error).toMatch(/^This token is read-only/);
    }
    expect((await api(ctx, "get", `/api/v1/projects/${s.project.id}`, token)).body.description).toBe("Test project");
  });

  it("a write needs no CSRF token, and no request sets a cookie", async () => {
    const token = await apiToken(ctx, editorId);
    const sessions = await ctx.db.run((c) => c.session.count());
    const res = await api(ctx, "post", "/api/v1/projects", token).send(project("By token"));
    expect(res.status).toBe(201);
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(res.headers["cache-control"]).toBe("no-store");
    const read = await api(ctx, "get", `/api/v1/projects/${res.body.id}`, token);
    expect(read.headers["set-cookie"]).toBeUndefined();
    expect(await ctx.db.run((c) => c.session.count())).toBe(sessions);
  });

  it("logs each use with the token's id and name and the user, never the token", async () => {
    const token = await apiToken(ctx, editorId, { name: "logged token" });
    const { id } = await tokenRow(editorId);
    logLines.length = 0;
    await api(ctx, "get", "/api/v1/locations", token);
    await request(ctx.app)
      .get("/api/v1/locations")
      .set("Authorization", `Bearer ${token.slice(0, -1)}x`);
    const events = logLines.map((l) => JSON.parse(l)).filter((l) => /^API token/.test(l.msg));
    expect(events).toEqual([
      expect.objectContaining({ msg: "API token used", user: "editor", apiToken: { id, name: "logged token" } }),
      expect.objectContaining({ msg: "API token refused", reason: "unknown" }),
    ]);
    expect(logLines.join("")).not.toContain(token.slice(3, -1));
  });

  it("writes lastUsedAt on first use, not again within the minute", async () => {
    const id = await ctx.user("clock", [], ["Viewers"]);
    const token = await apiToken(ctx, id);
    expect((await tokenRow(id)).lastUsedAt).toBeNull();
    await api(ctx, "get", "/api/v1/projects", token);
    const first = (await tokenRow(id)).lastUsedAt;
    expect(first).toBeInstanceOf(Date);
    await api(ctx, "get", "/api/v1/projects", token);
    expect((await tokenRow(id)).lastUsedAt).toEqual(first);
  });

  it("lastUsedAt moves again once a minute has passed (by this process or another)", async () => {
    const id = await ctx.user("ticker", [], ["Viewers"]);
    const token = await apiToken(ctx, id);
    let now = new Date("2030-01-01T12:00:00Z");
    const tokens = new TokenAuthenticator(ctx.db, { now: () => now });
    const seen = async () => (await tokenRow(id)).lastUsedAt?.toISOString();
    expect((await tokens.authenticate(token)).ok).toBe(true);
    expect(await seen()).toBe("2030-01-01T12:00:00.000Z");
    now = new Date("2030-01-01T12:00:59Z");
    await tokens.authenticate(token);
    expect(await seen()).toBe("2030-01-01T12:00:00.000Z");
    now = new Date("2030-01-01T12:01:01Z");
    await tokens.authenticate(token);
    expect(await seen()).toBe("2030-01-01T12:01:01.000Z");
    // Another process wrote a later use meanwhile: this one does not write an older one.
    await ctx.db.run((c) =>
      c.apiToken.updateMany({ where: { userId: id }, data: { lastUsedAt: new Date("2030-01-01T12:02:30Z") } }),
    );
    now = new Date("2030-01-01T12:02:10Z");
    await tokens.authenticate(token);
    expect(await seen()).toBe("2030-01-01T12:02:30.000Z");
  });
});

describe("with a browser session", () => {
  let editor: Agent;
  beforeAll(async () => {
    editor = await ctx.login("editor");
  });

  it("reads as the logged-in user", async () => {
    const res = await editor.get("/api/v1/projects");
    expect(res.status).toBe(200);
    expect(res.body).toHaveProperty("results");
  });

  it("writes only with the session's CSRF token in X-CSRF-Token", async () => {
    const refused = await editor.post("/api/v1/projects").send(project("No CSRF"));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/CSRF token/);
    const wrong = await editor.post("/api/v1/projects").set("X-CSRF-Token", "nope").send(project("Bad CSRF"));
    expect(wrong.status).toBe(403);
    const ok = await editor.post("/api/v1/projects").set("X-CSRF-Token", editor.csrf).send(project("With CSRF"));
    expect(ok.status).toBe(201);
  });

  it("a token in the header wins over the session: its user and its limits apply", async () => {
    const token = await apiToken(ctx, viewerId, { readOnly: true });
    const res = await editor
      .post("/api/v1/projects")
      .set("Authorization", `Bearer ${token}`)
      .send(project("Header wins"));
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/^This token is read-only/);
  });
});

describe("the rest of /api/v1", () => {
  it("an unknown endpoint is a 404 in JSON, also for an anonymous caller after authentication", async () => {
    const token = await apiToken(ctx, editorId);
    const res = await api(ctx, "get", "/api/v1/nothing-here", token);
    expect(res.status).toBe(404);
    expect(res.body.error).toBe("There is no GET /api/v1/nothing-here (see /api/v1/openapi.json).");
    expect((await request(ctx.app).get("/api/v1/nothing-here")).status).toBe(401);
  });

  it("the OpenAPI document is open to anyone", async () => {
    const res = await request(ctx.app).get("/api/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
  });
});
