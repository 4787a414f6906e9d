// The JSON export (docs/cli.md, `conntrackt export`, version 2) of one fixed
// fixture as golden files under test/golden/export/, on every engine: the whole
// database and one project. The fixture is created out of order, with names and
// descriptions that need escaping, so the goldens pin sorting and encoding; it
// holds IPv6 hosts and a network, a range, ICMPv6, an entity that restricts
// outgoing traffic and a flow with Requested by, Reference and Expires.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunication } from "../../src/data/communications.js";
import { createEntity } from "../../src/data/entities.js";
import { exportInterchange, importInterchange, serializeInterchange } from "../../src/data/interchange.js";
import { createInterface } from "../../src/data/interfaces.js";
import { createLocation } from "../../src/data/locations.js";
import { createProject } from "../../src/data/projects.js";
import { parseInterchangeText } from "../../src/validation/interchange.js";
import { createTestContext, type TestContext } from "../support/app.js";
import { runCli } from "../support/cli.js";
import { expectGolden } from "../support/golden.js";

let ctx: TestContext;
let empty: TestContext;

async function buildFixture(c: TestContext) {
  const db = c.db;
  const remote = await createLocation(db, { name: "Remote site", description: 'Rack 4, row "B"' });
  const main = await createLocation(db, { name: "Main site", description: "" });
  await createLocation(db, { name: "Unused site", description: "No entity here yet" });
  const zeta = await createProject(db, { name: "Zeta", description: "Second project\nwith two lines" });
  const acme = await createProject(db, { name: "Acme", description: "Ünïcödé & <markup> 日本語" });

  const db1 = await createEntity(db, {
    name: "db1",
    description: "PostgreSQL",
    projectId: acme.id,
    locationId: main.id,
  });
  const app1 = await createEntity(db, {
    name: "app1",
    description: "",
    projectId: acme.id,
    locationId: main.id,
    restrictOutgoing: true,
  });
  const admins = await createEntity(db, {
    name: "admins",
    description: "Office subnet",
    projectId: acme.id,
    locationId: remote.id,
  });
  const solo = await createEntity(db, { name: "solo", description: "", projectId: zeta.id, locationId: remote.id });

  const iface = (entityId: number, name: string, address: string, netmask = "255.255.255.255") =>
    createInterface(db, { name, description: "", entityId, address, netmask });
  const db1eth1 = await iface(db1.id, "eth1", "192.168.2.20");
  const db1eth0 = await iface(db1.id, "eth0", "192.168.1.20");
  const app1eth0 = await iface(app1.id, "eth0", "192.168.1.10");
  const adminsNet = await iface(admins.id, "lan", "10.10.4.0", "255.255.255.0");
  await iface(solo.id, "eth0", "172.16.0.1");
  const db1v6 = await iface(db1.id, "eth0-v6", "fd00:77::21", "128");
  const app1v6 = await iface(app1.id, "eth0-v6", "fd00:77::10", "128");
  const adminsV6 = await iface(admins.id, "lan-v6", "fd00:77:9::", "64");

  const flow = (
    source: number,
    destination: number,
    protocol: "TCP" | "UDP" | "ICMP" | "ICMPv6",
    port: number,
    description = "",
    more: { portEnd?: number; requestedBy?: string; reference?: string; expires?: string } = {},
  ) =>
    createCommunication(db, acme.id, {
      sourceId: source,
      destinationId: destination,
      protocol,
      port,
      description,
      ...more,
    });
  await flow(adminsNet.id, db1eth0.id, "TCP", 22, "SSH, from the office");
  await flow(app1eth0.id, db1eth0.id, "TCP", 5432, "Application database");
  await flow(app1eth0.id, db1eth1.id, "UDP", 514, 'syslog "quoted" \\ backslash');
  await flow(adminsNet.id, app1eth0.id, "ICMP", 8, "ping");
  await flow(app1v6.id, db1v6.id, "TCP", 8000, "Application ports", {
    portEnd: 8100,
    requestedBy: "Alice Martin",
    reference: "CHG-1234",
    expires: "2027-03-31",
  });
  await flow(app1v6.id, db1v6.id, "TCP", 8000, "The first port alone");
  await flow(adminsV6.id, db1v6.id, "ICMPv6", 128, "ping over IPv6");
}

beforeAll(async () => {
  [ctx, empty] = await Promise.all([createTestContext(), createTestContext()]);
  await buildFixture(ctx);
});
afterAll(async () => {
  await ctx?.close();
  await empty?.close();
});

const cli = (argv: string[], c: TestContext) => runCli(argv, { env: { DATABASE_URL: c.db.url } });

describe("JSON export golden files (docs/cli.md)", () => {
  it("exports the whole database as test/golden/export/fixture.json", async () => {
    expectGolden("export/fixture.json", serializeInterchange(await exportInterchange(ctx.db)));
  });

  it("exports one project as test/golden/export/acme.json", async () => {
    expectGolden("export/acme.json", serializeInterchange(await exportInterchange(ctx.db, { project: "Acme" })));
  });

  it("`conntrackt export` and `export --project` write the same bytes", async () => {
    const all = await cli(["export"], ctx);
    expect(all.stderr).toBe("");
    expect(all.status).toBe(0);
    expectGolden("export/fixture.json", all.stdout);
    const one = await cli(["export", "--project", "Acme"], ctx);
    expect(one.status).toBe(0);
    expectGolden("export/acme.json", one.stdout);
  });

  it("imports the golden into an empty database and exports it again unchanged", async () => {
    const text = serializeInterchange(await exportInterchange(ctx.db));
    const parsed = parseInterchangeText(text);
    if (!parsed.ok) throw new Error(`the export does not parse: ${JSON.stringify(parsed.problems.slice(0, 3))}`);
    await importInterchange(empty.db, parsed.doc, parsed.undeclaredLocations);
    expect(serializeInterchange(await exportInterchange(empty.db))).toBe(text);
  });
});
