// Search (docs/usage.md): case-insensitive matches in names and descriptions of
// projects and entities, at most 10 suggestions, only for users with `view`.
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEntity } from "../../src/data/entities.js";
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
