// CSV import (issue 6): the page for its three callers, every bad line listed
// with nothing written, and the data layer creating what is missing.
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCsvRows } from "../../src/data/csv-import.js";
import type { Database } from "../../src/data/engine.js";
import { readCsvImport } from "../../src/validation/csv-import.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let seed: Awaited<ReturnType<typeof seedProject>>;
let editor: Agent;

const HEADER =
  "Source entity,Source address,Source netmask,Destination entity,Destination address,Destination netmask,Protocol,Port,Description,Source location,Destination location";

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("editor", [], ["Editors"]);
  await ctx.user("viewer", [], ["Viewers"]);
  await ctx.user("nolocations", ["view", "add_entity", "add_interface", "add_communication"]);
  seed = await seedProject(ctx.db, "CSV");
  editor = await ctx.login("editor");
});
afterAll(() => ctx.close());

async function counts(db: Database) {
  return db.run(async (c) => ({
    projects: await c.project.count(),
    locations: await c.location.count(),
    entities: await c.entity.count(),
    interfaces: await c.interface.count(),
    communications: await c.communication.count(),
  }));
}

const url = () => `/projects/${seed.project.id}/import`;

describe("CSV import page", () => {
  it("sends anonymous visitors to the log-in page", async () => {
    const res = await request(ctx.app).get(url());
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(url())}`);
  });

  it("refuses users without the add permissions", async () => {
    const viewer = await ctx.login("viewer");
    expect((await viewer.get(url())).status).toBe(403);
    const post = await viewer
      .post(url())
      .type("form")
      .send({ _csrf: viewer.csrf, csv: `${HEADER}\n` });
    expect(post.status).toBe(403);
  });

  it("shows the form to editors, every field with a label", async () => {
    const res = await editor.get(url());
    expect(res.status).toBe(200);
    expect(res.text).toContain('<label for="f-csv">CSV data</label>');
    expect(res.text).toContain('<label for="f-location">Location for new entities</label>');
    expect(res.text).toContain('name="_csrf"');
    expect((await editor.get("/projects/999999/import")).status).toBe(404);
  });

  it("refuses a post without the CSRF token", async () => {
    const res = await editor
      .post(url())
      .type("form")
      .send({ csv: `${HEADER}\nalpha,10.0.0.1,,beta,10.0.0.2,,TCP,80,,,` });
    expect(res.status).toBe(403);
  });

  it("imports good rows, creating what is missing, and says so on the project page", async () => {
    const before = await counts(ctx.db);
    const csv = [
      HEADER,
      "alpha,10.0.0.1,,beta,10.0.0.2,,tcp,443,HTTPS,,",
      "alpha,10.0.0.1,,beta,10.0.0.2,,TCP,22,already there,,",
      "gamma,10.9.0.0,/16,beta,10.0.0.2,,UDP,53,DNS,Branch office,",
    ].join("\r\n");
    const res = await editor.post(url()).type("form").send({ _csrf: editor.csrf, csv, location: "" });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/projects/${seed.project.id}`);
    const page = await editor.get(res.headers.location as string);
    expect(page.text).toContain(
      "Imported 2 communications, adding 1 location, 1 entity, 1 interface; 1 row already recorded was skipped.",
    );
    const after = await counts(ctx.db);
    expect(after).toEqual({
      ...before,
      locations: before.locations + 1,
      entities: before.entities + 1,
      interfaces: before.interfaces + 1,
      communications: before.communications + 2,
    });
    const gamma = await ctx.db.run((c) =>
      c.entity.findFirst({
        where: { name: "gamma", projectId: seed.project.id },
        include: { interfaces: true, location: true },
      }),
    );
    expect(gamma?.location.name).toBe("Branch office");
    expect(gamma?.interfaces.map((i) => [i.name, i.address, i.netmask])).toEqual([["eth0", "10.9.0.0", "255.255.0.0"]]);
  });

  it("lists every bad line and writes nothing", async () => {
    const before = await counts(ctx.db);
    const csv = [
      HEADER,
      "alpha,10.0.0.1,,beta,10.0.0.2,,TCP,8443,fine,,",
      "alpha,10.0.0.300,,beta,10.0.0.2,,TCP,8080,,,",
      "delta,10.0.0.7,,beta,10.0.0.2,,TCP,8080,,,",
      "alpha,10.0.0.1,,beta,10.0.0.2,,ICMP,256,,,",
      "alpha,10.0.0.1,,alpha,10.0.0.1,,TCP,1,,,",
    ].join("\n");
    const res = await editor.post(url()).type("form").send({ _csrf: editor.csrf, csv, location: "" });
    expect(res.status).toBe(422);
    expect(res.text).toContain("Nothing was imported.");
    expect(res.text).toContain(
      "Line 3: Source address must be a dotted IPv4 address such as 192.168.1.10, not &quot;10.0.0.300&quot;.",
    );
    expect(res.text).toContain(
      "Line 4: Source entity &quot;delta&quot; does not exist yet; give its location in the &quot;source location&quot; column or choose a location for new entities",
    );
    expect(res.text).toContain("Line 5: ICMP type must be between 0 and 255 (for ICMP, the port is the ICMP type).");
    expect(res.text).toContain("Line 6: source and destination are the same entity &quot;alpha&quot;");
    expect(res.text).not.toContain("Line 2:");
    // The pasted text is kept for correction.
    expect(res.text).toContain("alpha,10.0.0.300,,beta");
    expect(await counts(ctx.db)).toEqual(before);
  });

  it("uses the chosen location for new entities, and needs add_location to create locations", async () => {
    const csv = `${HEADER}\nepsilon,10.0.0.8,,beta,10.0.0.2,,TCP,9000,,,`;
    const res = await editor
      .post(url())
      .type("form")
      .send({ _csrf: editor.csrf, csv, location: String(seed.location.id) });
    expect(res.status).toBe(303);
    const epsilon = await ctx.db.run((c) =>
      c.entity.findFirst({ where: { name: "epsilon" }, include: { location: true } }),
    );
    expect(epsilon?.location.name).toBe(seed.location.name);

    const limited = await ctx.login("nolocations");
    const refused = await limited
      .post(url())
      .type("form")
      .send({ _csrf: limited.csrf, csv: `${HEADER}\nzeta,10.0.0.9,,beta,10.0.0.2,,TCP,9000,,Moon base,` });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain(
      "Line 2: location &quot;Moon base&quot; does not exist, and you may not add locations",
    );
  });

  it("asks for rows when the text area is empty", async () => {
    const res = await editor.post(url()).type("form").send({ _csrf: editor.csrf, csv: "  " });
    expect(res.status).toBe(422);
    expect(res.text).toContain("Paste the CSV rows, header row first.");
  });
});

describe("importCsvRows", () => {
  it("creates a missing project by name (the command line)", async () => {
    const read = readCsvImport(`${HEADER}\nweb,192.168.5.1,,db,192.168.5.2,,TCP,5432,,Site X,Site X`);
    const result = await importCsvRows(ctx.db, {
      project: { name: "From a spreadsheet" },
      rows: read.rows,
      errors: read.errors,
      options: { allowNewLocations: true },
    });
    expect(result.ok && result.summary).toMatchObject({
      projectCreated: true,
      locations: 1,
      entities: 2,
      interfaces: 2,
      communications: 1,
    });
    const again = await importCsvRows(ctx.db, {
      project: { name: "From a spreadsheet" },
      rows: read.rows,
      options: { allowNewLocations: true },
    });
    expect(again.ok && again.summary).toMatchObject({ projectCreated: false, communications: 0, alreadyRecorded: 1 });
  });
});
