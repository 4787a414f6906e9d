// The full-size diagram page in Chromium (docs/usage.md): an 80-entity,
// 400-flow project fits the page without sideways scroll at 1366 and 390 px
// (the diagram scrolls inside its own box), the zoom buttons change its size,
// no script is blocked by the Content-Security-Policy, and a click on a node
// opens its entity page.
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getProjectByName } from "../../src/data/projects.js";
import { PASSWORD } from "../support/app.js";
import { loadProjects } from "../support/projects-dataset.js";
import { startTestServer, type TestServer } from "../support/server.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing) console.warn(`diagram page: SKIPPED, no Chromium at ${CHROMIUM}`);

let server: TestServer;
let browser: Browser;
let projectId = 0;

describe.skipIf(chromiumMissing)("the full-size diagram page (Chromium)", () => {
  beforeAll(async () => {
    server = await startTestServer();
    await server.ctx.user("viewer", [], ["Viewers"]);
    await loadProjects(server.ctx.db, [
      { name: "Real", args: ["--locations", "4", "--entities", "80", "--communications", "400"] },
    ]);
    projectId = (await getProjectByName(server.ctx.db, "Real"))?.id ?? 0;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu"],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("zooms, fits the window at 1366 and 390 px, and opens an entity from a node", async () => {
    const problems: string[] = [];
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error" || /Content Security Policy/i.test(m.text())) problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(`${server.url}/login?next=/projects/${projectId}/diagram`);
    await page.getByLabel("Username").fill("viewer");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(new RegExp(`/projects/${projectId}/diagram$`));
    const svg = page.locator("[data-diagram] svg");
    await svg.waitFor();

    const width = async () => Number((await svg.getAttribute("width"))?.replace("pt", ""));
    const natural = await width();
    await page.getByRole("button", { name: "Zoom in" }).click();
    expect(await width()).toBeCloseTo(natural * 1.25, 0);
    await page.getByRole("button", { name: "Fit to window" }).click();
    expect(await width()).toBeLessThan(natural);
    await page.getByRole("button", { name: "Actual size" }).click();
    expect(await width()).toBeCloseTo(natural, 0);

    for (const viewportWidth of [1366, 390]) {
      await page.setViewportSize({ width: viewportWidth, height: 900 });
      const sideways = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth",
      );
      expect(sideways, `${viewportWidth} px`).toBeLessThanOrEqual(0);
    }
    await page.setViewportSize({ width: 1366, height: 900 });

    // A node: its link to the entity page (the first node in the drawing's order).
    const node = page.locator('[data-diagram] a[*|href^="/entities/"]').first();
    const href = await node.getAttribute("xlink:href");
    await node.locator("text").first().scrollIntoViewIfNeeded();
    await node.locator("text").first().click();
    await page.waitForURL(new RegExp(`${href}$`));
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
