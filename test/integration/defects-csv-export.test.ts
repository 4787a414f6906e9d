// Issue 13 item 5: a CSV export of a project's flows that the CSV import page
// reads back unchanged (docs/usage.md). A project with IPv4 and IPv6 ends, a
// network, a port range, ICMP, quotes, commas and a line break in a
// description, an owner, a reference and an expiry day goes out as CSV, into
// an empty project through the import page, and out again byte for byte.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject } from "../../src/data/projects.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";

let ctx: TestContext;
let admin: Agent;
beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("admin");
  admin = await ctx.login("admin");
});
afterAll(() => ctx.close());

const iface = (name: string, address: string, netmask: string) => ({ name, description: "", address, netmask });
const flow = (
  from: [string, string],
  to: [string, string],
  protocol: string,
  port: number,
  portEnd: number,
  extra: Partial<{ description: string; requestedBy: string; reference: string; expires: string | null }> = {},
) => ({
  source: { entity: from[0], interface: from[1] },
  destination: { entity: to[0], interface: to[1] },
  protocol,
  port,
  portEnd,
  description: "",
  requestedBy: "",
  reference: "",
  expires: null,
  ...extra,
});

const doc = {
  format: "conntrackt",
  version: 2,
  locations: [
    { name: "Main site", description: "" },
    { name: "Office, 2nd floor", description: "" },
  ],
  projects: [
    {
      name: "Round trip",
      description: "",
      entities: [
        {
          name: "app1",
          description: "",
          location: "Main site",
          restrictOutgoing: false,
          interfaces: [iface("eth0", "192.168.1.10", "255.255.255.255"), iface("v6", "fd00:77::10", "128")],
        },
        {
          name: "db1",
          description: "",
          location: "Main site",
          restrictOutgoing: false,
          interfaces: [iface("eth0", "192.168.1.20", "255.255.255.255"), iface("v6", "fd00:77::21", "128")],
        },
        {
          name: "admins",
          description: "",
          location: "Office, 2nd floor",
          restrictOutgoing: false,
          interfaces: [iface("lan", "10.10.4.0", "255.255.255.0"), iface("lan6", "fd00:77:9::", "64")],
        },
      ],
      communications: [
        flow(["app1", "eth0"], ["db1", "eth0"], "TCP", 5432, 5432, {
          description: 'Application "main" database, primary\nand replica',
          requestedBy: "Alice Martin",
          reference: "CHG-1234",
        }),
        flow(["admins", "lan"], ["db1", "eth0"], "TCP", 22, 22, { description: " SSH " }),
        flow(["app1", "v6"], ["db1", "v6"], "TCP", 8000, 8100, { expires: "2027-03-31" }),
        flow(["admins", "lan6"], ["db1", "v6"], "ICMPv6", 128, 128, { description: "=1+1" }),
        flow(["admins", "lan"], ["app1", "eth0"], "ICMP", 8, 8),
      ],
    },
  ],
};

describe("CSV export of a project's flows", () => {
  it("goes out, into an empty project through the CSV import page, and out again unchanged", async () => {
    const uploaded = await admin
      .post("/import")
      .field("_csrf", admin.csrf)
      .attach("file", Buffer.from(JSON.stringify(doc)), { filename: "a.json", contentType: "application/json" });
    expect(uploaded.status).toBe(303);
    const source = await ctx.db.run((c) => c.project.findUniqueOrThrow({ where: { name: "Round trip" } }));
    const res = await admin.get(`/projects/${source.id}/communications.csv`);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(res.headers["content-disposition"]).toContain("round_trip-communications.csv");
    const csv = res.text;
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe(
      "source entity,source address,source netmask,destination entity,destination address,destination netmask,protocol,port,description,source location,destination location,requested by,reference,expires",
    );
    expect(csv).toContain(
      'app1,192.168.1.10,255.255.255.255,db1,192.168.1.20,255.255.255.255,TCP,5432,"Application ""main"" database, primary\nand replica",Main site,Main site,Alice Martin,CHG-1234,',
    );
    expect(csv).toContain("app1,fd00:77::10,128,db1,fd00:77::21,128,TCP,8000-8100,,Main site,Main site,,,2027-03-31");
    expect(csv).toContain(
      'admins,10.10.4.0,255.255.255.0,db1,192.168.1.20,255.255.255.255,TCP,22,SSH,"Office, 2nd floor",Main site,,,\r',
    );

    // Into an empty project: the same flows, so the same CSV.
    const copy = await createProject(ctx.db, { name: "Copy", description: "" });
    const imported = await admin
      .post(`/projects/${copy.id}/import`)
      .type("form")
      .send({ _csrf: admin.csrf, csv, location: "" });
    expect(imported.status, imported.text.slice(0, 2000)).toBe(303);
    expect((await admin.get(`/projects/${copy.id}/communications.csv`)).text).toBe(csv);

    // Back into its own project: every row is already recorded, nothing changes.
    const before = await ctx.db.run((c) => c.communication.count());
    const again = await admin
      .post(`/projects/${source.id}/import`)
      .type("form")
      .send({ _csrf: admin.csrf, csv, location: "" });
    expect(again.status).toBe(303);
    expect(await ctx.db.run((c) => c.communication.count())).toBe(before);
    expect((await admin.get(`/projects/${source.id}`)).text).toContain("5 rows already recorded were skipped");
  });

  it("gives an empty project the header row only, and an unknown project a 404", async () => {
    const empty = await createProject(ctx.db, { name: "Nothing here", description: "" });
    const res = await admin.get(`/projects/${empty.id}/communications.csv`);
    expect(res.status).toBe(200);
    expect(res.text.split("\r\n")).toEqual([expect.stringMatching(/^source entity,/), ""]);
    expect((await admin.get("/projects/999999/communications.csv")).status).toBe(404);
  });
});
