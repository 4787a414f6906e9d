// CSV import (issue 6): the page for its three callers, every bad line listed
// with nothing written, and the data layer creating what is missing; dual-stack
// rows (IPv6, ranges, ICMPv6, owner, reference, expiry) stored as given, and a
// row naming a network's address matching the network instead of adding a
// one-host interface to it (docs/cli.md, import-csv).
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
      "Line 3: Source address must be an IPv4 address such as 192.168.1.10 or an IPv6 address such as fd00::10, not &quot;10.0.0.300&quot;.",
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

describe("dual-stack rows", () => {
  const V2_HEADER = `${HEADER},Requested by,Reference,Expires`;

  it("stores IPv6 in RFC 5952 form, ranges, ICMPv6, owner, reference and expiry, and skips a recorded range", async () => {
    const csv = [
      V2_HEADER,
      "web6,FD00:0077:0:0:0:0:0:10,,db6,fd00:77::21,,TCP,8000-8100,App ports,CSV site,CSV site,Alice Martin,CHG-1234,2027-03-31",
      "lan6,fd00:77:9::/64,,db6,fd00:77::21,,icmpv6,128,Ping,CSV site,,,,",
      "web6,10.7.0.10,,db6,10.7.0.21,,udp,10000-20000,RTP,,,,REQ-9,",
    ].join("\n");
    const res = await editor.post(url()).type("form").send({ _csrf: editor.csrf, csv, location: "" });
    expect(res.status, res.text.match(/Line [^<]*/g)?.join("\n")).toBe(303);
    const flows = await ctx.db.run((c) =>
      c.communication.findMany({
        where: { destination: { entity: { name: "db6", projectId: seed.project.id } } },
        select: {
          protocol: true,
          port: true,
          portEnd: true,
          requestedBy: true,
          reference: true,
          expires: true,
          source: { select: { address: true, netmask: true } },
        },
        orderBy: { port: "asc" },
      }),
    );
    expect(flows).toEqual([
      {
        protocol: "ICMPv6",
        port: 128,
        portEnd: 128,
        requestedBy: "",
        reference: "",
        expires: null,
        source: { address: "fd00:77:9::", netmask: "64" },
      },
      {
        protocol: "TCP",
        port: 8000,
        portEnd: 8100,
        requestedBy: "Alice Martin",
        reference: "CHG-1234",
        expires: "2027-03-31",
        source: { address: "fd00:77::10", netmask: "128" },
      },
      {
        protocol: "UDP",
        port: 10000,
        portEnd: 20000,
        requestedBy: "",
        reference: "REQ-9",
        expires: null,
        source: { address: "10.7.0.10", netmask: "255.255.255.255" },
      },
    ]);
    const again = await editor.post(url()).type("form").send({ _csrf: editor.csrf, csv, location: "" });
    expect(again.status).toBe(303);
    const page = await editor.get(again.headers.location as string);
    expect(page.text).toContain("Imported 0 communications; 3 rows already recorded were skipped.");
  });

  it("refuses a family mismatch and a host inside a network's entity, naming the lines, and writes nothing", async () => {
    const before = await counts(ctx.db);
    const csv = [
      V2_HEADER,
      "web6,10.7.0.10,,db6,fd00:77::21,,TCP,443,,,,,,",
      "lan6,fd00:77:9::5,,db6,fd00:77::21,,TCP,22,,,,,,",
      "web6,10.7.0.10,,db6,10.7.0.21,,TCP,1-2,,,,,,2027-13-01",
    ].join("\n");
    const res = await editor.post(url()).type("form").send({ _csrf: editor.csrf, csv, location: "" });
    expect(res.status).toBe(422);
    expect(res.text).toContain("Line 2: Source and destination must both be IPv4 or both IPv6.");
    expect(res.text).toContain(
      "Line 3: Source address fd00:77:9::5 lies in the network fd00:77:9::/64 of interface &quot;eth0&quot; of the existing entity &quot;lan6&quot;",
    );
    expect(res.text).toContain("Line 4: Expires must be a calendar date written YYYY-MM-DD");
    expect(await counts(ctx.db)).toEqual(before);
  });

  it("matches a subnet entity's interface by its address alone instead of adding a /32 one (issue 13)", async () => {
    const network = await ctx.db.run((c) =>
      c.entity.findFirstOrThrow({
        where: { name: "gamma", projectId: seed.project.id },
        include: { interfaces: true },
      }),
    );
    expect(network.interfaces.map((i) => `${i.address}/${i.netmask}`)).toEqual(["10.9.0.0/255.255.0.0"]);
    const res = await editor
      .post(url())
      .type("form")
      .send({ _csrf: editor.csrf, csv: `${HEADER}\ngamma,10.9.0.0,,beta,10.0.0.2,,TCP,3389,RDP,,`, location: "" });
    expect(res.status).toBe(303);
    const after = await ctx.db.run((c) =>
      c.interface.findMany({ where: { entityId: network.id }, select: { address: true, netmask: true } }),
    );
    expect(after).toEqual([{ address: "10.9.0.0", netmask: "255.255.0.0" }]);
    const flow = await ctx.db.run((c) =>
      c.communication.findFirst({ where: { port: 3389 }, select: { sourceId: true } }),
    );
    expect(flow?.sourceId).toBe(network.interfaces[0]?.id);
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
