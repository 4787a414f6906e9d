// Several app processes serve the same users (docs/usage.md: sessions live in the
// database): two real server processes on one PostgreSQL database share
// log-ins, and what one saves the other shows. Needs a PostgreSQL server
// (CONNTRACKT_TEST_PG_URL); skipped with a message without one.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csrfFrom } from "../support/app.js";
import {
  createPgDatabase,
  dropPgDatabase,
  pgAdminUrl,
  probePostgres,
  randomDatabaseName,
  redactUrl,
} from "../support/postgres.js";
import { Browser, type ServerProcess, startServer, stopServer } from "../support/processes.js";

const adminUrl = pgAdminUrl();
const unreachable = await probePostgres(adminUrl);
if (unreachable)
  console.warn(`two-processes: skipped, no PostgreSQL server at ${redactUrl(adminUrl)} (${unreachable})`);

const ADMIN_PASSWORD = "two-processes-password";
const SECRET = randomBytes(24).toString("hex");

describe.skipIf(unreachable !== null)("two app processes on one PostgreSQL database", () => {
  let dbName: string;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    dbName = randomDatabaseName();
    const env = {
      DATABASE_URL: await createPgDatabase(adminUrl, dbName),
      SESSION_SECRET: SECRET,
      INITIAL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    };
    // Both at once on the empty database: migrations and the first-start
    // set-up take turns (schema engine and advisory locks), neither crashes.
    [a, b] = await Promise.all([startServer("A", env), startServer("B", env)]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([stopServer(a), stopServer(b)]);
    if (dbName) await dropPgDatabase(adminUrl, dbName);
  }, 30_000);

  it("share log-ins, and each shows what the other saved", async () => {
    const browser = new Browser();
    const form = await browser.request(`${a.url}/login`);
    const login = await browser.request(`${a.url}/login`, {
      form: { _csrf: csrfFrom(form.text), username: "admin", password: ADMIN_PASSWORD },
    });
    expect(login.status, login.text.slice(0, 300)).toBe(303);

    // The session made by A is the session on B.
    const onB = await browser.request(`${b.url}/`);
    expect(onB.status).toBe(200);
    expect(onB.text).toContain('<span class="username">admin</span>');

    const name = `Shared ${randomBytes(3).toString("hex")}`;
    const created = await browser.request(`${a.url}/projects/new`, {
      form: { _csrf: csrfFrom(onB.text), name, description: "made on A" },
    });
    expect(created.status, created.text.slice(0, 300)).toBe(303);
    const projectPath = created.location ?? "";
    expect(projectPath).toMatch(/^\/projects\/\d+$/);
    expect((await browser.request(`${b.url}/`)).text).toContain(name);

    const editForm = await browser.request(`${b.url}${projectPath}/edit`);
    expect(editForm.status).toBe(200);
    const edited = await browser.request(`${b.url}${projectPath}/edit`, {
      form: { _csrf: csrfFrom(editForm.text), name: `${name} renamed`, description: "edited on B" },
    });
    expect(edited.status, edited.text.slice(0, 300)).toBe(303);
    const onA = await browser.request(`${a.url}${projectPath}`);
    expect(onA.status).toBe(200);
    expect(onA.text).toContain(`${name} renamed`);
    expect(onA.text).toContain("edited on B");

    // Logging out on B ends the session on A too.
    const out = await browser.request(`${b.url}/logout`, { form: { _csrf: csrfFrom(onA.text) } });
    expect(out.status).toBe(303);
    const after = await browser.request(`${a.url}/`);
    expect(after.status).toBe(302);
    expect(after.location).toMatch(/^\/login/);
  });
});
