// The change history of imports and the command line (docs/usage.md "Change
// history"): the CSV and JSON import pages record the user, `conntrackt import` and
// `conntrackt import-csv` the operating-system user (or cli), one creation
// entry for every row written and none for a row already there; an import
// that fails after its entries were written leaves neither.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/cli/actor.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { runCli } from "../support/cli.js";
import { seedProject } from "../support/fixtures.js";
import { refuseRows, storedEntries } from "../support/history.js";

let ctx: TestContext;
let editor: Agent;
let dir: string;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("editor", [], ["Editors"]);
  editor = await ctx.login("editor");
  dir = mkdtempSync(path.join(tmpdir(), "conntrackt-history-"));
});
afterAll(async () => {
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

const HEADER =
  "source entity,source address,source netmask,destination entity,destination address,destination netmask,protocol,port,description,source location,destination location";

const cli = (argv: string[]) => runCli(argv, { env: { DATABASE_URL: ctx.db.url } });

/** Every row of the project, by kind, as `kind id`. */
async function rowsOf(projectId: number): Promise<string[]> {
  const [entities, interfaces, communications] = await ctx.db.run((c) =>
    Promise.all([
      c.entity.findMany({ where: { projectId }, select: { id: true } }),
      c.interface.findMany({ where: { entity: { projectId } }, select: { id: true } }),
      c.communication.findMany({ where: { source: { entity: { projectId } } }, select: { id: true } }),
    ]),
  );
  return [
    ...entities.map((r) => `entity ${r.id}`),
    ...interfaces.map((r) => `interface ${r.id}`),
    ...communications.map((r) => `communication ${r.id}`),
  ].sort();
}

const created = async (projectId: number, actor: string) =>
  (await storedEntries(ctx.db, { projectId, action: "create" }))
    .filter((e) => e.objectType !== "project" && e.actor === actor)
    .map((e) => `${e.objectType} ${e.objectId}`)
    .sort();

describe("the CSV import page", () => {
  it("records each entity, interface and communication it adds, with the user, and nothing for a row already there", async () => {
    const seed = await seedProject(ctx.db, "CsvPage");
    const csv = [
      HEADER,
      // Already recorded: alpha -> beta TCP:22.
      "alpha,10.0.0.1,,beta,10.0.0.2,,TCP,22,,,",
      "alpha,10.0.0.1,,gamma,10.0.0.3,,TCP,8000-8100,web,,CsvPage new site",
      "delta,fd00:1::4,,gamma,fd00:1::3,,ICMPv6,128,ping,CsvPage new site,",
    ].join("\n");
    const res = await editor
      .post(`/projects/${seed.project.id}/import`)
      .type("form")
      .send({ _csrf: editor.csrf, csv, location: String(seed.location.id) });
    expect(res.status, res.text.slice(0, 500)).toBe(303);
    const before = new Set([
      `entity ${seed.a.id}`,
      `entity ${seed.b.id}`,
      `interface ${seed.ia.id}`,
      `interface ${seed.ib.id}`,
      `communication ${seed.communication}`,
    ]);
    const added = (await rowsOf(seed.project.id)).filter((r) => !before.has(r));
    expect(added).toHaveLength(7);
    expect(await created(seed.project.id, "editor")).toEqual(added);

    const entries = await storedEntries(ctx.db, { projectId: seed.project.id, action: "create" });
    const flow = entries.find((e) => e.display === "alpha -> gamma (TCP:8000-8100)");
    expect(flow?.after).toMatchObject({
      source: "alpha (10.0.0.1)",
      destination: "gamma (10.0.0.3)",
      port: "8000-8100",
    });
    expect(flow?.peerEntityId).not.toBeNull();
    const gamma = entries.find((e) => e.objectType === "entity" && e.after.name === "gamma");
    expect(gamma?.after).toMatchObject({ project: "CsvPage project", location: "CsvPage new site" });
    const site = (await storedEntries(ctx.db, { objectType: "location", action: "create" })).at(-1);
    expect(site).toMatchObject({ display: "CsvPage new site", actor: "editor", projectId: null });
  });
});

describe("the JSON import page", () => {
  it("records the user for every row of the uploaded document", async () => {
    const seed = await seedProject(ctx.db, "JsonPage");
    const exported = await editor.get(`/projects/${seed.project.id}/export.json`);
    expect(exported.status).toBe(200);
    const doc = JSON.parse(exported.text) as { projects: { name: string }[] };
    (doc.projects[0] as { name: string }).name = "JsonPage copy";
    const res = await editor
      .post("/import")
      .field("_csrf", editor.csrf)
      .attach("file", Buffer.from(JSON.stringify(doc)), { filename: "copy.json", contentType: "application/json" });
    expect(res.status, res.text.slice(0, 500)).toBe(303);
    const project = await ctx.db.run((c) => c.project.findUniqueOrThrow({ where: { name: "JsonPage copy" } }));
    expect(await rowsOf(project.id)).toHaveLength(5);
    expect(await created(project.id, "editor")).toEqual(await rowsOf(project.id));
    const [entry] = await storedEntries(ctx.db, { objectType: "project", objectId: project.id });
    expect(entry).toMatchObject({ action: "create", actor: "editor", display: "JsonPage copy" });
  });
});

describe("the command line", () => {
  it("conntrackt import records the operating-system user for every row of the document", async () => {
    const document = {
      format: "conntrackt",
      version: 2,
      locations: [{ name: "Cli site", description: "Rack 4" }],
      projects: [
        {
          name: "Cli project",
          description: "",
          entities: [
            { name: "app", location: "Cli site", interfaces: [{ address: "192.168.1.10" }], restrictOutgoing: true },
            {
              name: "db",
              location: "Cli site",
              interfaces: [{ address: "192.168.1.1" }, { name: "eth1", address: "fd00::1" }],
            },
          ],
          communications: [
            {
              source: { entity: "app", interface: "eth0" },
              destination: { entity: "db", interface: "eth0" },
              protocol: "TCP",
              port: 5432,
            },
            {
              source: { entity: "app", interface: "eth0" },
              destination: { entity: "db", interface: "eth0" },
              protocol: "UDP",
              port: 53,
              portEnd: 54,
            },
          ],
        },
      ],
    };
    const file = path.join(dir, "doc.json");
    writeFileSync(file, JSON.stringify(document));
    const run = await cli(["import", file]);
    expect(run.status, run.stderr).toBe(0);
    const project = await ctx.db.run((c) => c.project.findUniqueOrThrow({ where: { name: "Cli project" } }));
    const actor = cliActor();
    expect(await created(project.id, actor)).toEqual(await rowsOf(project.id));
    expect(await rowsOf(project.id)).toHaveLength(7);
    const [projectEntry] = await storedEntries(ctx.db, { objectType: "project", objectId: project.id });
    expect(projectEntry).toMatchObject({ action: "create", actor, display: "Cli project" });
    const app = (await storedEntries(ctx.db, { projectId: project.id, objectType: "entity" })).find(
      (e) => e.display === "app (Cli project - Cli site)",
    );
    expect(app?.after.restrictOutgoing).toBe(true);
    const site = (await storedEntries(ctx.db, { objectType: "location" })).find((e) => e.display === "Cli site");
    expect(site).toMatchObject({ actor, after: { name: "Cli site", description: "Rack 4" } });
  });

  it("conntrackt import-csv records the operating-system user, the project it creates included", async () => {
    const file = path.join(dir, "flows.csv");
    writeFileSync(file, `${HEADER}\nweb,10.1.0.1,,db,10.1.0.2,,TCP,443,,Csv site,Csv site\n`);
    const run = await cli(["import-csv", file, "--project", "Csv cli"]);
    expect(run.status, run.stderr).toBe(0);
    const project = await ctx.db.run((c) => c.project.findUniqueOrThrow({ where: { name: "Csv cli" } }));
    expect(await created(project.id, cliActor())).toEqual(await rowsOf(project.id));
    expect(await rowsOf(project.id)).toHaveLength(5);
    expect((await storedEntries(ctx.db, { objectType: "project", objectId: project.id }))[0]?.actor).toBe(cliActor());
  });
});

describe("a failed import", () => {
  it("leaves neither rows nor entries when an entry is refused after rows were written", async () => {
    const drop = await refuseRows(ctx.db, "h9_refuse_import", "ChangeEntry", `ROW.display LIKE '%-> boom (%'`);
    try {
      const count = () =>
        ctx.db.run((c) => Promise.all([c.entity.count(), c.communication.count(), c.changeEntry.count()]));
      const before = await count();
      const csv = path.join(dir, "boom.csv");
      // Refused: the flow's entry, the last one written, after every row and every other entry.
      writeFileSync(csv, `${HEADER}\nweb,10.2.0.1,,boom,10.2.0.2,,TCP,443,,Boom site,Boom site\n`);
      const csvRun = await cli(["import-csv", csv, "--project", "Boom csv"]);
      expect(csvRun.status).toBe(1);
      const json = path.join(dir, "boom.json");
      writeFileSync(
        json,
        JSON.stringify({
          format: "conntrackt",
          version: 1,
          locations: [{ name: "Boom json site" }],
          projects: [
            {
              name: "Boom json",
              entities: [
                { name: "a", location: "Boom json site", interfaces: [{ address: "10.3.0.1" }] },
                { name: "boom", location: "Boom json site", interfaces: [{ address: "10.3.0.2" }] },
              ],
              communications: [
                {
                  source: { entity: "a", interface: "eth0" },
                  destination: { entity: "boom", interface: "eth0" },
                  protocol: "TCP",
                  port: 22,
                },
              ],
            },
          ],
        }),
      );
      const jsonRun = await cli(["import", json]);
      expect(jsonRun.status).toBe(1);
      expect(await count()).toEqual(before);
      const projects = await ctx.db.run((c) => c.project.count({ where: { name: { startsWith: "Boom" } } }));
      expect(projects).toBe(0);
    } finally {
      await drop();
    }
  });
});
