// Issue 13 defects 3 and 9, as a new user meets them: a user with no group gets
// a 403 page that says the account has no permissions yet and offers no link
// back to itself; an admin is warned when adding such a user and can delete
// users (never themselves); times read as dates, not raw ISO; every page has a
// skip link; the log-in page has no search box firing suggestion requests.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getUser } from "../../src/data/users.js";
import { formatLocalTime } from "../../src/web/time.js";
import { type Agent, createTestContext, PASSWORD, type TestContext } from "../support/app.js";

let ctx: TestContext;
let admin: Agent;
let adminId: number;
beforeAll(async () => {
  ctx = await createTestContext();
  adminId = await ctx.user("admin");
  await ctx.user("viewer", ["view"]);
  await ctx.user("nobody");
  admin = await ctx.login("admin");
});
afterAll(() => ctx.close());

describe("a user without permissions", () => {
  it("gets a 403 saying the account has no permissions yet, without a link to the main page", async () => {
    const nobody = await ctx.login("nobody");
    const res = await nobody.get("/");
    expect(res.status).toBe(403);
    expect(res.text).toContain("No permissions yet");
    expect(res.text).toContain("your account has no permissions yet");
    expect(res.text).not.toContain('href="/">Go to the main page');
    expect(res.text).not.toContain('id="nav-search"');
  });

  it("a viewer refused an action still gets the usual 403 with the main page link", async () => {
    const viewer = await ctx.login("viewer");
    const res = await viewer.get("/projects/new");
    expect(res.status).toBe(403);
    expect(res.text).toContain("You do not have permission to do this.");
    expect(res.text).toContain('<a href="/">Go to the main page</a>');
  });
});

describe("administration", () => {
  const addUser = (fields: Record<string, string | string[]>) =>
    admin
      .post("/admin/users/new")
      .type("form")
      .send({ _csrf: admin.csrf, password: PASSWORD, password2: PASSWORD, isActive: "on", ...fields });

  it("warns when a user is added without a group or permission, and not otherwise", async () => {
    const bare = await addUser({ username: "newcomer" });
    expect(bare.status).toBe(303);
    const page = await admin.get("/admin");
    expect(page.text).toContain("&quot;newcomer&quot; is in no group and has no permissions");
    const withPermission = await addUser({ username: "reader", permissions: "view" });
    expect(withPermission.status).toBe(303);
    expect((await admin.get("/admin")).text).not.toContain("is in no group");
  });

  it("deletes a user after confirmation, ending their sessions", async () => {
    const id = await ctx.user("leaver", ["view"]);
    const leaver = await ctx.login("leaver");
    expect((await leaver.get("/")).status).toBe(200);
    const confirm = await admin.get(`/admin/users/${id}/delete`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain("Are you sure you want to delete the user <strong>leaver</strong>?");
    const res = await admin.post(`/admin/users/${id}/delete`).type("form").send({ _csrf: admin.csrf });
    expect(res.status).toBe(303);
    expect(await getUser(ctx.db, id)).toBeNull();
    expect((await admin.get("/admin")).text).toContain("User &quot;leaver&quot; was deleted");
    const after = await leaver.get("/");
    expect(after.status).toBe(302);
    expect(after.headers.location).toMatch(/^\/login/);
  });

  it("never deletes the admin's own account", async () => {
    const confirm = await admin.get(`/admin/users/${adminId}/delete`);
    expect(confirm.text).toContain("You cannot delete your own account.");
    expect(confirm.text).not.toContain("Yes, delete");
    const res = await admin.post(`/admin/users/${adminId}/delete`).type("form").send({ _csrf: admin.csrf });
    expect(res.status).toBe(303);
    expect(await getUser(ctx.db, adminId)).not.toBeNull();
    expect((await admin.get("/admin")).text).not.toContain(`href="/admin/users/${adminId}/delete"`);
  });

  it("answers 404 for deleting an unknown user, and refuses non-admins", async () => {
    expect((await admin.get("/admin/users/999999/delete")).status).toBe(404);
    const viewer = await ctx.login("viewer");
    const id = (await ctx.db.run((c) => c.user.findFirstOrThrow({ where: { username: "nobody" } }))).id;
    expect((await viewer.post(`/admin/users/${id}/delete`).type("form").send({ _csrf: viewer.csrf })).status).toBe(403);
    expect(await getUser(ctx.db, id)).not.toBeNull();
  });

  it("shows the last log-in as a readable time with the ISO instant in <time datetime>", async () => {
    const user = await ctx.db.run((c) => c.user.findFirstOrThrow({ where: { username: "admin" } }));
    const at = user.lastLoginAt as Date;
    const page = await admin.get("/admin");
    expect(page.text).toContain(`<time datetime="${at.toISOString()}">${formatLocalTime(at)}</time>`);
    expect(formatLocalTime(new Date("2026-12-02T01:45:00Z"))).toMatch(/^\d{1,2} Dec 2026, \d\d:\d\d \S+/);
    expect(page.text).not.toMatch(/>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z</);
  });
});

describe("keyboard and anonymous pages", () => {
  it("every page starts with a skip link to the main content", async () => {
    const viewer = await ctx.login("viewer");
    for (const page of [await viewer.get("/"), await request(ctx.app).get("/login")]) {
      expect(page.text).toMatch(/<body>\s*<a class="skip-link" href="#content">Skip to main content<\/a>/);
      expect(page.text).toContain('<main id="content" tabindex="-1">');
    }
  });

  it("the log-in page has no search box, so nothing requests suggestions that would redirect", async () => {
    const page = await request(ctx.app).get("/login");
    expect(page.status).toBe(200);
    expect(page.text).not.toContain("data-suggest");
    expect((await ctx.login("viewer").then((v) => v.get("/"))).text).toContain('data-suggest="/search/suggest"');
  });

  it("a form sent back with errors marks its fields for the focus script", async () => {
    const res = await admin.post("/projects/new").type("form").send({ _csrf: admin.csrf, name: "" });
    expect(res.status).toBe(422);
    expect(res.text).toContain('aria-invalid="true"');
    expect(res.text).toContain('<script src="/static/js/form-focus.js" defer></script>');
    const script = await admin.get("/static/js/form-focus.js");
    expect(script.status).toBe(200);
    expect(script.text).toContain('[aria-invalid="true"]');
  });
});
