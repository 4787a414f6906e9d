// The change history is written with every change (docs/usage.md "Change
// history"): through the forms and the API, with the user as actor and the
// fields before and after; a deletion records each object it takes along;
// and a change and its entry commit together or not at all.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withActor } from "../../src/data/actor.js";
import { createProject, deleteProject, updateProject } from "../../src/data/projects.js";
import { api, apiToken } from "../support/api.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";
import { refuseRows, storedEntries } from "../support/history.js";

let ctx: TestContext;
let editor: Agent;
let tokenUserId: number;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("editor", [], ["Editors"]);
  tokenUserId = await ctx.user("robot", [], ["Editors"]);
  editor = await ctx.login("editor");
});
afterAll(() => ctx.close());

const entries = (where: Parameters<typeof storedEntries>[1] = {}) => storedEntries(ctx.db, where);

const count = (model: "project" | "changeEntry") =>
  ctx.db.run((c) => (model === "project" ? c.project.count() : c.changeEntry.count()));

const post = (path: string, body: Record<string, string>) =>
  editor
    .post(path)
    .type("form")
    .send({ _csrf: editor.csrf, ...body });

describe("the forms", () => {
  it("record a creation, an edit and a deletion with the user and the fields", async () => {
    const created = await post("/projects/new", { name: "History form", description: "first" });
    expect(created.status).toBe(303);
    const id = Number(/\/projects\/(\d+)/.exec(created.headers.location ?? "")?.[1]);
    expect((await post(`/projects/${id}/edit`, { name: "History form", description: "second" })).status).toBe(303);
    expect((await post(`/projects/${id}/delete`, {})).status).toBe(303);

    const list = await entries({ objectType: "project", objectId: id });
    expect(list.map((e) => [e.action, e.actor, e.display, e.projectId])).toEqual([
      ["create", "editor", "History form", id],
      ["update", "editor", "History form", id],
      ["delete", "editor", "History form", id],
    ]);
    expect(list.map((e) => [e.before, e.after])).toEqual([
      [null, { name: "History form", description: "first" }],
      [
        { name: "History form", description: "first" },
        { name: "History form", description: "second" },
      ],
      [{ name: "History form", description: "second" }, null],
    ]);
    // Written by the history's own INSERT: the instant of the request, whatever the engine's time zone.
    const answered = new Date(created.headers.date as string).getTime();
    expect(Math.abs((list[0]?.time.getTime() ?? 0) - answered)).toBeLessThan(5_000);
  });

  it("record nothing for a form saved unchanged, and nothing for a refused one", async () => {
    const seed = await seedProject(ctx.db, "Unchanged");
    const before = await count("changeEntry");
    const same = await post(`/projects/${seed.project.id}/edit`, {
      name: seed.project.name,
      description: "Test project",
    });
    expect(same.status).toBe(303);
    const clash = await post("/projects/new", { name: seed.project.name, description: "" });
    expect(clash.status).toBe(422);
    expect(await count("changeEntry")).toBe(before);
  });

  it("record a communication's edit as its fields, old and new, on both of its entities", async () => {
    const seed = await seedProject(ctx.db, "Flow");
    const res = await post(`/communications/${seed.communication}/edit`, {
      source: String(seed.ia.id),
      destination: String(seed.ib.id),
      protocol: "TCP",
      port: "8000-8100",
      description: "SSH",
      requestedBy: "Ann",
      reference: "",
      expires: "2030-01-31",
    });
    expect(res.status, res.text.slice(0, 400)).toBe(303);
    const [entry] = (await entries({ objectType: "communication", objectId: seed.communication })).slice(-1);
    expect(entry).toMatchObject({
      action: "update",
      actor: "editor",
      display: "alpha -> beta (TCP:8000-8100)",
      projectId: seed.project.id,
      entityId: seed.a.id,
      peerEntityId: seed.b.id,
    });
    expect(entry?.before).toMatchObject({ source: "alpha (10.0.0.1)", port: "22", requestedBy: "", expires: null });
    expect(entry?.after).toMatchObject({ destination: "beta (10.0.0.2)", port: "8000-8100", requestedBy: "Ann" });
    expect(entry?.after.expires).toBe("2030-01-31");
  });
});

describe("a deletion", () => {
  it("records every entity, interface and communication a project takes along, then the project", async () => {
    const seed = await seedProject(ctx.db, "Cascade");
    expect((await post(`/projects/${seed.project.id}/delete`, {})).status).toBe(303);
    const list = (await entries({ projectId: seed.project.id })).filter((e) => e.action === "delete");
    expect(list.map((e) => `${e.objectType} ${e.objectId} ${e.display}`)).toEqual([
      `communication ${seed.communication} alpha -> beta (TCP:22)`,
      `interface ${seed.ia.id} alpha (10.0.0.1)`,
      `interface ${seed.ib.id} beta (10.0.0.2)`,
      `entity ${seed.a.id} alpha (Cascade project - Cascade site)`,
      `entity ${seed.b.id} beta (Cascade project - Cascade site)`,
      `project ${seed.project.id} Cascade project`,
    ]);
    expect(list.every((e) => e.actor === "editor" && e.after === null)).toBe(true);
    expect(list[3]?.before).toEqual({
      name: "alpha",
      description: "",
      project: "Cascade project",
      location: "Cascade site",
      restrictOutgoing: false,
    });
  });

  it("of a location records the entities of every project in it", async () => {
    const seed = await seedProject(ctx.db, "Site");
    const other = await seedProject(ctx.db, "Elsewhere");
    const moved = await post("/entities/new", {
      name: "gamma",
      description: "",
      project: String(other.project.id),
      location: String(seed.location.id),
    });
    expect(moved.status).toBe(303);
    expect((await post(`/locations/${seed.location.id}/delete`, {})).status).toBe(303);
    const deletions = (await entries()).filter((e) => e.action === "delete");
    const entity = (projectId: number) =>
      deletions.filter((e) => e.objectType === "entity" && e.projectId === projectId).map((e) => e.display);
    expect(entity(seed.project.id)).toEqual(["alpha (Site project - Site site)", "beta (Site project - Site site)"]);
    expect(entity(other.project.id)).toEqual(["gamma (Elsewhere project - Site site)"]);
    expect(deletions.filter((e) => e.objectId === seed.communication && e.objectType === "communication")).toHaveLength(
      1,
    );
    expect(deletions.at(-1)).toMatchObject({
      objectType: "location",
      objectId: seed.location.id,
      projectId: null,
      display: "Site site",
      actor: "editor",
    });
  });
});

describe("the API", () => {
  it("records the token's user", async () => {
    const token = await apiToken(ctx, tokenUserId);
    const res = await api(ctx, "post", "/api/v1/projects", token).send({ name: "History API", description: "" });
    expect(res.status, res.text).toBe(201);
    const id = (res.body as { id: number }).id;
    const [entry] = await entries({ objectType: "project", objectId: id });
    expect(entry).toMatchObject({ action: "create", actor: "robot", display: "History API" });
  });
});

describe("outside a request or a command", () => {
  it("a write records the actor system; withActor names another", async () => {
    const p = await createProject(ctx.db, { name: "History system", description: "" });
    await withActor("maintenance", () => updateProject(ctx.db, p.id, { name: "History system 2", description: "" }));
    expect((await entries({ objectType: "project", objectId: p.id })).map((e) => e.actor)).toEqual([
      "system",
      "maintenance",
    ]);
  });
});

describe("a failed write", () => {
  it("leaves neither the change nor its entry when the entry is refused after the change", async () => {
    const p = await createProject(ctx.db, { name: "History atomic", description: "kept" });
    const drop = await refuseRows(ctx.db, "h9_refuse_entry", "ChangeEntry", `ROW.display LIKE '%boom%'`);
    try {
      const [projects, entriesBefore] = [await count("project"), await count("changeEntry")];
      await expect(createProject(ctx.db, { name: "boom", description: "" })).rejects.toThrow();
      await expect(updateProject(ctx.db, p.id, { name: "boom 2", description: "" })).rejects.toThrow();
      const form = await post(`/projects/${p.id}/edit`, { name: "boom 3", description: "" });
      expect(form.status).toBe(500);
      expect([await count("project"), await count("changeEntry")]).toEqual([projects, entriesBefore]);
      expect((await ctx.db.run((c) => c.project.findUnique({ where: { id: p.id } })))?.name).toBe("History atomic");
    } finally {
      await drop();
    }
  });

  it("leaves neither when a deletion fails after its entries were written", async () => {
    const seed = await seedProject(ctx.db, "Undeletable");
    const drop = await refuseRows(ctx.db, "h9_refuse_delete", "Project", `ROW.name = 'Undeletable project'`);
    try {
      const entriesBefore = await count("changeEntry");
      await expect(deleteProject(ctx.db, seed.project.id)).rejects.toThrow();
      expect(await count("changeEntry")).toBe(entriesBefore);
      const kept = await ctx.db.run((c) =>
        Promise.all([
          c.entity.count({ where: { projectId: seed.project.id } }),
          c.communication.count({ where: { id: seed.communication } }),
        ]),
      );
      expect(kept).toEqual([2, 1]);
    } finally {
      await drop();
    }
  });
});
