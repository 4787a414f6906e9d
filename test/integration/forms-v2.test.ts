// The dual-stack, port-range, outgoing and flow-owner fields of docs/usage.md
// through the real forms and pages: IPv6 addresses stored canonical, host bits
// and mapped addresses refused, the family rules of a communication with the
// message on the right field, ranges, Restrict outgoing traffic, Requested by,
// Reference and Expires, expired flows marked and listed on the project page.
// A refused form keeps every input and saves nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunication } from "../../src/data/communications.js";
import { createEntity } from "../../src/data/entities.js";
import { createInterface } from "../../src/data/interfaces.js";
import { addDays, todayUtc } from "../../src/domain/expiry.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let editor: Agent;
let seed: Awaited<ReturnType<typeof seedProject>>;
/** Two IPv6 entities of the seed project: db6 (one host) and admins (a /64). */
let v6: { db: number; admins: number; dbIf: number; adminsIf: number };

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("editor", [], ["Editors"]);
  editor = await ctx.login("editor");
  seed = await seedProject(ctx.db, "V2");
  const entity = (name: string) =>
    createEntity(ctx.db, { name, description: "", projectId: seed.project.id, locationId: seed.location.id });
  const db = await entity("db6");
  const admins = await entity("admins");
  const dbIf = await createInterface(ctx.db, {
    name: "eth0",
    description: "",
    entityId: db.id,
    address: "fd00:77::21",
    netmask: "128",
  });
  const adminsIf = await createInterface(ctx.db, {
    name: "eth0",
    description: "",
    entityId: admins.id,
    address: "fd00:77:9::",
    netmask: "64",
  });
  v6 = { db: db.id, admins: admins.id, dbIf: dbIf.id, adminsIf: adminsIf.id };
});
afterAll(() => ctx.close());

const counts = () =>
  ctx.db.run(async (c) => ({
    entities: await c.entity.count(),
    interfaces: await c.interface.count(),
    communications: await c.communication.count(),
  }));

const post = (path: string, body: Record<string, string>) =>
  editor
    .post(path)
    .type("form")
    .send({ _csrf: editor.csrf, ...body });

const escapeHtml = (v: string) =>
  v.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The field's message on a re-displayed form. */
const fieldError = (html: string, field: string) => new RegExp(`id="f-${field}-error">([^<]*)<`).exec(html)?.[1] ?? "";

/** Posts a form and checks: 422, the message on the field, every typed value kept, nothing saved. */
async function refused(path: string, body: Record<string, string>, field: string, message: string | RegExp) {
  const before = await counts();
  const res = await post(path, body);
  expect(res.status, res.text.slice(0, 300)).toBe(422);
  const shown = fieldError(res.text, field);
  if (typeof message === "string") expect(shown).toBe(escapeHtml(message));
  else expect(shown).toMatch(message);
  for (const [key, value] of Object.entries(body)) {
    if (value === "" || ["entity", "source", "destination", "protocol", "project", "location"].includes(key)) continue;
    expect(res.text, key).toContain(
      key === "description" ? `>${escapeHtml(value)}</textarea>` : `value="${escapeHtml(value)}"`,
    );
  }
  expect(await counts()).toEqual(before);
  return res;
}

describe("interface form, dual stack", () => {
  const path = () => `/interfaces/new?entity=${seed.a.id}`;

  it("does not pre-fill a dotted netmask and explains both families", async () => {
    const res = await editor.get(path());
    expect(res.text).toMatch(/<input id="f-netmask" name="netmask" type="text" value=""/);
    expect(res.text).toContain("IPv6: a prefix length such as 64");
  });

  it("stores an IPv6 address in RFC 5952 form, one host as prefix 128, and shows it", async () => {
    const res = await post(path(), { name: "v6", address: "FD00:0077:0:0:0:0:0:21", netmask: "" });
    expect(res.status).toBe(303);
    const row = await ctx.db.run((c) => c.interface.findFirst({ where: { entityId: seed.a.id, name: "v6" } }));
    expect(row).toMatchObject({ address: "fd00:77::21", netmask: "128" });
    const page = await editor.get(String(res.headers.location));
    expect(page.text).toContain("Interface &quot;v6&quot; of alpha (fd00:77::21) was added.");
  });

  it("accepts CIDR text for an IPv6 network and shows it as ADDRESS/PREFIX", async () => {
    const res = await post(path(), { name: "v6net", address: "fd00:77:10::/64", netmask: "" });
    expect(res.status).toBe(303);
    const row = await ctx.db.run((c) => c.interface.findFirst({ where: { entityId: seed.a.id, name: "v6net" } }));
    expect(row).toMatchObject({ address: "fd00:77:10::", netmask: "64" });
    const page = await editor.get(String(res.headers.location));
    expect(page.text).toContain("alpha (fd00:77:10::/64) was added.");
  });

  it("accepts IPv4 CIDR text and stores the dotted mask", async () => {
    const res = await post(path(), { name: "lan", address: "10.44.0.0/16", netmask: "" });
    expect(res.status).toBe(303);
    const row = await ctx.db.run((c) => c.interface.findFirst({ where: { entityId: seed.a.id, name: "lan" } }));
    expect(row).toMatchObject({ address: "10.44.0.0", netmask: "255.255.0.0" });
  });

  it.each([
    [
      "192.168.1.1",
      "/24",
      "address",
      "Address 192.168.1.1 has host bits set for the prefix /24: the network is 192.168.1.0/24 (a single host is /32).",
    ],
    [
      "fd77:9::5",
      "64",
      "address",
      "Address fd77:9::5 has host bits set for the prefix /64: the network is fd77:9::/64 (a single host is /128).",
    ],
    [
      "::ffff:10.0.0.1",
      "",
      "address",
      "Address is an IPv4-mapped IPv6 address (::ffff:10.0.0.1): use the IPv4 form 10.0.0.1.",
    ],
    [
      "fd00:77::30",
      "255.255.255.255",
      "netmask",
      'Netmask of an IPv6 address must be a prefix length such as 64 or /64, not the IPv4 netmask "255.255.255.255".',
    ],
    ["fd00:77::30", "129", "netmask", /prefix length from 0 to 128/],
    ["fd00:::30", "", "address", /is not a valid IPv6 address/],
  ])("refuses %j with netmask %j on the %s field", async (address, netmask, field, message) => {
    await refused(path(), { name: "bad", description: "kept description", address, netmask }, field, message);
  });

  it("refuses a second interface with the same IPv6 address however it is spelt", () =>
    refused(
      `/interfaces/new?entity=${v6.db}`,
      { name: "eth1", address: "fd00:77:0:0::21", netmask: "/128" },
      "address",
      "This entity already has an interface with this address and netmask.",
    ));

  it("shows a host's netmask empty on the edit form, a network's prefix as stored", async () => {
    const host = await editor.get(`/interfaces/${v6.dbIf}/edit`);
    expect(host.text).toMatch(/<input id="f-netmask" name="netmask" type="text" value=""/);
    expect(host.text).toContain('value="fd00:77::21"');
    const net = await editor.get(`/interfaces/${v6.adminsIf}/edit`);
    expect(net.text).toMatch(/<input id="f-netmask" name="netmask" type="text" value="64"/);
  });

  it("refuses to change the family of an interface that has communications, and allows it without", async () => {
    // seed.ib (beta, 10.0.0.2) is the destination of alpha -> beta TCP:22.
    await refused(
      `/interfaces/${seed.ib.id}/edit`,
      { name: "eth0", entity: String(seed.b.id), address: "fd00:77::2", netmask: "" },
      "address",
      "The address cannot change from IPv4 to IPv6 while the interface has communications: a communication joins two addresses of one family. Delete its communications first, or add another interface.",
    );
    const spare = await createInterface(ctx.db, {
      name: "spare",
      description: "",
      entityId: seed.b.id,
      address: "10.0.9.9",
      netmask: "255.255.255.255",
    });
    const res = await post(`/interfaces/${spare.id}/edit`, {
      name: "spare",
      entity: String(seed.b.id),
      address: "fd00:77::99",
      netmask: "",
    });
    expect(res.status).toBe(303);
  });
});

describe("entity form, Restrict outgoing traffic", () => {
  it("is off by default, stored when ticked, shown on edit and cleared when unticked", async () => {
    const form = await editor.get(`/entities/new?project=${seed.project.id}`);
    expect(form.text).toMatch(
      /<input id="f-restrictOutgoing" name="restrictOutgoing" type="checkbox" value="on"[^>]*>/,
    );
    expect(form.text).not.toMatch(/name="restrictOutgoing"[^>]* checked/);
    expect(form.text).toContain('<label for="f-restrictOutgoing">Restrict outgoing traffic</label>');

    const add = await post(`/entities/new?project=${seed.project.id}`, {
      name: "locked",
      location: String(seed.location.id),
      restrictOutgoing: "on",
    });
    expect(add.status).toBe(303);
    const id = Number(String(add.headers.location).split("/").pop());
    const stored = () => ctx.db.run((c) => c.entity.findUnique({ where: { id }, select: { restrictOutgoing: true } }));
    expect(await stored()).toEqual({ restrictOutgoing: true });

    const edit = await editor.get(`/entities/${id}/edit`);
    expect(edit.text).toMatch(/name="restrictOutgoing" type="checkbox" value="on" checked/);

    const untick = await post(`/entities/${id}/edit`, {
      name: "locked",
      project: String(seed.project.id),
      location: String(seed.location.id),
    });
    expect(untick.status).toBe(303);
    expect(await stored()).toEqual({ restrictOutgoing: false });
  });

  it("keeps the box ticked when another field is refused", async () => {
    const res = await post(`/entities/new?project=${seed.project.id}`, {
      name: "",
      location: String(seed.location.id),
      restrictOutgoing: "on",
    });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/name="restrictOutgoing" type="checkbox" value="on" checked/);
  });
});

describe("communication form, ranges, families and owner fields", () => {
  const path = () => `/communications/new?project=${seed.project.id}`;
  const v4 = () => ({ source: String(seed.ia.id), destination: String(seed.ib.id) });
  const six = () => ({ source: String(v6.adminsIf), destination: String(v6.dbIf) });

  it("offers ICMPv6 and the new fields, Expires as a date", async () => {
    const res = await editor.get(path());
    expect(res.text).toContain('<option value="ICMPv6">ICMPv6</option>');
    expect(res.text).toContain('<label for="f-requestedBy">Requested by</label>');
    expect(res.text).toContain('<label for="f-reference">Reference</label>');
    expect(res.text).toMatch(
      /<label for="f-expires">Expires<\/label>\s*<input id="f-expires" name="expires" type="date"/,
    );
    expect(res.text).toMatch(/<option value="\d+">db6 \(fd00:77::21\) eth0<\/option>/);
    expect(res.text).toMatch(/<option value="\d+">admins \(fd00:77:9::\/64\) eth0<\/option>/);
  });

  it("stores a TCP range with its owner, reference and expiry, and shows TCP:8000-8100", async () => {
    const res = await post(path(), {
      ...v4(),
      protocol: "TCP",
      port: "8000 - 8100",
      requestedBy: "Ana Müller",
      reference: "CHG-4711",
      expires: "2099-12-31",
      description: "RTP",
    });
    expect(res.status, res.text.slice(0, 300)).toBe(303);
    const row = await ctx.db.run((c) => c.communication.findFirst({ where: { reference: "CHG-4711" } }));
    expect(row).toMatchObject({ port: 8000, portEnd: 8100, requestedBy: "Ana Müller", expires: "2099-12-31" });
    const page = await editor.get(String(res.headers.location));
    expect(page.text).toContain("Communication TCP:8000-8100 was added.");
    expect(page.text).toMatch(new RegExp(`<tr id="communication-${row?.id}">[\\s\\S]*?<td>8000-8100</td>`));
    expect(page.text).toContain("<td>Ana Müller</td>");
    expect(page.text).toContain("<td>CHG-4711</td>");
    expect(page.text).toContain('<time datetime="2099-12-31">2099-12-31</time>');

    const edit = await editor.get(`/communications/${row?.id}/edit`);
    expect(edit.text).toContain('value="8000-8100"');
    expect(edit.text).toContain('value="CHG-4711"');
    expect(edit.text).toContain('value="2099-12-31"');
    expect(edit.text).toContain("Edit communication alpha -&gt; beta (TCP:8000-8100)");
  });

  it("refuses the same range twice, and takes another range with the same first port", async () => {
    await refused(
      path(),
      { ...v4(), protocol: "TCP", port: "8000-8100", reference: "again" },
      "port",
      "This communication (same source, destination, protocol and port or port range) already exists.",
    );
    const other = await post(path(), { ...v4(), protocol: "TCP", port: "8000-8200" });
    expect(other.status).toBe(303);
  });

  it.each([
    [
      "TCP",
      "8100-8000",
      'Port range must go from a lower to a higher port, not "8100-8000"; for one port, give it alone.',
    ],
    ["UDP", "1-65536", "UDP port must be between 1 and 65535."],
    ["ICMP", "0-8", 'ICMP takes one ICMP type, not a range such as "0-8": record one communication per type.'],
    ["TCP", "22:23", 'Port must be a port such as 22 or a range such as 8000-8100, not "22:23".'],
  ])("refuses %s %j", async (protocol, port, message) => {
    await refused(
      path(),
      { ...v4(), protocol, port, requestedBy: "kept owner", reference: "kept-ref" },
      "port",
      message,
    );
  });

  it("refuses a bad Expires date and names in Requested by or Reference, keeping every input", async () => {
    const res = await refused(
      path(),
      {
        ...v4(),
        protocol: "UDP",
        port: "5000-5010",
        description: "kept",
        requestedBy: "Ana",
        reference: "CHG-1",
        expires: "2027-02-30",
      },
      "expires",
      'Expires must be a calendar date written YYYY-MM-DD, such as 2027-03-31, not "2027-02-30".',
    );
    expect(res.text).toContain('value="UDP" selected');
    await refused(
      path(),
      { ...v4(), protocol: "UDP", port: "5000", reference: "x".repeat(101) },
      "reference",
      "Reference must be at most 100 characters.",
    );
  });

  it("refuses mixed families on the destination field", () =>
    refused(
      path(),
      { source: String(seed.ia.id), destination: String(v6.dbIf), protocol: "TCP", port: "5432", reference: "mixed" },
      "destination",
      "Source and destination must both be IPv4 or both IPv6.",
    ));

  it("refuses ICMP between IPv6 ends and ICMPv6 between IPv4 ends on the protocol field", async () => {
    await refused(
      path(),
      { ...six(), protocol: "ICMP", port: "8" },
      "protocol",
      "ICMP needs IPv4 ends: for IPv6 ends, choose ICMPv6.",
    );
    await refused(
      path(),
      { ...v4(), protocol: "ICMPv6", port: "128" },
      "protocol",
      "ICMPv6 needs IPv6 ends: for IPv4 ends, choose ICMP.",
    );
  });

  it("accepts ICMPv6 and TCP ranges between IPv6 ends", async () => {
    expect((await post(path(), { ...six(), protocol: "ICMPv6", port: "128" })).status).toBe(303);
    expect((await post(path(), { ...six(), protocol: "TCP", port: "5900-5903" })).status).toBe(303);
    const page = await editor.get(`/projects/${seed.project.id}`);
    expect(page.text).toMatch(/admins<\/a> <span class="address">fd00:77:9::\/64<\/span>/);
    expect(page.text).toMatch(/db6<\/a> <span class="address">fd00:77::21<\/span>/);
  });
});

describe("expiry on the project page", () => {
  let project: Awaited<ReturnType<typeof seedProject>>;
  let ids: { expired: number; expiring: number; later: number };

  beforeAll(async () => {
    project = await seedProject(ctx.db, "Expiry");
    const today = todayUtc();
    const flow = (port: number, expires: string) =>
      createCommunication(ctx.db, project.project.id, {
        sourceId: project.ia.id,
        destinationId: project.ib.id,
        protocol: "TCP",
        port,
        portEnd: port + 10,
        description: "",
        expires,
      });
    ids = {
      expired: await flow(1000, addDays(today, -1)),
      expiring: await flow(2000, addDays(today, 14)),
      later: await flow(3000, addDays(today, 15)),
    };
  });

  it("marks expired and expiring rows and lists them under a warning with links", async () => {
    const page = await editor.get(`/projects/${project.project.id}`);
    expect(page.status).toBe(200);
    const html = page.text;
    expect(html).toContain(`<tr id="communication-${ids.expired}" class="flow-expired" data-expiry="expired">`);
    expect(html).toContain(`<tr id="communication-${ids.expiring}" class="flow-expiring" data-expiry="expiring">`);
    expect(html).toContain(`<tr id="communication-${ids.later}">`);
    expect(html).toContain(`<tr id="communication-${project.communication}">`);

    const warning = /<section class="expiry-warning"[\s\S]*?<\/section>/.exec(html)?.[0] ?? "";
    expect(warning).toContain(
      "1 communication has expired and is left out of the generated files; 1 expires within 14 days.",
    );
    const items = [...warning.matchAll(/<li data-expiry="(\w+)"><a href="#communication-(\d+)">([^<]*)<\/a>/g)].map(
      (m) => [m[1], Number(m[2]), m[3]],
    );
    expect(items).toEqual([
      ["expired", ids.expired, "alpha -&gt; beta (TCP:1000-1010)"],
      ["expiring", ids.expiring, "alpha -&gt; beta (TCP:2000-2010)"],
    ]);
  });

  it("says nothing when no flow expires soon", async () => {
    const page = await editor.get(`/projects/${seed.project.id}`);
    expect(page.text).not.toContain("expiry-warning");
  });
});

describe("deletion previews", () => {
  it("name IPv6 interfaces and port ranges as the pages do", async () => {
    const page = await editor.get(`/interfaces/${v6.adminsIf}/delete`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("Delete interface eth0 of admins");
    expect(page.text).toContain("eth0: admins (fd00:77:9::/64)");
    expect(page.text).toContain("admins -&gt; db6 (TCP:5900-5903)");
    expect(page.text).toContain("admins -&gt; db6 (ICMPv6:128)");
    const entity = await editor.get(`/entities/${v6.db}/delete`);
    expect(entity.text).toContain("eth0: db6 (fd00:77::21)");
  });
});
