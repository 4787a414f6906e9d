// Issue 13 item 5: JSON export and import in the browser (docs/usage.md). A
// project's export.json is its interchange document; the Import page takes that
// file as an upload and imports it all or nothing, listing every problem; the
// round trip reproduces the project and its rules.
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteProject } from "../../src/data/projects.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let admin: Agent;
let editor: Agent;
beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("admin");
  // Every add permission but add_project.
  await ctx.user("editor", ["view", "add_location", "add_entity", "add_interface", "add_communication"]);
  admin = await ctx.login("admin");
  editor = await ctx.login("editor");
});
afterAll(() => ctx.close());

const upload = (agent: Agent, content: string | Buffer, filename = "export.json") =>
  agent
    .post("/import")
    .field("_csrf", agent.csrf)
    .attach("file", Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8"), {
      filename,
      contentType: "application/json",
    });

describe("JSON export", () => {
  it("answers the project's interchange document as a JSON download", async () => {
    const s = await seedProject(ctx.db, "Ñandú");
    const res = await admin.get(`/projects/${s.project.id}/export.json`);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(res.headers["content-disposition"]).toContain("nandu_project-export.json");
    const doc = JSON.parse(res.text);
    expect(doc.format).toBe("conntrackt");
    expect(doc.projects).toHaveLength(1);
    expect(doc.projects[0].name).toBe("Ñandú project");
    expect(doc.projects[0].entities.map((e: { name: string }) => e.name).sort()).toEqual(["alpha", "beta"]);
    expect(doc.locations.map((l: { name: string }) => l.name)).toEqual(["Ñandú site"]);
    expect((await admin.get("/projects/999999/export.json")).status).toBe(404);
  });
});

describe("the Import page", () => {
  it("imports an exported file back, with the same rules, and goes to the new project", async () => {
    const s = await seedProject(ctx.db, "Trip");
    const exported = (await admin.get(`/projects/${s.project.id}/export.json`)).text;
    const rulesBefore = (await admin.get(`/entities/${s.b.id}/iptables`)).text;
    await deleteProject(ctx.db, s.project.id);
    const form = await admin.get("/import");
    expect(form.status).toBe(200);
    expect(form.text).toContain('enctype="multipart/form-data"');
    const res = await upload(admin, exported);
    expect(res.status).toBe(303);
    const project = await ctx.db.run((c) => c.project.findUniqueOrThrow({ where: { name: "Trip project" } }));
    expect(res.headers.location).toBe(`/projects/${project.id}`);
    const page = await admin.get(res.headers.location as string);
    expect(page.text).toContain("Imported 1 project, 2 entities, 2 interfaces and 1 communication.");
    const again = (await admin.get(`/projects/${project.id}/export.json`)).text;
    expect(again).toBe(exported);
    const beta = await ctx.db.run((c) => c.entity.findFirstOrThrow({ where: { projectId: project.id, name: "beta" } }));
    expect((await admin.get(`/entities/${beta.id}/iptables`)).text).toBe(rulesBefore);
  });

  it("refuses a file with errors, listing each with its place, and writes nothing", async () => {
    const before = await ctx.db.run((c) => c.project.count());
    const bad = JSON.stringify({
      format: "conntrackt",
      version: 1,
      locations: [{ name: "Site X", description: "" }],
      projects: [
        {
          name: "Bad one",
          description: "",
          entities: [
            {
              name: "db",
              description: "",
              location: "Site X",
              interfaces: [{ name: "eth0", description: "", address: "192.168.1.1", netmask: "/24" }],
            },
          ],
          communications: [
            {
              source: { entity: "nobody", interface: "eth0" },
              destination: { entity: "db", interface: "eth0" },
              protocol: "TCP",
              port: 70000,
              description: "",
            },
          ],
        },
      ],
    });
    const res = await upload(admin, bad);
    expect(res.status).toBe(422);
    expect(res.text).toContain("Nothing was imported.");
    expect(res.text).toContain("projects[0].entities[0].interfaces[0]");
    expect(res.text).toContain("projects[0].communications[0]");
    expect(await ctx.db.run((c) => c.project.count())).toBe(before);
    expect(await ctx.db.run((c) => c.location.count({ where: { name: "Site X" } }))).toBe(0);
  });

  it("says clearly what is wrong with no file, a non-JSON file and a project that exists", async () => {
    const empty = await admin.post("/import").field("_csrf", admin.csrf);
    expect(empty.status).toBe(422);
    expect(empty.text).toContain("Choose a JSON file exported by Conntrackt");
    const notJson = await upload(admin, "<html>not json</html>", "page.html");
    expect(notJson.status).toBe(422);
    expect(notJson.text).toContain("(document): not valid JSON");
    const s = await seedProject(ctx.db, "Twice");
    const exported = (await admin.get(`/projects/${s.project.id}/export.json`)).text;
    const dup = await upload(admin, exported);
    expect(dup.status).toBe(422);
    expect(dup.text).toContain("a project named &quot;Twice project&quot; already exists");
  });

  it("refuses a broken multipart body with a 400 page, and a form without the CSRF token with 403", async () => {
    const broken = await admin
      .post("/import")
      .set("Content-Type", "multipart/form-data; boundary=xyz")
      .send("this is not multipart");
    expect(broken.status).toBe(400);
    expect(broken.text).toContain("The uploaded form could not be read.");
    const noToken = await admin
      .post("/import")
      .attach("file", Buffer.from("{}"), { filename: "a.json", contentType: "application/json" });
    expect(noToken.status).toBe(403);
  });

  it("needs every add permission: an editor without add_project is refused", async () => {
    expect((await editor.get("/import")).status).toBe(403);
    expect((await upload(editor, "{}")).status).toBe(403);
    expect((await request(ctx.app).get("/import")).status).toBe(302);
  });
});
