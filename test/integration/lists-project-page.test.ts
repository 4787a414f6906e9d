// The project page at scale (docs/usage.md, "Data lists"): on the large preset
// (300 entities, 3,000 communications) the page stays under 300 KB of HTML,
// lists 100 communications and links the communications list for the rest,
// whose first page is 50 rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { updateCommunication } from "../../src/data/communications.js";
import { listProjects } from "../../src/data/projects.js";
import type { Protocol } from "../../src/domain/constants.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { loadDataset } from "../support/dataset.js";

let ctx: TestContext;
let viewer: Agent;
let projectId = 0;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("viewer", [], ["Viewers"]);
  viewer = await ctx.login("viewer");
  await loadDataset(ctx.db, ["--preset", "large", "--projects", "1"]);
  projectId = (await listProjects(ctx.db))[0]?.id ?? 0;
}, 300_000);
afterAll(() => ctx.close());

describe("project page at scale (docs/usage.md)", () => {
  it("stays under 300 KB on the large preset and links the rest of its communications", async () => {
    const page = await viewer.get(`/projects/${projectId}`).expect(200);
    const bytes = Buffer.byteLength(page.text);
    console.log(`large preset project page: ${(bytes / 1024).toFixed(0)} KB`);
    expect(bytes).toBeLessThan(300 * 1024);
    const table = page.text.slice(page.text.indexOf('id="communications-heading"'));
    expect(table.match(/<tr id="communication-/g)).toHaveLength(100);
    const total = Number(table.match(/data-count="(\d+)"/)?.[1]);
    expect(total).toBeGreaterThan(100);
    expect(table).toContain(`href="/communications?project=${projectId}"`);

    const list = await viewer.get(`/communications?project=${projectId}`).expect(200);
    expect(list.text).toContain(`data-count="${total}"`);
    expect(list.text.match(/<tr id="communication-/g)).toHaveLength(50);
  }, 60_000);

  it("links an expired flow to its row: on the page when shown there, else on the list sorted by Expires", async () => {
    const shown = Number((await viewer.get(`/projects/${projectId}`)).text.match(/<tr id="communication-(\d+)"/)?.[1]);
    const all = await ctx.db.run((c) =>
      c.communication.findMany({ where: { source: { entity: { projectId } } }, select: { id: true } }),
    );
    const page = (await viewer.get(`/projects/${projectId}`)).text;
    const onPage = new Set([...page.matchAll(/<tr id="communication-(\d+)"/g)].map((m) => Number(m[1])));
    const hidden = all.map((c) => c.id).find((id) => !onPage.has(id));
    if (!hidden) throw new Error("every flow is on the page");
    // Through the data layer, as every write goes: with its change entry, which the page's model is kept by.
    for (const id of [shown, hidden]) {
      const row = await ctx.db.run((c) => c.communication.findUniqueOrThrow({ where: { id } }));
      await updateCommunication(ctx.db, id, projectId, {
        ...row,
        protocol: row.protocol as Protocol,
        expires: "2000-01-01",
      });
    }
    const warned = (await viewer.get(`/projects/${projectId}`).expect(200)).text;
    expect(warned).toContain(`<a href="#communication-${shown}">`);
    const listUrl = `/communications?project=${projectId}&amp;sort=expires&amp;per_page=500#communication-${hidden}`;
    expect(warned).toContain(`<a href="${listUrl}">`);
    const list = await viewer.get(`/communications?project=${projectId}&sort=expires&per_page=500`).expect(200);
    expect(list.text).toContain(`<tr id="communication-${hidden}"`);
  }, 60_000);
});
