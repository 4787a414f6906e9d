// Issue 13 defect 5: deletion pages and messages say what is really deleted.
// An empty location's deletion does not claim entities went with it; a
// preview names only the kinds it takes along (never "0 entities"); project
// and location previews list each flow once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocation } from "../../src/data/locations.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let admin: Agent;
beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("admin");
  admin = await ctx.login("admin");
});
afterAll(() => ctx.close());

const count = (text: string, part: string) => text.split(part).length - 1;

describe("deletion wording", () => {
  it("an empty location's page says it has no entities, and its deletion only that the location went", async () => {
    const empty = await createLocation(ctx.db, { name: "Empty room", description: "" });
    const page = await admin.get(`/locations/${empty.id}/delete`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("Nothing else is deleted with it: it has no entities.");
    expect(page.text).not.toContain("0 entities");
    const res = await admin.post(`/locations/${empty.id}/delete`).type("form").send({ _csrf: admin.csrf });
    expect(res.status).toBe(303);
    const main = await admin.get("/");
    expect(main.text).toContain("Location &quot;Empty room&quot; was deleted.");
    expect(main.text).not.toContain("and its entities were deleted");
  });

  it("a location with entities says how many went with it", async () => {
    const s = await seedProject(ctx.db, "Full");
    await admin.post(`/locations/${s.location.id}/delete`).type("form").send({ _csrf: admin.csrf });
    expect((await admin.get("/")).text).toContain("Location &quot;Full site&quot; and its 2 entities were deleted.");
  });

  it("an entity's preview leaves out the kinds it does not take (no '0 entities')", async () => {
    const s = await seedProject(ctx.db, "Solo");
    const page = await admin.get(`/entities/${s.a.id}/delete`);
    expect(page.text).toContain("This also deletes 1 interface and 1 communication:");
    expect(page.text).not.toMatch(/\b0 (entities|interfaces|communications)\b/);
  });

  it("project and location previews list a flow between two of their entities once", async () => {
    const s = await seedProject(ctx.db, "Once");
    for (const url of [`/projects/${s.project.id}/delete`, `/locations/${s.location.id}/delete`]) {
      const page = await admin.get(url);
      expect(page.status).toBe(200);
      expect(page.text).toContain("This also deletes 2 entities, 2 interfaces and 1 communication:");
      expect(count(page.text, "alpha -&gt; beta (TCP:22)")).toBe(1);
    }
  });
});
