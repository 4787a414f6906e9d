// The account page (docs/usage.md, "Account"): the user name in the navigation
// bar leads there; any logged-in user, with or without permissions, changes
// their own password (the current one required, other sessions ended) and
// creates, lists and revokes API tokens (docs/api.md, "Tokens"); a new token is
// shown once and only its hash is stored; superusers see and revoke everyone's.
import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { pino } from "pino";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, todayUtc } from "../../src/domain/expiry.js";
import { type Agent, createTestContext, csrfFrom, PASSWORD, type TestContext } from "../support/app.js";

const logLines: string[] = [];
const logStream = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});

let ctx: TestContext;
let admin: Agent;
let nobody: Agent;
beforeAll(async () => {
  ctx = await createTestContext({ logger: pino({ level: "info" }, logStream) });
  await ctx.user("admin");
  await ctx.user("nobody");
  await ctx.user("viewer", [], ["Viewers"]);
  admin = await ctx.login("admin");
  nobody = await ctx.login("nobody");
});
afterAll(() => ctx.close());

const NEW_TOKEN = /<code id="new-token">([^<]+)<\/code>/;

async function createToken(agent: Agent, fields: Record<string, string>) {
  return agent
    .post("/account/tokens")
    .type("form")
    .send({ _csrf: agent.csrf, access: "read", ...fields });
}

const tokenRows = () => ctx.db.run((c) => c.apiToken.findMany({ include: { user: true }, orderBy: { id: "asc" } }));

describe("the account page", () => {
  it("sends anonymous visitors to log-in", async () => {
    const res = await request(ctx.app).get("/account");
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe("/login?next=%2Faccount");
  });

  it("is linked from the user name in the navigation bar, and open to a user without any permission", async () => {
    const home = await admin.get("/");
    expect(home.text).toMatch(/<a href="\/account"[^>]*><span class="username">admin<\/span><\/a>/);
    const res = await nobody.get("/account");
    expect(res.status).toBe(200);
    expect(res.text).toContain("Account of nobody");
    expect(res.headers["cache-control"]).toBe("no-store");
  });

  it("labels the token form Name, Expires and Access, with the options Read only and Read and write", async () => {
    const res = await nobody.get("/account");
    expect(res.text).toContain('<label for="f-name">Name</label>');
    expect(res.text).toContain('<label for="f-expires">Expires</label>');
    expect(res.text).toContain('<label for="f-access">Access</label>');
    expect(res.text).toMatch(/<option value="read"[^>]*>Read only<\/option>/);
    expect(res.text).toMatch(/<option value="write"[^>]*>Read and write<\/option>/);
  });
});

describe("changing one's own password", () => {
  const change = (agent: Agent, fields: Record<string, string>) =>
    agent
      .post("/account/password")
      .type("form")
      .send({ _csrf: agent.csrf, ...fields });

  it("requires the right current password, and the same rules as the admin form", async () => {
    await ctx.user("pat");
    const pat = await ctx.login("pat");
    const wrong = await change(pat, {
      current: "not it at all",
      password: "new password 1",
      password2: "new password 1",
    });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain("The current password is wrong.");
    expect(wrong.text).not.toContain("not it at all");
    const short = await change(pat, { current: PASSWORD, password: "short", password2: "short" });
    expect(short.status).toBe(422);
    expect(short.text).toContain("Password must be at least 8 characters.");
    const mismatch = await change(pat, { current: PASSWORD, password: "new password 1", password2: "new password 2" });
    expect(mismatch.status).toBe(422);
    expect(mismatch.text).toContain("The two passwords do not match.");
    await expect(ctx.login("pat")).resolves.toBeTruthy();
  });

  it("sets the new password and ends the user's other sessions, keeping this one", async () => {
    await ctx.user("quinn");
    const here = await ctx.login("quinn");
    const elsewhere = await ctx.login("quinn");
    const res = await change(here, { current: PASSWORD, password: "a brand new one", password2: "a brand new one" });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe("/account");
    expect((await here.get("/account")).text).toContain("Your password was changed");
    expect((await elsewhere.get("/account")).status).toBe(302);
    await expect(ctx.login("quinn")).rejects.toThrow(/failed with 401/);
    await expect(ctx.login("quinn", "a brand new one")).resolves.toBeTruthy();
  });

  it("refuses a form without the CSRF token", async () => {
    const res = await nobody
      .post("/account/password")
      .type("form")
      .send({ current: PASSWORD, password: "x".repeat(10), password2: "x".repeat(10) });
    expect(res.status).toBe(403);
  });
});

describe("API tokens", () => {
  it("shows a new token once in <code id=new-token>, and stores only its SHA-256", async () => {
    const res = await createToken(nobody, { name: "ansible on deploy-1", access: "write" });
    expect(res.status).toBe(201);
    const token = NEW_TOKEN.exec(res.text)?.[1] as string;
    expect(token).toMatch(/^ct_[A-Za-z0-9_-]{43}$/);
    const row = (await tokenRows()).find((t) => t.name === "ansible on deploy-1");
    expect(row).toMatchObject({ readOnly: false, expiresAt: null, lastUsedAt: null });
    expect(row?.tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(await tokenRows())).not.toContain(token.slice(3));
    const again = await nobody.get("/account");
    expect(again.text).not.toContain(token);
    expect(again.text).not.toContain('id="new-token"');
    expect(again.text).toContain("ansible on deploy-1");
  });

  it("lists name, access, created, last used and expiry; Expires is the last day the token works", async () => {
    const last = addDays(todayUtc(), 30);
    const res = await createToken(nobody, { name: "monthly report", expires: last });
    expect(res.status).toBe(201);
    const row = (await tokenRows()).find((t) => t.name === "monthly report");
    expect(row?.readOnly).toBe(true);
    expect(row?.expiresAt?.toISOString()).toBe(`${addDays(last, 1)}T00:00:00.000Z`);
    const page = (await nobody.get("/account")).text;
    const line = /<tr>\s*<td>monthly report<\/td>[\s\S]*?<\/tr>/.exec(page)?.[0] ?? "";
    expect(line).toContain("<td>Read only</td>");
    expect(line).toContain(`<td>${last}</td>`);
    expect(line).toContain("<td>never</td>");
    expect(line).toMatch(/<time datetime="\d{4}-\d\d-\d\dT/);
  });

  it.each([
    [{ name: "" }, "Name is required."],
    [{ name: "x", expires: addDays(todayUtc(), -1) }, "Expires must be today or a later date"],
    [{ name: "x", expires: "2027-02-30" }, "Expires must be"],
    [{ name: "x", access: "admin" }, "Access: choose Read only or Read and write."],
  ])("refuses %j with the field's message and keeps the input", async (fields, message) => {
    const before = (await tokenRows()).length;
    const res = await createToken(nobody, fields);
    expect(res.status).toBe(422);
    expect(res.text).toContain(message);
    expect(res.text).not.toContain('id="new-token"');
    expect((await tokenRows()).length).toBe(before);
  });

  it("logs creation and revocation with the token's id and name, never its text", async () => {
    logLines.length = 0;
    const res = await createToken(nobody, { name: "logged one" });
    const token = NEW_TOKEN.exec(res.text)?.[1] as string;
    const id = (await tokenRows()).find((t) => t.name === "logged one")?.id as number;
    await nobody.post(`/account/tokens/${id}/revoke`).type("form").send({ _csrf: nobody.csrf });
    const events = logLines.map((l) => JSON.parse(l)).filter((l) => /API token/.test(l.msg));
    expect(events.map((e) => e.msg)).toEqual(["API token created", "API token revoked"]);
    expect(events[0]).toMatchObject({ user: "nobody", apiToken: { id, name: "logged one", readOnly: true } });
    expect(logLines.join("")).not.toContain(token.slice(3));
  });

  it("revokes one's own token; another user's token is not found for a non-superuser", async () => {
    await createToken(nobody, { name: "to revoke" });
    const mine = (await tokenRows()).find((t) => t.name === "to revoke")?.id as number;
    const viewer = await ctx.login("viewer");
    const theirs = await viewer.post(`/account/tokens/${mine}/revoke`).type("form").send({ _csrf: viewer.csrf });
    expect(theirs.status).toBe(404);
    expect((await viewer.get("/account")).text).not.toContain("to revoke");
    const own = await nobody.post(`/account/tokens/${mine}/revoke`).type("form").send({ _csrf: nobody.csrf });
    expect(own.status).toBe(303);
    expect((await nobody.get("/account")).text).toContain("Token &quot;to revoke&quot; was revoked.");
    expect((await tokenRows()).some((t) => t.id === mine)).toBe(false);
    const gone = await nobody.post(`/account/tokens/${mine}/revoke`).type("form").send({ _csrf: nobody.csrf });
    expect(gone.status).toBe(404);
  });

  it("superusers see every user's tokens and revoke them", async () => {
    await createToken(nobody, { name: "watched by admin" });
    const id = (await tokenRows()).find((t) => t.name === "watched by admin")?.id as number;
    const page = (await admin.get("/account")).text;
    expect(page).toContain("Tokens of other users");
    expect(page).toMatch(/<td>nobody<\/td>\s*<td>watched by admin<\/td>/);
    expect(page).toContain('aria-label="Revoke watched by admin of nobody"');
    expect((await nobody.get("/account")).text).not.toContain("Tokens of other users");
    const res = await admin.post(`/account/tokens/${id}/revoke`).type("form").send({ _csrf: admin.csrf });
    expect(res.status).toBe(303);
    expect((await admin.get("/account")).text).toContain("Token &quot;watched by admin&quot; of nobody was revoked.");
    expect((await tokenRows()).some((t) => t.id === id)).toBe(false);
  });

  it("the page's forms carry the CSRF token of the session", async () => {
    const page = await nobody.get("/account");
    expect(csrfFrom(page.text)).toBe(nobody.csrf);
  });
});
