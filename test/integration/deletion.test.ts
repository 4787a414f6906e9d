// Deletion (docs/usage.md): the confirmation page lists everything that goes
// with the object as a nested list, and confirming removes all of it at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunication } from "../../src/data/communications.js";
import { createEntity, entityDeletionPreview } from "../../src/data/entities.js";
import { createInterface, interfaceDeletionPreview } from "../../src/data/interfaces.js";
import { locationDeletionPreview } from "../../src/data/locations.js";
import { projectDeletionPreview } from "../../src/data/projects.js";
import type { PreviewNode } from "../../src/domain/display.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let editor: Agent;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("editor", [], ["Editors"]);
  editor = await ctx.login("editor");
});
afterAll(() => ctx.close());

const rows = () =>
  ctx.db.run(async (c) => ({
    projects: await c.project.count(),
    locations: await c.location.count(),
    entities: await c.entity.count(),
    interfaces: await c.interface.count(),
    communications: await c.communication.count(),
  }));

describe("project deletion", () => {
  it("previews the entities, interfaces and communications, then deletes them all", async () => {
    const s = await seedProject(ctx.db, "Doomed");
    const keep = await seedProject(ctx.db, "Kept");
    const preview = await editor.get(`/projects/${s.project.id}/delete`);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain("This also deletes 2 entities, 2 interfaces and 1 communication:");
    expect(preview.text).toContain("alpha (Doomed project - Doomed site)");
    expect(preview.text).toContain("eth0: alpha (10.0.0.1)");
    expect(preview.text).toContain("alpha -&gt; beta (TCP:22)");
    expect(preview.text).toMatch(
      /<ul class="preview-tree">\s*<li><span class="kind">Entity:<\/span> alpha[\s\S]*<ul class="preview-tree">\s*<li><span class="kind">Interface:/,
    );
    const before = await rows();
    const res = await editor.post(`/projects/${s.project.id}/delete`).type("form").send({ _csrf: editor.csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe("/");
    const main = await editor.get("/");
    expect(main.text).toContain("Project &quot;Doomed project&quot; and everything in it were deleted.");
    expect(await rows()).toEqual({
      ...before,
      projects: before.projects - 1,
      entities: before.entities - 2,
      interfaces: before.interfaces - 2,
      communications: before.communications - 1,
    });
    expect((await editor.get(`/entities/${s.a.id}`)).status).toBe(404);
    expect((await editor.get(`/projects/${keep.project.id}`)).status).toBe(200);
  });
});

describe("location deletion", () => {
  it("takes the entities of every project in it, and the communications touching them", async () => {
    const s = await seedProject(ctx.db, "Loc");
    const other = await seedProject(ctx.db, "LocOther");
    // An entity of another location of the same project talks to alpha: that flow goes too.
    const outsider = await createEntity(ctx.db, {
      name: "outsider",
      description: "",
      projectId: s.project.id,
      locationId: other.location.id,
    });
    const oi = await createInterface(ctx.db, {
      name: "eth0",
      description: "",
      entityId: outsider.id,
      address: "10.5.5.5",
      netmask: "255.255.255.0",
    });
    await createCommunication(ctx.db, s.project.id, {
      sourceId: oi.id,
      destinationId: s.ia.id,
      protocol: "UDP",
      port: 161,
      description: "",
    });
    const preview = await editor.get(`/locations/${s.location.id}/delete`);
    expect(preview.text).toContain("This also deletes 2 entities, 2 interfaces and 2 communications:");
    expect(preview.text).toContain("outsider -&gt; alpha (UDP:161)");
    const res = await editor.post(`/locations/${s.location.id}/delete`).type("form").send({ _csrf: editor.csrf });
    expect(res.status).toBe(303);
    expect((await editor.get(`/entities/${outsider.id}`)).status).toBe(200);
    const left = await ctx.db.run((c) => c.communication.count({ where: { source: { entityId: outsider.id } } }));
    expect(left).toBe(0);
    expect((await editor.get(`/projects/${s.project.id}`)).status).toBe(200);
  });
});

describe("entity, interface and communication deletion", () => {
  it("previews and deletes an entity with its interfaces and communications", async () => {
    const s = await seedProject(ctx.db, "Ent");
    const preview = await editor.get(`/entities/${s.a.id}/delete`);
    expect(preview.text).toContain("Interface:</span> eth0: alpha (10.0.0.1)");
    expect(preview.text).toContain("alpha -&gt; beta (TCP:22)");
    await editor.post(`/entities/${s.a.id}/delete`).type("form").send({ _csrf: editor.csrf });
    const count = await ctx.db.run((c) => c.communication.count({ where: { destinationId: s.ib.id } }));
    expect(count).toBe(0);
    expect((await editor.get(`/entities/${s.b.id}`)).status).toBe(200);
  });

  it("deletes an interface with its communications and goes back to the entity", async () => {
    const s = await seedProject(ctx.db, "If");
    const res = await editor.post(`/interfaces/${s.ib.id}/delete`).type("form").send({ _csrf: editor.csrf });
    expect(res.headers.location).toBe(`/entities/${s.b.id}`);
    expect(await ctx.db.run((c) => c.communication.count({ where: { id: s.communication } }))).toBe(0);
  });

  it("deletes a communication and honours a local next", async () => {
    const s = await seedProject(ctx.db, "Com");
    const next = encodeURIComponent(`/entities/${s.b.id}`);
    const page = await editor.get(`/communications/${s.communication}/delete?next=${next}`);
    expect(page.text).toContain("alpha -&gt; beta (TCP:22)");
    const res = await editor
      .post(`/communications/${s.communication}/delete?next=${next}`)
      .type("form")
      .send({ _csrf: editor.csrf });
    expect(res.headers.location).toBe(`/entities/${s.b.id}`);
  });

  it("rolls the whole cascade back when one step fails", async () => {
    const s = await seedProject(ctx.db, "Atomic");
    const before = await rows();
    // Make the final delete of the project fail inside the transaction.
    await expect(
      ctx.db.transaction(async (tx) => {
        await tx.communication.deleteMany({ where: { source: { entity: { projectId: s.project.id } } } });
        await tx.interface.deleteMany({ where: { entity: { projectId: s.project.id } } });
        throw new Error("simulated failure");
      }),
    ).rejects.toThrow("simulated failure");
    expect(await rows()).toEqual(before);
  });
});

describe("deletion preview trees", () => {
  /** A preview as indented lines: kind and label, children under their parent. */
  const outline = (nodes: PreviewNode[] | null, depth = 0): string[] =>
    (nodes ?? []).flatMap((n) => [`${"  ".repeat(depth)}${n.kind} ${n.label}`, ...outline(n.children, depth + 1)]);

  it("lists entities by name, interfaces by name and each communication once (under its source if in scope), by id", async () => {
    const s = await seedProject(ctx.db, "Tree");
    const far = await createEntity(ctx.db, {
      name: "aardvark",
      description: "",
      projectId: s.project.id,
      locationId: (await seedProject(ctx.db, "TreeFar")).location.id,
    });
    const farIf = await createInterface(ctx.db, {
      name: "lan",
      description: "",
      entityId: far.id,
      address: "10.1.0.0",
      netmask: "255.255.0.0",
    });
    const b2 = await createInterface(ctx.db, {
      name: "a-mgmt",
      description: "",
      entityId: s.b.id,
      address: "10.0.0.20",
      netmask: "255.255.255.255",
    });
    const flow = (sourceId: number, destinationId: number, protocol: "TCP" | "UDP", port: number) =>
      createCommunication(ctx.db, s.project.id, { sourceId, destinationId, protocol, port, description: "" });
    await flow(farIf.id, s.ia.id, "UDP", 53);
    await flow(s.ia.id, b2.id, "TCP", 443);
    await flow(b2.id, farIf.id, "TCP", 8080);

    expect(outline(await projectDeletionPreview(ctx.db, s.project.id))).toEqual([
      "entity aardvark (Tree project - TreeFar site)",
      "  interface lan: aardvark (10.1.0.0/255.255.0.0)",
      "    communication aardvark -> alpha (UDP:53)",
      "entity alpha (Tree project - Tree site)",
      "  interface eth0: alpha (10.0.0.1)",
      "    communication alpha -> beta (TCP:22)",
      "    communication alpha -> beta (TCP:443)",
      "entity beta (Tree project - Tree site)",
      "  interface a-mgmt: beta (10.0.0.20)",
      "    communication beta -> aardvark (TCP:8080)",
      "  interface eth0: beta (10.0.0.2)",
    ]);
    // A location takes its entities of every project, ordered by project then name.
    expect(outline(await locationDeletionPreview(ctx.db, far.location.id))).toEqual([
      "entity aardvark (Tree project - TreeFar site)",
      "  interface lan: aardvark (10.1.0.0/255.255.0.0)",
      "    communication aardvark -> alpha (UDP:53)",
      "    communication beta -> aardvark (TCP:8080)",
      "entity alpha (TreeFar project - TreeFar site)",
      "  interface eth0: alpha (10.0.0.1)",
      "    communication alpha -> beta (TCP:22)",
      "entity beta (TreeFar project - TreeFar site)",
      "  interface eth0: beta (10.0.0.2)",
    ]);
    expect(outline(await entityDeletionPreview(ctx.db, s.b.id))).toEqual([
      "interface a-mgmt: beta (10.0.0.20)",
      "  communication alpha -> beta (TCP:443)",
      "  communication beta -> aardvark (TCP:8080)",
      "interface eth0: beta (10.0.0.2)",
      "  communication alpha -> beta (TCP:22)",
    ]);
    expect(outline(await interfaceDeletionPreview(ctx.db, s.ia.id))).toEqual([
      "communication alpha -> beta (TCP:22)",
      "communication aardvark -> alpha (UDP:53)",
      "communication alpha -> beta (TCP:443)",
    ]);
    expect(await entityDeletionPreview(ctx.db, 2_000_000_000)).toBeNull();
    expect(await interfaceDeletionPreview(ctx.db, 2_000_000_000)).toBeNull();
  });
});
