// Rendered pages kept until the data changes (src/web/page-cache.ts): a second
// look answers the kept page with this session's own CSRF token; any write
// (through a form, or by another connection as the CLI would make it), a
// change of the user's permissions, a one-time message or a diagram still
// being laid out each get a freshly rendered page.

import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/data/engine.js";
import { updateUser } from "../../src/data/users.js";
import type { DiagramRenderer } from "../../src/services/diagram/index.js";
import {
  type Agent,
  createTestContext,
  csrfFrom,
  PASSWORD,
  type TestContext,
  withStandardUsers,
} from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let seed: Awaited<ReturnType<typeof seedProject>>;
let admin: Agent;
beforeAll(async () => {
  ctx = await createTestContext();
  await withStandardUsers(ctx);
  seed = await seedProject(ctx.db, "Cached");
  admin = await ctx.login("admin");
});
afterAll(() => ctx.close());

const stats = () => ctx.app.deps.pages.stats();
const pages = () => [
  `/projects/${seed.project.id}`,
  `/entities/${seed.a.id}`,
  `/communications?project=${seed.project.id}`,
  "/entities",
  "/interfaces?sort=-address",
];

/** The page twice; returns both bodies and whether the second was answered from the cache (1) or not (0). */
async function twice(agent: Agent, url: string) {
  const first = await agent.get(url);
  const before = stats().hits;
  const second = await agent.get(url);
  expect(first.status).toBe(200);
  expect(second.status).toBe(200);
  return { first: first.text, second: second.text, hits: stats().hits - before, response: second };
}

describe("the page cache", () => {
  it("answers a second look at each kept page from the cache, byte for byte", async () => {
    // The project page's first look starts its diagram; a page that says
    // "being drawn" is not kept. Wait for the layout.
    for (let i = 0; i < 100; i++) {
      if (!(await admin.get(`/projects/${seed.project.id}`)).text.includes("being drawn")) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const url of pages()) {
      const { first, second, hits, response } = await twice(admin, url);
      expect(hits, url).toBe(1);
      expect(second).toBe(first);
      expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(response.headers["cache-control"]).toBe("no-store");
      expect(response.headers["content-security-policy"]).toContain("default-src 'self'");
    }
  });

  it("keeps a page per session, with that session's CSRF token, which its forms then use", async () => {
    const url = `/entities/${seed.a.id}`;
    await twice(admin, url);
    const other = await ctx.login("admin");
    const before = stats().hits;
    // The other session's first look is its own rendering; its second is kept.
    const { second: page } = await twice(other, url);
    expect(stats().hits).toBe(before + 1);
    expect(csrfFrom(page)).toBe(other.csrf);
    expect(other.csrf).not.toBe(admin.csrf);
    expect(csrfFrom((await admin.get(url)).text)).toBe(admin.csrf);
    // The token the kept page gave works; the other session's does not.
    expect((await other.post("/logout").type("form").send({ _csrf: admin.csrf })).status).toBe(403);
    expect(
      (
        await other
          .post("/logout")
          .type("form")
          .send({ _csrf: csrfFrom(page) })
      ).status,
    ).toBe(303);
  });

  it("renders again after a write through a form", async () => {
    const url = `/entities/${seed.a.id}`;
    await twice(admin, url);
    const saved = await admin
      .post(`/entities/${seed.a.id}/edit`)
      .type("form")
      .send({
        _csrf: admin.csrf,
        name: "alpha-edited",
        description: "",
        project: String(seed.project.id),
        location: String(seed.location.id),
      });
    expect(saved.status).toBe(303);
    const page = await admin.get(saved.headers.location as string);
    // The message of the save is shown once, then the page is kept again.
    expect(page.text).toContain("alpha-edited");
    expect(page.text).toMatch(/class="flash flash-success"/);
    const { first, hits } = await twice(admin, url);
    expect(first).not.toMatch(/class="flash flash-success"/);
    expect(hits).toBe(1);
  });

  it("renders again after a write by another connection, which the data revision sees", async () => {
    const url = `/communications?project=${seed.project.id}`;
    expect((await twice(admin, url)).hits).toBe(1);
    const other = await openDatabase(ctx.app.deps.config.DATABASE_URL);
    try {
      await other.run((c) =>
        c.$executeRawUnsafe(
          `UPDATE "Communication" SET "description" = 'changed elsewhere' WHERE "id" = ${seed.communication}`,
        ),
      );
    } finally {
      await other.close();
    }
    const before = stats().hits;
    const page = await admin.get(url);
    expect(stats().hits).toBe(before);
    expect(page.text).toContain("changed elsewhere");
  });

  it("renders again when the user's permissions change", async () => {
    const editor = await ctx.login("editor");
    const url = `/entities/${seed.b.id}`;
    const { second } = await twice(editor, url);
    expect(second).toContain(`/entities/${seed.b.id}/edit`);
    const id = (await ctx.db.run((c) => c.user.findFirstOrThrow({ where: { username: "editor" } }))).id;
    await updateUser(ctx.db, id, {
      username: "editor",
      isActive: true,
      isSuperuser: false,
      groupIds: [],
      permissions: ["view"],
    });
    const page = await editor.get(url);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(`/entities/${seed.b.id}/edit`);
  });

  it("does not keep another user's page for this one", async () => {
    const viewer = await ctx.login("viewer");
    const url = `/entities/${seed.a.id}`;
    await twice(admin, url);
    const page = await viewer.get(url);
    expect(page.text).toContain('<span class="username">viewer</span>');
    expect(page.text).not.toContain(`/entities/${seed.a.id}/edit`);
  });
});

describe("pages that are not kept", () => {
  it("a project page whose diagram is still being laid out", async () => {
    const diagrams = {
      peek: () => "pending" as const,
      render: () => new Promise<never>(() => undefined),
      close: async () => undefined,
    } as unknown as DiagramRenderer;
    const pending = await createTestContext({ diagrams });
    try {
      await withStandardUsers(pending);
      const project = await seedProject(pending.db, "Pending");
      const agent = await pending.login("admin");
      for (let i = 0; i < 3; i++)
        expect((await agent.get(`/projects/${project.project.id}`)).text).toContain("being drawn");
      expect(pending.app.deps.pages.stats().hits).toBe(0);
    } finally {
      await pending.close();
    }
  });

  it("any page when PAGE_CACHE_MB is 0", async () => {
    const off = await createTestContext({ config: { PAGE_CACHE_MB: 0 } });
    try {
      await withStandardUsers(off);
      const project = await seedProject(off.db, "Off");
      const agent = await off.login("admin");
      for (let i = 0; i < 3; i++) expect((await agent.get(`/entities/${project.a.id}`)).status).toBe(200);
      expect(off.app.deps.pages.stats()).toMatchObject({ pages: 0, hits: 0 });
    } finally {
      await off.close();
    }
  });
});

/** A logged-in agent and its raw session cookie value. */
async function loginWithCookie(username: string): Promise<{ agent: Agent; sid: string }> {
  const form = await request(ctx.app).get("/login");
  const anonymous = (form.headers["set-cookie"] as unknown as string[]).map((c) => c.split(";")[0]).join("; ");
  const res = await request(ctx.app)
    .post("/login")
    .set("Cookie", anonymous)
    .type("form")
    .send({ _csrf: csrfFrom(form.text), username, password: PASSWORD });
  expect(res.status).toBe(303);
  const sid = /conntrackt\.sid=([^;]+)/.exec(
    (res.headers["set-cookie"] as unknown as string[]).join("; "),
  )?.[1] as string;
  const agent = request.agent(ctx.app) as Agent;
  agent.jar.setCookie(`conntrackt.sid=${sid}`, "127.0.0.1", "/");
  return { agent, sid };
}

describe("the early answer, before the session layers", () => {
  it("never answers a cookie whose signature is wrong, a logged-out session or a deactivated user", async () => {
    const { agent, sid } = await loginWithCookie("viewer");
    const url = `/entities/${seed.b.id}`;
    expect((await twice(agent, url)).hits).toBe(1);
    // One character of the signature changed: the log-in page, not the kept page.
    const value = decodeURIComponent(sid as string);
    const forged = encodeURIComponent(value.slice(0, -1) + (value.endsWith("A") ? "B" : "A"));
    expect((await request(ctx.app).get(url).set("Cookie", `conntrackt.sid=${sid}`)).status).toBe(200);
    const refused = await request(ctx.app).get(url).set("Cookie", `conntrackt.sid=${forged}`);
    expect(refused.status).toBe(302);
    expect(refused.headers.location).toMatch(/^\/login/);

    const id = (await ctx.db.run((c) => c.user.findFirstOrThrow({ where: { username: "viewer" } }))).id;
    await updateUser(ctx.db, id, {
      username: "viewer",
      isActive: false,
      isSuperuser: false,
      groupIds: [],
      permissions: [],
    });
    const inactive = await agent.get(url);
    expect(inactive.status).toBe(302);
    expect(inactive.headers.location).toMatch(/^\/login/);
  });

  it("does not answer a session after its log-out", async () => {
    const { agent, sid } = await loginWithCookie("admin");
    const url = `/entities/${seed.b.id}`;
    expect((await twice(agent, url)).hits).toBe(1);
    const cookie = `conntrackt.sid=${sid}`;
    const token = csrfFrom((await agent.get(url)).text);
    expect((await agent.post("/logout").type("form").send({ _csrf: token })).status).toBe(303);
    const after = await request(ctx.app).get(url).set("Cookie", cookie);
    expect(after.status).toBe(302);
  });
});
