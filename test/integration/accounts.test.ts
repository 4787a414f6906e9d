// Accounts (docs/usage.md, "Accounts and permissions"): user names are unique
// regardless of case, in the admin form and `conntrackt user create`; log-in
// takes the name in any case; a value repeated in the user form counts once;
// the permissions of a request are loaded in one statement; a logged-in user's
// pages and downloads are never cached.
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findUserForLogin, getCurrentUser, getUser, listGroups } from "../../src/data/users.js";
import { PERMISSION_CODES } from "../../src/domain/constants.js";
import { type Agent, createTestContext, csrfFrom, PASSWORD, type TestContext } from "../support/app.js";
import { runCli } from "../support/cli.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let admin: Agent;
let adminId: number;
beforeAll(async () => {
  ctx = await createTestContext();
  adminId = await ctx.user("admin");
  admin = await ctx.login("admin");
});
afterAll(() => ctx.close());

const addUser = (fields: Record<string, string | string[]>) =>
  admin
    .post("/admin/users/new")
    .type("form")
    .send({ _csrf: admin.csrf, password: PASSWORD, password2: PASSWORD, isActive: "on", ...fields });

describe("user names regardless of case", () => {
  it("the admin form refuses a case variant of an existing name, saying which", async () => {
    const res = await addUser({ username: "Admin" });
    expect(res.status).toBe(422);
    expect(res.text).toContain(
      "A user named &quot;admin&quot; already exists (user names are compared regardless of case).",
    );
    expect(await ctx.db.run((c) => c.user.count({ where: { username: "Admin" } }))).toBe(0);
  });

  it("renaming to another account's name in other case is refused; changing one's own case is not", async () => {
    const id = await ctx.user("carol", [], ["Viewers"]);
    const clash = await admin
      .post(`/admin/users/${id}/edit`)
      .type("form")
      .send({ _csrf: admin.csrf, username: "ADMIN", isActive: "on" });
    expect(clash.status).toBe(422);
    expect(clash.text).toContain("A user named &quot;admin&quot; already exists");
    const own = await admin
      .post(`/admin/users/${id}/edit`)
      .type("form")
      .send({ _csrf: admin.csrf, username: "Carol", isActive: "on" });
    expect(own.status).toBe(303);
    expect((await getUser(ctx.db, id))?.username).toBe("Carol");
  });

  it("the database refuses a case variant even past the form (unique usernameKey)", async () => {
    await expect(
      ctx.db.run((c) => c.user.create({ data: { username: "CAROL", usernameKey: "carol", passwordHash: "x" } })),
    ).rejects.toMatchObject({ code: "P2002" });
  });

  it("log-in takes the name in any case", async () => {
    const agent = request.agent(ctx.app);
    const form = await agent.get("/login");
    const res = await agent
      .post("/login")
      .type("form")
      .send({ _csrf: csrfFrom(form.text), username: "cAROL", password: PASSWORD });
    expect(res.status).toBe(303);
    const page = await agent.get("/");
    expect(page.text).toContain("Carol");
  });

  it("accounts kept from before (differing only by case) log in by their exact name", async () => {
    const create = (username: string, usernameKey: string) =>
      ctx.db.run((c) => c.user.create({ data: { username, usernameKey, passwordHash: "x" } }));
    const first = await create("dave", "dave");
    const second = await create("DAVE", "dave#legacy");
    expect((await findUserForLogin(ctx.db, "DAVE"))?.id).toBe(second.id);
    expect((await findUserForLogin(ctx.db, "dave"))?.id).toBe(first.id);
    expect((await findUserForLogin(ctx.db, "Dave"))?.id).toBe(first.id);
    expect(await findUserForLogin(ctx.db, "x".repeat(10_000))).toBeNull();
  });

  it("conntrackt user create names the existing account of a case variant", async () => {
    const run = await runCli(["user", "create", "ADMIN", "--password-stdin"], {
      env: { DATABASE_URL: ctx.db.url },
      stdin: "a long enough password\n",
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('a user named "admin" already exists (user names are compared regardless of case)');
  });
});

describe("password hash cost", () => {
  it("conntrackt user create hashes with PASSWORD_HASH_COST", async () => {
    const run = await runCli(["user", "create", "zed", "--password-stdin"], {
      env: { DATABASE_URL: ctx.db.url, PASSWORD_HASH_COST: "11" },
      stdin: "a long enough password\n",
    });
    expect(run.status, run.stderr).toBe(0);
    const row = await ctx.db.run((c) => c.user.findUniqueOrThrow({ where: { username: "zed" } }));
    expect(row.passwordHash).toMatch(/^scrypt\$2048\$/);
  });

  it("the app's hasher takes its cost from the configuration", () => {
    expect(ctx.app.deps.passwords.cost).toBe(10);
  });
});

describe("the user form", () => {
  it("counts a repeated group or permission once instead of failing", async () => {
    const viewers = (await listGroups(ctx.db)).find((g) => g.name === "Viewers");
    const group = String(viewers?.id);
    const res = await addUser({ username: "twice", groups: [group, group], permissions: ["view", "view"] });
    expect(res.status, res.text.slice(0, 500)).toBe(303);
    const created = await ctx.db.run((c) => c.user.findUniqueOrThrow({ where: { username: "twice" } }));
    const row = await getUser(ctx.db, created.id);
    expect(row?.groups.map((g) => g.name)).toEqual(["Viewers"]);
    expect(row?.permissions).toEqual(["view"]);

    const edit = await admin
      .post(`/admin/users/${created.id}/edit`)
      .type("form")
      .send({ _csrf: admin.csrf, username: "twice", isActive: "on", groups: [group, group, group] });
    expect(edit.status).toBe(303);
    expect((await getUser(ctx.db, created.id))?.groups).toHaveLength(1);
  });
});

describe("the permissions of a request", () => {
  it("are loaded in one statement, direct and through groups", async () => {
    const groups = await listGroups(ctx.db);
    const editors = groups.find((g) => g.name === "Editors");
    const id = await ctx.user("mixed", ["view"], ["Editors"]);
    const before = ctx.db.queryCount;
    const user = await getCurrentUser(ctx.db, id);
    expect(ctx.db.queryCount - before).toBe(1);
    expect(user).toMatchObject({ id, username: "mixed", isSuperuser: false, isActive: true });
    expect([...(user?.permissions ?? [])].sort()).toEqual(
      [...new Set(["view", ...(editors?.permissions ?? [])])].sort(),
    );

    const bare = await ctx.user("bare");
    expect([...((await getCurrentUser(ctx.db, bare))?.permissions ?? [])]).toEqual([]);
    const root = await getCurrentUser(ctx.db, adminId);
    expect(root?.isSuperuser).toBe(true);
    expect([...(root?.permissions ?? [])].sort()).toEqual([...PERMISSION_CODES].sort());
    expect(await getCurrentUser(ctx.db, 2_000_000_000)).toBeNull();
  });
});

describe("caching", () => {
  it("a logged-in user's pages and the single-entity download are no-store", async () => {
    const { a } = await seedProject(ctx.db);
    for (const path of ["/", "/admin", `/entities/${a.id}`, `/entities/${a.id}/iptables`]) {
      const res = await admin.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers["cache-control"], path).toBe("no-store");
    }
  });
});
