// Errors in production (issue 7): an unexpected failure shows the plain 500
// page in the site layout, with no stack trace, SQL, library text or file
// path, while the log gets the details. Requests the client got wrong (too
// large, too many fields, malformed %-escapes, unknown charsets) get their 4xx
// page, never a 500.
import { Writable } from "node:stream";
import { pino } from "pino";
import request from "supertest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Client, Database } from "../../src/data/engine.js";
import { projectRoot } from "../../src/data/engine.js";
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
let editor: Agent;
let admin: Agent;
let seed: Awaited<ReturnType<typeof seedProject>>;

beforeAll(async () => {
  ctx = await createTestContext({
    config: { NODE_ENV: "production", production: true },
    logger: pino({ level: "error" }, logStream),
  });
  await ctx.user("editor", [], ["Editors"]);
  await ctx.user("admin");
  [editor, admin] = [await ctx.login("editor"), await ctx.login("admin")];
  seed = await seedProject(ctx.db, "Prod");
});
afterAll(() => ctx.close());

// A failing query of the real engine, so the error carries real SQL and Prisma text.
const SECRET_TABLE = "no_such_table_for_the_test";
const failingQuery = (c: Client) => c.$queryRawUnsafe(`SELECT "secret_column" FROM "${SECRET_TABLE}" WHERE 1 = 1`);

const original: Pick<Database, "run" | "transaction" | "lookup"> = {
  run: undefined as never,
  transaction: undefined as never,
  lookup: undefined as never,
};
type Mutable = { -readonly [K in keyof Database]: Database[K] };

/** Every database call fails (`all`), or only those that touch the given model. */
function breakDatabase(what: "all" | "project") {
  const db = ctx.db as Mutable;
  original.run = db.run;
  original.transaction = db.transaction;
  original.lookup = db.lookup;
  if (what === "all") {
    db.run = () => original.run(failingQuery) as never;
    db.lookup = () => original.run(failingQuery) as never;
    db.transaction = () => original.run(failingQuery) as never;
    return;
  }
  const wrap = (c: Client): Client =>
    new Proxy(c, {
      get(target, key) {
        if (key === what) return new Proxy({}, { get: () => () => failingQuery(target) });
        return Reflect.get(target, key, target);
      },
    });
  db.run = (fn) => original.run((c) => fn(wrap(c)));
  db.transaction = (fn) => original.transaction((tx) => fn(wrap(tx as Client)));
}

afterEach(() => {
  const db = ctx.db as Mutable;
  if (original.run) db.run = original.run;
  if (original.transaction) db.transaction = original.transaction;
  if (original.lookup) db.lookup = original.lookup;
  logLines.length = 0;
});

const LEAKS: [string, RegExp][] = [
  ["SQL", /\bSELECT\b|\bFROM\b|secret_column|no_such_table/i],
  ["Prisma", /prisma|invocation|P20\d\d/i],
  ["library names", /sqlite|postgres|better-sqlite3|express|nunjucks|node:internal/i],
  ["stack frames", /\bat [^\n]*:\d+:\d+|\bat async\b/],
  ["error class names", /\b(Type|Range|Reference|Syntax|URI)?Error:/],
  ["file paths", /\/(work|home|tmp|src|node_modules)\/|\.(ts|js|mjs|cjs):\d+/],
];

/** A page without the layout's own script tags (select-filter.js is the site's, not an error's). */
const withoutScripts = (html: string) => html.replace(/<script src="\/static\/js\/[a-z-]+\.js" defer><\/script>/g, "");

/** The 500 page: site layout, the plain message, and nothing from the error. */
function expectPlainServerError(res: { status: number; text: string; headers: Record<string, string> }) {
  expect(res.status).toBe(500);
  expect(res.headers["content-type"]).toMatch(/^text\/html/);
  expect(res.text).toContain("<h1>Server error</h1>");
  expect(res.text).toContain("Something went wrong on our side. The error has been logged; please try again.");
  expect(res.text).toContain('<header class="site-header">');
  expect(res.text).toContain('<footer class="site-footer">');
  expect(res.text).not.toContain(projectRoot);
  const shown = withoutScripts(res.text);
  for (const [what, pattern] of LEAKS) expect(shown, `the page shows ${what}`).not.toMatch(pattern);
  expect(res.headers["x-powered-by"]).toBeUndefined();
}

/** The log has one `unhandled error` entry with the error's message and stack. */
function expectLogged(text: string | RegExp) {
  const entries = logLines.map(
    (line) => JSON.parse(line) as { level: number; msg: string; err?: { message?: string; stack?: string } },
  );
  const logged = entries.filter((e) => e.msg === "unhandled error");
  expect(logged.length, logLines.join("\n")).toBe(1);
  const [entry] = logged;
  expect(entry?.level).toBe(50);
  const details = `${entry?.err?.message ?? ""}\n${entry?.err?.stack ?? ""}`;
  if (typeof text === "string") expect(details).toContain(text);
  else expect(details).toMatch(text);
  expect(entry?.err?.stack).toMatch(/\bat /);
}

describe("an unexpected error in production", () => {
  it("when the database fails under the session store: plain 500 page, details in the log", async () => {
    breakDatabase("all");
    const res = await editor.get("/");
    expectPlainServerError(res);
    expectLogged(SECRET_TABLE);
  });

  it("when a page's query fails after log-in: plain 500 page, details in the log", async () => {
    breakDatabase("project");
    const res = await editor.get("/");
    expectPlainServerError(res);
    expectLogged(SECRET_TABLE);
    // The session itself still works: the navigation bar knows the user.
    expect(res.text).toContain('<span class="username">editor</span>');
  });

  it("when a form's save fails: plain 500 page, nothing half-saved, details in the log", async () => {
    breakDatabase("project");
    const res = await editor
      .post("/projects/new")
      .type("form")
      .send({ _csrf: editor.csrf, name: "Never saved", description: "x" });
    expectPlainServerError(res);
    expect(res.text).not.toContain("Never saved");
    expectLogged(SECRET_TABLE);
    const db = ctx.db as Mutable;
    db.run = original.run;
    db.transaction = original.transaction;
    expect(await ctx.db.run((c) => c.project.count({ where: { name: "Never saved" } }))).toBe(0);
  });

  it("when a service throws (the diagram renderer): plain 500 page, details in the log", async () => {
    const diagrams = ctx.app.deps.diagrams;
    const render = diagrams.render;
    diagrams.render = () => {
      throw new TypeError(`renderer exploded in ${projectRoot}/src/services/diagram.ts:1:1`);
    };
    try {
      expectPlainServerError(await editor.get(`/projects/${seed.project.id}`));
      expectLogged("renderer exploded");
      logLines.length = 0;
      expectPlainServerError(await editor.get(`/projects/${seed.project.id}/diagram.svg`));
      expectLogged("renderer exploded");
    } finally {
      diagrams.render = render;
    }
  });

  it("an anonymous visitor whose session cannot be read sees the same plain page", async () => {
    // The log-in form stores no session; logging out leaves an anonymous one.
    const visitor = await ctx.login("editor");
    expect((await visitor.post("/logout").type("form").send({ _csrf: visitor.csrf })).status).toBe(303);
    breakDatabase("all");
    const res = await visitor.get("/login");
    expectPlainServerError(res);
    expect(res.text).toContain('<a href="/login">Log in</a>');
    expectLogged(SECRET_TABLE);
  });
});

describe("404 and 403 in production", () => {
  it("show their page in the layout without details", async () => {
    const missing = await editor.get("/projects/999999");
    expect(missing.status).toBe(404);
    expect(missing.text).toContain("<h1>Page not found</h1>");
    expect(missing.text).toContain('<header class="site-header">');
    await ctx.user("plain");
    const plain = await ctx.login("plain");
    const refused = await plain.get("/");
    expect(refused.status).toBe(403);
    // A user with no permission at all is told the account has none yet (issue 13 defect 3).
    expect(refused.text).toContain("<h1>No permissions yet</h1>");
    expect(refused.text).toContain("<title>Permission denied · Conntrackt</title>");
    for (const r of [missing, refused])
      for (const [, pattern] of LEAKS) expect(withoutScripts(r.text)).not.toMatch(pattern);
    expect(logLines.filter((l) => l.includes("unhandled error"))).toEqual([]);
  });
});

describe("requests the client got wrong", () => {
  const expectClientError = (res: { status: number; text: string }, status: number, title: string, message: string) => {
    expect(res.status).toBe(status);
    expect(res.text).toContain(`<h1>${title}</h1>`);
    expect(res.text).toContain(message);
    expect(res.text).toContain('<header class="site-header">');
    const shown = withoutScripts(res.text);
    for (const [what, pattern] of LEAKS) expect(shown, `the page shows ${what}`).not.toMatch(pattern);
    // Not an incident: nothing at error level.
    expect(logLines.filter((l) => l.includes("unhandled error"))).toEqual([]);
  };

  it("a form body over 1 MB gets a clear 413 page, and nothing is saved", async () => {
    const before = await ctx.db.run((c) => c.project.count());
    const res = await editor
      .post("/projects/new")
      .type("form")
      .send({ _csrf: editor.csrf, name: "Huge", description: "x".repeat(1_100_000) });
    expectClientError(res, 413, "Request too large", "The submitted data is too large.");
    expect(await ctx.db.run((c) => c.project.count())).toBe(before);
  });

  it("an anonymous 1 MB+ body to /login gets the 413 page too", async () => {
    const res = await request(ctx.app)
      .post("/login")
      .type("form")
      .send(`username=${"a".repeat(1_100_000)}&password=x`);
    expectClientError(res, 413, "Request too large", "The submitted data is too large.");
  });

  it("a form with thousands of fields gets the 413 page", async () => {
    const body = Array.from({ length: 6000 }, (_, i) => `f${i}=1`).join("&");
    const res = await editor.post("/projects/new").type("form").send(`_csrf=${editor.csrf}&${body}`);
    expectClientError(res, 413, "Request too large", "The submitted data is too large.");
  });

  it.each([
    "/projects/%E0%A4%A",
    "/projects/%",
    "/entities/%ZZ/edit",
    "/interfaces/%C0%AF/delete",
    `/projects/%FF/locations/1/iptables.zip`,
    "/admin/users/%E0%80/edit",
  ])("a malformed percent-escape in the URL gets the 400 page: %s", async (path) => {
    const res = await (path.startsWith("/admin") ? admin : editor).get(path);
    expectClientError(res, 400, "Bad request", "The request could not be read.");
  });

  it("a malformed %-escape in the URL of a POST gets 400 before anything is saved", async () => {
    const res = await editor.post("/projects/%E0%A4%A/edit").type("form").send({ _csrf: editor.csrf, name: "Renamed" });
    expectClientError(res, 400, "Bad request", "The request could not be read.");
    expect(await ctx.db.run((c) => c.project.count({ where: { name: "Renamed" } }))).toBe(0);
  });

  it("malformed %-escapes in a query string or a form body are read as text, never a 500", async () => {
    const search = await editor.get("/search?q=%E0%A4%A%ZZ");
    expect(search.status).toBe(200);
    const suggest = await editor.get("/search/suggest?q=%");
    expect(suggest.status).toBe(200);
    expect(JSON.parse(suggest.text)).toBeInstanceOf(Array);
    const form = await editor
      .post("/projects/new")
      .type("form")
      .send(`_csrf=${encodeURIComponent(editor.csrf)}&name=Percent%E0%A4%A%ZZ&description=%`);
    expect(form.status).toBe(303);
    const row = await ctx.db.run((c) => c.project.findFirst({ where: { name: { startsWith: "Percent" } } }));
    expect(row?.name).toBe("Percent%E0%A4%A%ZZ");
    expect(logLines.filter((l) => l.includes("unhandled error"))).toEqual([]);
  });

  it("a form body in an unknown charset or encoding is refused with a 4xx page", async () => {
    const charset = await editor
      .post("/projects/new")
      .set("Content-Type", "application/x-www-form-urlencoded; charset=x-unknown")
      .send(`_csrf=${editor.csrf}&name=Charset`);
    expect(charset.status).toBe(415);
    const encoding = await editor
      .post("/projects/new")
      .set("Content-Type", "application/x-www-form-urlencoded")
      .set("Content-Encoding", "x-unknown")
      .send(`_csrf=${editor.csrf}&name=Encoding`);
    expect(encoding.status).toBe(415);
    const gzip = await editor
      .post("/projects/new")
      .set("Content-Type", "application/x-www-form-urlencoded")
      .set("Content-Encoding", "gzip")
      .send("this is not gzip");
    expect(gzip.status).toBe(400);
    for (const r of [charset, encoding, gzip]) {
      expect(r.text).toContain('<header class="site-header">');
      for (const [what, pattern] of LEAKS)
        expect(withoutScripts(r.text), `the page shows ${what}`).not.toMatch(pattern);
    }
    expect(logLines.filter((l) => l.includes("unhandled error"))).toEqual([]);
  });
});
