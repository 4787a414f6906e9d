// Issue 13 defect 4: project and location names are unique regardless of case
// (docs/usage.md, "Uniqueness"), in the forms, the JSON import and the CSV
// import; a record may still change the case of its own name.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocation } from "../../src/data/locations.js";
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

const post = (url: string, form: Record<string, string>) =>
  admin
    .post(url)
    .type("form")
    .send({ _csrf: admin.csrf, description: "", ...form });

describe("names regardless of case", () => {
  it("the location form refuses a case variant, says so, and lets a location change its own case", async () => {
    const first = await post("/locations/new", { name: "Main Site" });
    expect(first.status).toBe(303);
    const form = await admin.get("/locations/new");
    expect(form.text).toContain("regardless of case");
    const clash = await post("/locations/new", { name: "main site" });
    expect(clash.status).toBe(422);
    expect(clash.text).toContain("A location with this name already exists (names are compared regardless of case).");
    expect(await ctx.db.run((c) => c.location.count({ where: { name: "main site" } }))).toBe(0);
    const own = await ctx.db.run((c) => c.location.findUniqueOrThrow({ where: { name: "Main Site" } }));
    expect((await post(`/locations/${own.id}/edit`, { name: "MAIN SITE" })).status).toBe(303);
  });

  it("the project form refuses a case variant, also on rename", async () => {
    expect((await post("/projects/new", { name: "Acme" })).status).toBe(303);
    expect((await post("/projects/new", { name: "ACME" })).status).toBe(422);
    const other = await createProject(ctx.db, { name: "Beta p", description: "" });
    const rename = await post(`/projects/${other.id}/edit`, { name: "acme" });
    expect(rename.status).toBe(422);
    expect(await ctx.db.run((c) => c.project.count({ where: { nameKey: "acme" } }))).toBe(1);
    expect((await post(`/projects/${other.id}/edit`, { name: "BETA" })).status).toBe(303);
  });

  it("the JSON import refuses a project named like an existing one in another case, and reuses a location", async () => {
    await createLocation(ctx.db, { name: "Office", description: "" });
    const doc = (project: string) =>
      JSON.stringify({
        format: "conntrackt",
        version: 2,
        locations: [{ name: "OFFICE", description: "" }],
        projects: [
          {
            name: project,
            description: "",
            entities: [
              {
                name: "db",
                description: "",
                location: "OFFICE",
                interfaces: [{ name: "eth0", description: "", address: "10.0.0.1", netmask: "255.255.255.255" }],
              },
            ],
            communications: [],
          },
        ],
      });
    const upload = (text: string) =>
      admin
        .post("/import")
        .field("_csrf", admin.csrf)
        .attach("file", Buffer.from(text), { filename: "a.json", contentType: "application/json" });
    const clash = await upload(doc("acme"));
    expect(clash.status).toBe(422);
    expect(clash.text).toContain(
      "a project named &quot;Acme&quot; already exists (names are compared regardless of case)",
    );
    const ok = await upload(doc("Gamma"));
    expect(ok.status).toBe(303);
    const entity = await ctx.db.run((c) =>
      c.entity.findFirstOrThrow({ where: { name: "db", project: { name: "Gamma" } }, include: { location: true } }),
    );
    expect(entity.location.name).toBe("Office");
    expect(await ctx.db.run((c) => c.location.count({ where: { nameKey: "office" } }))).toBe(1);
  });

  it("the CSV import puts an entity in an existing location named in another case", async () => {
    const project = await createProject(ctx.db, { name: "Delta", description: "" });
    await createLocation(ctx.db, { name: "Data Centre", description: "" });
    const csv =
      "source entity,source address,source netmask,destination entity,destination address,destination netmask,protocol,port,description,source location,destination location\n" +
      "app,10.1.0.1,,db,10.1.0.2,,TCP,5432,,data centre,DATA CENTRE";
    const res = await post(`/projects/${project.id}/import`, { csv, location: "" });
    expect(res.status, res.text.slice(0, 1500)).toBe(303);
    const locations = await ctx.db.run((c) => c.location.findMany({ where: { nameKey: "data centre" } }));
    expect(locations.map((l) => l.name)).toEqual(["Data Centre"]);
    const entities = await ctx.db.run((c) => c.entity.findMany({ where: { projectId: project.id } }));
    expect(entities.every((e) => e.locationId === locations[0]?.id)).toBe(true);
  });
});

describe("one order (issue 13 defect 7)", () => {
  it("the main page lists projects and locations by name regardless of case, then id", async () => {
    // Byte order (SQLite's) would put every capital first: Beta, Zeta, alpha.
    await createProject(ctx.db, { name: "Zeta p", description: "" });
    await createProject(ctx.db, { name: "alpha p", description: "" });
    await createProject(ctx.db, { name: "Beta p", description: "" });
    const page = (await admin.get("/")).text;
    const at = (name: string) => page.indexOf(`>${name}</a>`);
    expect(at("alpha p")).toBeGreaterThan(-1);
    expect(at("alpha p")).toBeLessThan(at("Beta p"));
    expect(at("Beta p")).toBeLessThan(at("Zeta p"));
  });
});
