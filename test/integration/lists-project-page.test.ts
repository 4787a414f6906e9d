// The project page at scale (docs/usage.md, "Data lists"): on the large preset
// (300 entities, 3,000 communications) the page stays under 300 KB of HTML,
// lists 100 communications and links the communications list for the rest,
// whose first page is 50 rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listProjects } from "../../src/data/projects.js";
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
});
