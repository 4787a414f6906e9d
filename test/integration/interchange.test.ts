// Export and import of the interchange document (docs/cli.md): deterministic
// export, a round trip that reproduces the data and the rules (iptables,
// ip6tables, nftables) byte for byte for version 1 and dual-stack version 2
// data, and imports that write everything or nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/data/engine.js";
import {
  exportInterchange,
  ImportRefusedError,
  importInterchange,
  ProjectNotFoundError,
  serializeInterchange,
} from "../../src/data/interchange.js";
import { createLocation } from "../../src/data/locations.js";
import { listProjects } from "../../src/data/projects.js";
import { loadProjectRules } from "../../src/data/rules.js";
import { generateEntityIp6Rules } from "../../src/domain/ip6tables.js";
import { generateEntityRules } from "../../src/domain/iptables.js";
import { generateEntityNftRules } from "../../src/domain/nftables.js";
import { parseInterchange, parseInterchangeText } from "../../src/validation/interchange.js";
import { createTestContext, type TestContext } from "../support/app.js";
import { datasetDocument } from "../support/dataset.js";

const contexts: TestContext[] = [];
async function freshDatabase(): Promise<Database> {
  const ctx = await createTestContext();
  contexts.push(ctx);
  return ctx.db;
}
afterAll(async () => {
  for (const ctx of contexts) await ctx.close();
});

async function load(db: Database, value: unknown) {
  const parsed = parseInterchange(value);
  if (!parsed.ok) throw new Error(`refused: ${JSON.stringify(parsed.problems.slice(0, 3))}`);
  return importInterchange(db, parsed.doc, parsed.undeclaredLocations);
}

async function counts(db: Database) {
  return db.run(async (c) => ({
    projects: await c.project.count(),
    locations: await c.location.count(),
    entities: await c.entity.count(),
    interfaces: await c.interface.count(),
    communications: await c.communication.count(),
  }));
}

/** The day expiry is judged on, so the dual-stack data's expired flows stay expired. */
const TODAY = "2026-06-01";

/** Every entity's three files, by project, entity name and format. */
async function allRules(db: Database): Promise<Map<string, string>> {
  const rules = new Map<string, string>();
  for (const project of await listProjects(db)) {
    for (const entity of await loadProjectRules(db, project.id, undefined, { today: TODAY })) {
      const key = `${project.name}\u0000${entity.name}`;
      rules.set(`${key} iptables`, generateEntityRules(entity.input));
      rules.set(`${key} ip6tables`, generateEntityIp6Rules(entity.input));
      rules.set(`${key} nftables`, generateEntityNftRules(entity.input));
    }
  }
  return rules;
}

/** Export, import into an empty database, export again: the same bytes, counts and rules. */
async function expectRoundTrip(first: Database): Promise<string> {
  const exported = serializeInterchange(await exportInterchange(first));
  const second = await freshDatabase();
  const parsed = parseInterchangeText(exported);
  if (!parsed.ok) throw new Error(`the export does not parse: ${JSON.stringify(parsed.problems.slice(0, 3))}`);
  await importInterchange(second, parsed.doc, parsed.undeclaredLocations);
  const again = serializeInterchange(await exportInterchange(second));

  expect(again).toBe(exported);
  expect(await counts(second)).toEqual(await counts(first));
  const before = await allRules(first);
  const after = await allRules(second);
  expect(before.size).toBeGreaterThan(0);
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  for (const [key, text] of before) expect(after.get(key), key).toBe(text);
  return exported;
}

const small = (project = "Acme", location = "Main site") => ({
  format: "conntrackt",
  version: 1,
  locations: [{ name: location, description: "From the document" }],
  projects: [
    {
      name: project,
      description: "",
      entities: [
        {
          name: "db1",
          description: "",
          location,
          interfaces: [{ name: "eth0", description: "", address: "192.168.1.1", netmask: "255.255.255.255" }],
        },
        {
          name: "app1",
          description: "",
          location,
          interfaces: [{ name: "eth0", description: "", address: "192.168.1.10", netmask: "255.255.255.255" }],
        },
      ],
      communications: [
        {
          source: { entity: "app1", interface: "eth0" },
          destination: { entity: "db1", interface: "eth0" },
          protocol: "TCP",
          port: 5432,
          description: "Application database",
        },
      ],
    },
  ],
});

describe("round trip", () => {
  it("export → import into an empty database → export gives the identical document and identical rules (scripts/dataset.ts --nasty)", async () => {
    const first = await freshDatabase();
    await load(first, datasetDocument(["--nasty", "--projects", "2", "--interfaces", "2", "--seed", "7"]));
    const exported = await expectRoundTrip(first);
    expect(JSON.parse(exported).version).toBe(2);
  });

  it("does the same for dual-stack version 2 data (IPv6, ranges, ICMPv6, restrictOutgoing, owners, expired flows)", async () => {
    const first = await freshDatabase();
    const doc = datasetDocument({ dualStack: true, nasty: true, projects: 2, interfaces: 2, seed: 7, today: TODAY });
    await load(first, doc);
    const exported = JSON.parse(await expectRoundTrip(first)) as typeof doc;
    const flows = exported.projects.flatMap((p) => p.communications);
    const interfaces = exported.projects.flatMap((p) => p.entities.flatMap((e) => e.interfaces));
    // The round trip above covered every kind of version 2 data.
    expect(interfaces.some((i) => i.address.includes(":") && i.netmask === "128")).toBe(true);
    expect(interfaces.some((i) => i.address.includes(":") && i.netmask !== "128")).toBe(true);
    expect(flows.some((c) => c.portEnd > c.port)).toBe(true);
    expect(flows.some((c) => c.protocol === "ICMPv6")).toBe(true);
    expect(flows.some((c) => c.expires !== null && c.expires < TODAY)).toBe(true);
    expect(flows.some((c) => c.requestedBy !== "" && c.reference !== "")).toBe(true);
    expect(exported.projects.some((p) => p.entities.some((e) => e.restrictOutgoing))).toBe(true);
  });

  it("keeps each field of a version 2 document through import and export", async () => {
    const db = await freshDatabase();
    const doc = datasetDocument({ dualStack: true, seed: 3, today: TODAY });
    await load(db, doc);
    const out = await exportInterchange(db);
    const key = (c: { source: object; destination: object; protocol: string; port: number; portEnd: number }) =>
      JSON.stringify([c.source, c.destination, c.protocol, c.port, c.portEnd]);
    const written = new Map(out.projects.flatMap((p) => p.communications.map((c) => [key(c), c])));
    for (const c of doc.projects.flatMap((p) => p.communications)) expect(written.get(key(c)), key(c)).toEqual(c);
    const entities = new Map(out.projects.flatMap((p) => p.entities.map((e) => [e.name, e])));
    for (const e of doc.projects.flatMap((p) => p.entities)) {
      expect(entities.get(e.name)?.restrictOutgoing, e.name).toBe(e.restrictOutgoing);
      expect(new Set(entities.get(e.name)?.interfaces.map((i) => JSON.stringify(i)))).toEqual(
        new Set(e.interfaces.map((i) => JSON.stringify(i))),
      );
    }
  });

  it("reads a version 1 document as before: the same rows and rules as the version 2 export of it", async () => {
    const v1 = await freshDatabase();
    await load(v1, small("Old"));
    const exported = await exportInterchange(v1);
    expect(exported.version).toBe(2);
    expect(exported.projects[0]?.entities.map((e) => e.restrictOutgoing)).toEqual([false, false]);
    expect(exported.projects[0]?.communications[0]).toMatchObject({
      port: 5432,
      portEnd: 5432,
      requestedBy: "",
      reference: "",
      expires: null,
    });
    await expectRoundTrip(v1);
  });

  it("orders the export by name and communications by their ends, protocol and port", async () => {
    const db = await freshDatabase();
    const doc = small();
    const project = doc.projects[0];
    if (!project) throw new Error("fixture");
    project.entities.push({
      name: "Zed",
      description: "",
      location: "Main site",
      interfaces: [
        { name: "eth1", description: "", address: "10.0.0.0", netmask: "255.255.255.0" },
        { name: "eth0", description: "", address: "10.0.0.1", netmask: "255.255.255.255" },
      ],
    });
    project.communications.push(
      {
        source: { entity: "Zed", interface: "eth0" },
        destination: { entity: "db1", interface: "eth0" },
        protocol: "ICMP",
        port: 8,
        description: "",
      },
      {
        source: { entity: "Zed", interface: "eth0" },
        destination: { entity: "db1", interface: "eth0" },
        protocol: "UDP",
        port: 53,
        description: "",
      },
      {
        source: { entity: "Zed", interface: "eth0" },
        destination: { entity: "db1", interface: "eth0" },
        protocol: "TCP",
        port: 443,
        description: "",
      },
      {
        source: { entity: "Zed", interface: "eth0" },
        destination: { entity: "db1", interface: "eth0" },
        protocol: "TCP",
        port: 80,
        description: "",
      },
    );
    await load(db, doc);
    const out = await exportInterchange(db);
    const p = out.projects[0];
    // Code-unit order: upper case before lower case, whatever the locale.
    expect(p?.entities.map((e) => e.name)).toEqual(["Zed", "app1", "db1"]);
    expect(p?.entities[0]?.interfaces.map((i) => i.name)).toEqual(["eth0", "eth1"]);
    expect(p?.communications.map((c) => `${c.source.entity}>${c.destination.entity} ${c.protocol}:${c.port}`)).toEqual([
      "Zed>db1 TCP:80",
      "Zed>db1 TCP:443",
      "Zed>db1 UDP:53",
      "Zed>db1 ICMP:8",
      "app1>db1 TCP:5432",
    ]);
  });

  it("exports one project with only the locations its entities use", async () => {
    const db = await freshDatabase();
    await load(db, small("One", "Site A"));
    await load(db, small("Two", "Site B"));
    const one = await exportInterchange(db, { project: "One" });
    expect(one.projects.map((p) => p.name)).toEqual(["One"]);
    expect(one.locations.map((l) => l.name)).toEqual(["Site A"]);
    await expect(exportInterchange(db, { project: "Three" })).rejects.toBeInstanceOf(ProjectNotFoundError);
  });
});

describe("import", () => {
  let db: Database;
  beforeAll(async () => {
    db = await freshDatabase();
  });

  it("names the JSON path and the rule, and writes nothing", async () => {
    const doc = small("Broken");
    const iface = doc.projects[0]?.entities[1]?.interfaces[0];
    if (!iface) throw new Error("fixture");
    iface.netmask = "255.255.0.255";
    const result = parseInterchange(doc);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      {
        path: "projects[0].entities[1].interfaces[0].netmask",
        message:
          'Netmask must be a contiguous netmask such as 255.255.255.0 or a prefix length such as /24, not "255.255.0.255".',
      },
    ]);
  });

  it("refuses a project that exists already, writing nothing at all", async () => {
    await load(db, small("Existing", "Site E"));
    const before = await counts(db);
    const doc = small("Existing", "Brand new site");
    doc.projects.push({
      ...small("Fresh", "Brand new site").projects[0],
      name: "Fresh",
    } as (typeof doc.projects)[number]);
    const error = await load(db, doc).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportRefusedError);
    expect((error as ImportRefusedError).problems).toEqual([
      {
        path: "projects[0].name",
        message: 'a project named "Existing" already exists; rename or delete it before importing',
      },
    ]);
    expect(await counts(db)).toEqual(before);
  });

  it("reuses a location of the same name as it is, and accepts undeclared locations the database has", async () => {
    await createLocation(db, { name: "Shared site", description: "Kept" });
    const summary = await load(db, small("Uses shared", "Shared site"));
    expect(summary.locationsReused).toBe(1);
    expect(summary.locationsCreated).toBe(0);
    const doc = small("Undeclared", "Shared site");
    doc.locations = [];
    await load(db, doc);
    const location = await db.run((c) => c.location.findUnique({ where: { name: "Shared site" } }));
    expect(location?.description).toBe("Kept");
  });

  it("refuses a location neither in the document nor in the database", async () => {
    const doc = small("Lost", "Nowhere");
    doc.locations = [];
    const error = await load(db, doc).catch((e: unknown) => e);
    expect((error as ImportRefusedError).problems).toEqual([
      {
        path: "projects[0].entities[0].location",
        message: 'location "Nowhere" is neither in the document\'s locations nor in the database',
      },
    ]);
  });

  it("rolls everything back when a write fails half-way", async () => {
    const target = await freshDatabase();
    // A trigger makes the last statement fail, on either engine.
    const trigger =
      target.engine === "sqlite"
        ? [
            `CREATE TRIGGER no_ssh BEFORE INSERT ON "Communication" WHEN NEW.port = 22 BEGIN SELECT RAISE(ABORT, 'no ssh'); END`,
          ]
        : [
            `CREATE FUNCTION no_ssh() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.port = 22 THEN RAISE EXCEPTION 'no ssh'; END IF; RETURN NEW; END $$`,
            `CREATE TRIGGER no_ssh BEFORE INSERT ON "Communication" FOR EACH ROW EXECUTE FUNCTION no_ssh()`,
          ];
    for (const sql of trigger) await target.run((c) => c.$executeRawUnsafe(sql));
    const doc = small("Half");
    const comm = doc.projects[0]?.communications[0];
    if (!comm) throw new Error("fixture");
    comm.port = 22;
    await expect(load(target, doc)).rejects.toThrow();
    expect(await counts(target)).toEqual({ projects: 0, locations: 0, entities: 0, interfaces: 0, communications: 0 });
  });
});
