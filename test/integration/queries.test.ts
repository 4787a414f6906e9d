// Page queries do not grow with the data (docs/benchmarks.md, STYLE.md): the project and
// entity pages and the ZIP of a 300-entity, 3,000-communication project use
// the same number of SQL statements as those of a two-entity project.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { loadDataset } from "../support/dataset.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let admin: Agent;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("admin");
  admin = await ctx.login("admin");
}, 120_000);
afterAll(() => ctx.close());

async function queriesFor(path: string): Promise<number> {
  await admin.get(path); // warm caches (diagram, session) so both sizes compare alike
  const before = ctx.db.queryCount;
  const res = await admin.get(path);
  expect(res.status).toBe(200);
  return ctx.db.queryCount - before;
}

describe("query counts", () => {
  it("are the same for a small and a large project", async () => {
    const small = await seedProject(ctx.db, "Small");
    await loadDataset(ctx.db, ["--preset", "large"]);
    const large = await ctx.db.run((c) => c.project.findFirstOrThrow({ where: { name: { not: small.project.name } } }));
    const counts = await ctx.db.run(async (c) => ({
      entities: await c.entity.count({ where: { projectId: large.id } }),
      communications: await c.communication.count({ where: { source: { entity: { projectId: large.id } } } }),
    }));
    expect(counts).toEqual({ entities: 300, communications: 3000 });
    const largeEntity = await ctx.db.run((c) =>
      c.entity.findFirstOrThrow({ where: { projectId: large.id, interfaces: { some: { incoming: { some: {} } } } } }),
    );

    const pages = [
      [`/projects/${small.project.id}`, `/projects/${large.id}`],
      [`/entities/${small.b.id}`, `/entities/${largeEntity.id}`],
      [`/projects/${small.project.id}/iptables.zip`, `/projects/${large.id}/iptables.zip`],
      [`/projects/${small.project.id}/colours.css`, `/projects/${large.id}/colours.css`],
      ["/", "/"],
    ];
    for (const [a, b] of pages) {
      const [qa, qb] = [await queriesFor(a as string), await queriesFor(b as string)];
      expect({ page: b, queries: qb }).toEqual({ page: b, queries: qa });
      expect(qa).toBeLessThanOrEqual(20);
    }
  }, 180_000);
});
