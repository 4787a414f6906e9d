// An empty project (issue 13 defect 6): the page says there is nothing to
// download instead of offering a ZIP without entries, and the archive URLs
// answer with that message (docs/rules.md).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocation } from "../../src/data/locations.js";
import { createProject } from "../../src/data/projects.js";
import { createTestContext, type TestContext } from "../support/app.js";

describe("an empty project's downloads", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  it("says so on the page and answers the ZIP URLs with a clear 404", async () => {
    const project = await createProject(ctx.db, { name: "Empty downloads", description: "" });
    const location = await createLocation(ctx.db, { name: "Empty downloads site", description: "" });
    await ctx.user("empty-viewer", [], ["Viewers"]);
    const agent = await ctx.login("empty-viewer");
    const page = await agent.get(`/projects/${project.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("no rules to download");
    expect(page.text).not.toContain(`/projects/${project.id}/iptables.zip`);
    for (const url of [
      `/projects/${project.id}/iptables.zip`,
      `/projects/${project.id}/nftables.zip`,
      `/projects/${project.id}/locations/${location.id}/nftables.zip`,
    ]) {
      const res = await agent.get(url);
      expect(res.status, url).toBe(404);
      expect(res.headers["content-type"], url).toMatch(/^text\/html/);
      expect(res.headers["content-disposition"], url).toBeUndefined();
      expect(res.text, url).toContain("has no entities yet, so there are no rules to download");
    }
  });
});
