// The JSON export and the deletion pages (project, location, entity,
// interface) run a fixed number of queries whatever the data size
// (docs/architecture.md, "Pages with a fixed number of queries"): a
// two-entity project and a 300-entity, 3,000-communication one cost the same.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportInterchange } from "../../src/data/interchange.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";
import { loadProjects } from "../support/projects-dataset.js";

let ctx: TestContext;
let admin: Agent;
let small: Awaited<ReturnType<typeof seedProject>>;
/** The whole-database export's query count before the large project exists. */
let exportBefore: number;
let large: { projectId: number; locationId: number; entityId: number; interfaceId: number };

async function queries(work: () => Promise<unknown>): Promise<number> {
  const before = ctx.db.queryCount;
  await work();
  return ctx.db.queryCount - before;
}

const exportQueries = (options: { project?: string } = {}) => queries(() => exportInterchange(ctx.db, options));

/** Queries of a GET after a warming one (session, caches), which must answer 200. */
async function pageQueries(path: string): Promise<{ queries: number; text: string }> {
  await admin.get(path);
  let text = "";
  const count = await queries(async () => {
    const res = await admin.get(path);
    expect(res.status, path).toBe(200);
    text = res.text;
  });
  return { queries: count, text };
}

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("admin");
  admin = await ctx.login("admin");
  small = await seedProject(ctx.db, "Small");
  exportBefore = await exportQueries();
  const [sizes] = await loadProjects(ctx.db, [
    { name: "Large", args: ["--locations", "1", "--entities", "300", "--communications", "3000"] },
  ]);
  expect(sizes).toEqual({ entities: 300, communications: 3000 });
  large = await ctx.db.run(async (c) => {
    const project = await c.project.findUniqueOrThrow({ where: { name: "Large" } });
    // The busiest entity and interface: the most communications at either end.
    const interfaces = await c.interface.findMany({
      where: { entity: { projectId: project.id } },
      select: { id: true, entityId: true, _count: { select: { outgoing: true, incoming: true } } },
    });
    const load = (i: (typeof interfaces)[number]) => i._count.outgoing + i._count.incoming;
    const busiest = interfaces.reduce((a, b) => (load(b) > load(a) ? b : a));
    const entity = await c.entity.findUniqueOrThrow({ where: { id: busiest.entityId } });
    return { projectId: project.id, locationId: entity.locationId, entityId: entity.id, interfaceId: busiest.id };
  });
}, 180_000);
afterAll(() => ctx.close());

describe("queries that do not grow with the data", () => {
  it("the JSON export of the database or of one project", async () => {
    expect(await exportQueries()).toBe(exportBefore);
    const [one, big] = [
      await exportQueries({ project: small.project.name }),
      await exportQueries({ project: "Large" }),
    ];
    expect(big).toBe(one);
    const doc = await exportInterchange(ctx.db, { project: "Large" });
    expect(doc.projects[0]?.communications).toHaveLength(3000);
  });

  it("the project deletion page", async () => {
    const a = await pageQueries(`/projects/${small.project.id}/delete`);
    const b = await pageQueries(`/projects/${large.projectId}/delete`);
    expect(b.text).toContain("This also deletes 300 entities");
    expect(b.queries).toBe(a.queries);
  });

  it("the location deletion page", async () => {
    const a = await pageQueries(`/locations/${small.location.id}/delete`);
    const b = await pageQueries(`/locations/${large.locationId}/delete`);
    expect(b.text).toContain("This also deletes 300 entities");
    expect(b.queries).toBe(a.queries);
  });

  it("the entity and interface deletion pages", async () => {
    const busy = await ctx.db.run((c) =>
      c.communication.count({ where: { OR: [{ sourceId: large.interfaceId }, { destinationId: large.interfaceId }] } }),
    );
    expect(busy).toBeGreaterThan(10);
    for (const [a, b] of [
      [`/entities/${small.a.id}/delete`, `/entities/${large.entityId}/delete`],
      [`/interfaces/${small.ia.id}/delete`, `/interfaces/${large.interfaceId}/delete`],
    ] as const) {
      const [qa, qb] = [await pageQueries(a), await pageQueries(b)];
      expect({ page: b, queries: qb.queries }).toEqual({ page: b, queries: qa.queries });
    }
  });
});
