// The project page's model is kept until the next recorded change
// (src/services/project-page.ts): a second look without a write reuses it, any
// write through the data layer (here one made by a second connection, as the
// CLI or another server process would) rebuilds it, and a failed build is not kept.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/data/engine.js";
import { updateEntity } from "../../src/data/entities.js";
import { ProjectPages } from "../../src/services/project-page.js";
import { createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let seed: Awaited<ReturnType<typeof seedProject>>;
beforeAll(async () => {
  ctx = await createTestContext();
  seed = await seedProject(ctx.db, "Kept");
});
afterAll(() => ctx.close());

describe("the project page's kept model", () => {
  it("is reused until a change is recorded, then rebuilt", async () => {
    const pages = new ProjectPages(ctx.db);
    const first = await pages.get(seed.project.id);
    expect(await pages.get(seed.project.id)).toBe(first);
    expect(first.locations.flatMap((l) => l.entities.map((e) => e.name))).toContain("alpha");

    await updateEntity(ctx.db, seed.a.id, {
      name: "alpha-renamed",
      description: "",
      projectId: seed.project.id,
      locationId: seed.location.id,
    });
    const after = await pages.get(seed.project.id);
    expect(after).not.toBe(first);
    expect(after.locations.flatMap((l) => l.entities.map((e) => e.name))).toContain("alpha-renamed");
  });

  it("sees a change another connection recorded", async () => {
    const pages = new ProjectPages(ctx.db);
    const before = await pages.get(seed.project.id);
    const other = await openDatabase(ctx.app.deps.config.DATABASE_URL);
    try {
      await updateEntity(other, seed.b.id, {
        name: "beta-elsewhere",
        description: "",
        projectId: seed.project.id,
        locationId: seed.location.id,
      });
    } finally {
      await other.close();
    }
    const after = await pages.get(seed.project.id);
    expect(after).not.toBe(before);
    expect(after.locations.flatMap((l) => l.entities.map((e) => e.name))).toContain("beta-elsewhere");
  });

  it("keeps at most its limit of projects, the most recently used", async () => {
    const second = await seedProject(ctx.db, "Kept too");
    const pages = new ProjectPages(ctx.db, 1);
    const a = await pages.get(seed.project.id);
    await pages.get(second.project.id);
    expect(await pages.get(seed.project.id)).not.toBe(a);
  });
});
