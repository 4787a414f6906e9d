// Search (docs/usage.md): case-insensitive matches in names and descriptions of
// projects and entities, at most 10 suggestions, only for users with `view`;
// entities by an interface address in any spelling (IPv6 in RFC 5952 form),
// communications by port, range or reference on the results page.
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunication } from "../../src/data/communications.js";
import { createEntity } from "../../src/data/entities.js";
import { createInterface } from "../../src/data/interfaces.js";
import { createLocation } from "../../src/data/locations.js";
import { createProject } from "../../src/data/projects.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";

let ctx: TestContext;
let viewer: Agent;
let nobody: Agent;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("viewer", [], ["Viewers"]);
  await ctx.user("nobody");
  [viewer, nobody] = await Promise.all([ctx.login("viewer"), ctx.login("nobody")]);
  const project = await createProject(ctx.db, { name: "Acme Corp", description: "Customer in Lyon" });
  await createProject(ctx.db, { name: "Other", description: "has the DATABASE tier" });
  const location = await createLocation(ctx.db, { name: "Site", description: "" });
  await createEntity(ctx.db, { name: "db-Primary", description: "", projectId: project.id, locationId: location.id });
  await createEntity(ctx.db, {
    name: "web",
    description: "talks to the Database",
    projectId: project.id,
    locationId: location.id,
  });
  const dual = await createProject(ctx.db, { name: "Dual", description: "" });
  const iface = async (entity: string, address: string, netmask: string) => {
    const e = await createEntity(ctx.db, {
      name: entity,
      description: "",
      projectId: dual.id,
      locationId: location.id,
    });
    return (await createInterface(ctx.db, { name: "eth0", description: "", entityId: e.id, address, netmask })).id;
  };
  const web6 = await iface("web6", "fd00:77::21", "128");
  const admins = await iface("admins", "fd00:77:9::", "64");
  const office = await iface("office", "10.20.0.0", "255.255.255.0");
  const web4 = await iface("web4", "10.20.1.5", "255.255.255.255");
  const flow = (sourceId: number, destinationId: number, protocol: "TCP" | "UDP", port: number, portEnd: number) => ({
    sourceId,
    destinationId,
    protocol,
    port,
    portEnd,
    description: "",
  });
  await createCommunication(ctx.db, dual.id, flow(admins, web6, "TCP", 8000, 8100));
  await createCommunication(ctx.db, dual.id, { ...flow(office, web4, "UDP", 8000, 8100), reference: "CHG-4711" });
  await createCommunication(ctx.db, dual.id, flow(office, web4, "TCP", 22, 22));
  for (let i = 0; i < 15; i++) {
    await createEntity(ctx.db, {
      name: `bulk-${String(i).padStart(2, "0")}`,
      description: "",
      projectId: project.id,
      locationId: location.id,
    });
  }
});
afterAll(() => ctx.close());

const names = (res: request.Response) =>
  [...res.text.matchAll(/<a href="\/(?:projects|entities)\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]);

describe("search page", () => {
  it("finds projects and entities by name and description, ignoring case", async () => {
    const res = await viewer.get("/search?q=database");
    expect(res.status).toBe(200);
    expect(names(res).sort()).toEqual(["Other", "web"]);
    const byName = await viewer.get("/search?q=DB-PRIM");
    expect(names(byName)).toEqual(["db-Primary"]);
    const project = await viewer.get("/search?q=lyon");
    expect(names(project)).toEqual(["Acme Corp"]);
  });

  it("treats % and _ literally", async () => {
    expect(names(await viewer.get("/search?q=%25"))).toEqual([]);
    expect(names(await viewer.get("/search?q=bulk_0"))).toEqual([]);
  });

  it("says when nothing matches and keeps the query in the box", async () => {
    const res = await viewer.get("/search?q=%3Cnothing%3E");
    expect(res.text).toContain("Nothing matches “&lt;nothing&gt;”");
    expect(res.text).toContain('value="&lt;nothing&gt;"');
  });

  it("is refused without view and sends anonymous users to log in", async () => {
    expect((await nobody.get("/search?q=acme")).status).toBe(403);
    expect((await request(ctx.app).get("/search?q=acme")).status).toBe(302);
  });
});

/** The results' links to communications, as their labels. */
const flows = (res: request.Response) =>
  [...res.text.matchAll(/<a href="\/projects\/\d+#communication-\d+">([^<]+)<\/a>/g)].map((m) =>
    (m[1] ?? "").replace(/&gt;/g, ">"),
  );

describe("search by address", () => {
  it("finds an entity by its IPv6 address in any spelling, shown in RFC 5952 form", async () => {
    for (const q of ["fd00:77::21", "FD00:0077:0:0:0:0:0:21", "fd00:77:0::21/128"]) {
      const res = await viewer.get(`/search?q=${encodeURIComponent(q)}`);
      expect(names(res), q).toEqual(["web6"]);
      expect(res.text).toContain("interface eth0 fd00:77::21");
    }
  });

  it("finds an IPv6 network by its address and prefix, and not by another prefix", async () => {
    const res = await viewer.get(`/search?q=${encodeURIComponent("FD00:77:9:0::/64")}`);
    expect(names(res)).toEqual(["admins"]);
    expect(res.text).toContain("interface eth0 fd00:77:9::/64");
    expect(names(await viewer.get(`/search?q=${encodeURIComponent("fd00:77:9::/48")}`))).toEqual([]);
  });

  it("finds entities by part of an address, IPv4 and IPv6", async () => {
    expect(names(await viewer.get("/search?q=FD00:77")).sort()).toEqual(["admins", "web6"]);
    expect(names(await viewer.get("/search?q=10.20.")).sort()).toEqual(["office", "web4"]);
    expect(names(await viewer.get(`/search?q=${encodeURIComponent("10.20.0.0/24")}`))).toEqual(["office"]);
  });

  it("suggests the entity of an address", async () => {
    const res = await viewer.get(`/search/suggest?q=${encodeURIComponent("FD00:0077::21")}`);
    expect(res.body).toEqual([{ type: "entity", name: "web6", url: expect.stringMatching(/^\/entities\/\d+$/) }]);
  });
});

describe("search for communications", () => {
  it("finds a flow by its range, by a port inside it and by protocol and range", async () => {
    const both = ["admins -> web6 (TCP:8000-8100)", "office -> web4 (UDP:8000-8100)"];
    expect(flows(await viewer.get("/search?q=8000-8100"))).toEqual(both);
    expect(flows(await viewer.get("/search?q=8000%20-%208100"))).toEqual(both);
    expect(flows(await viewer.get("/search?q=8050"))).toEqual(both);
    expect(flows(await viewer.get("/search?q=8000"))).toEqual(both);
    expect(flows(await viewer.get("/search?q=8100"))).toEqual(both);
    expect(flows(await viewer.get("/search?q=tcp:8000-8100"))).toEqual([both[0]]);
    expect(flows(await viewer.get("/search?q=UDP%208050"))).toEqual([both[1]]);
  });

  it("does not find a flow by a port outside its range or another range", async () => {
    expect(flows(await viewer.get("/search?q=8101"))).toEqual([]);
    expect(flows(await viewer.get("/search?q=7999"))).toEqual([]);
    expect(flows(await viewer.get("/search?q=8000-8099"))).toEqual([]);
    expect(flows(await viewer.get("/search?q=ICMP:8050"))).toEqual([]);
  });

  it("finds a single-port flow by its port and a flow by its reference", async () => {
    expect(flows(await viewer.get("/search?q=22"))).toEqual(["office -> web4 (TCP:22)"]);
    const res = await viewer.get("/search?q=chg-47");
    expect(flows(res)).toEqual(["office -> web4 (UDP:8000-8100)"]);
    expect(res.text).toContain("reference CHG-4711");
  });

  it("leaves communications out of the suggestions", async () => {
    expect((await viewer.get("/search/suggest?q=8000-8100")).body).toEqual([]);
  });
});

describe("suggestions", () => {
  it("returns at most 10 {type, name, url} items as JSON", async () => {
    const res = await viewer.get("/search/suggest?q=BULK");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.body).toHaveLength(10);
    expect(res.body[0]).toEqual({ type: "entity", name: "bulk-00", url: expect.stringMatching(/^\/entities\/\d+$/) });
  });

  it("suggests projects too", async () => {
    const res = await viewer.get("/search/suggest?q=acme");
    expect(res.body).toEqual([{ type: "project", name: "Acme Corp", url: expect.stringMatching(/^\/projects\/\d+$/) }]);
  });

  it("answers an empty list for an empty query", async () => {
    expect((await viewer.get("/search/suggest?q=")).body).toEqual([]);
    expect((await viewer.get("/search/suggest")).body).toEqual([]);
  });

  it("is refused without view", async () => {
    expect((await nobody.get("/search/suggest?q=acme")).status).toBe(403);
    expect((await request(ctx.app).get("/search/suggest?q=acme")).status).toBe(302);
  });
});
