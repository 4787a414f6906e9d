// The usage guide walked in a real browser, as a new user would: only visible
// labels, buttons and links (getByLabel, getByRole), against the real app
// served over HTTP on a fresh database (test/support/server.ts).
//
// An editor logs in; adds a project, a location, two entities (one from the
// project's "Add entity" button, one from the location block's small button,
// which fixes the location), an interface on each (one netmask typed as a
// `/24` prefix) and a communication from an entity page (pre-selected ends);
// edits each of the five objects and sees the change; sees the project page
// (entity rows, communications table, a diagram image that really loads) and
// the entity page (the expected rule); downloads the entity rules and the
// project ZIP; searches with suggestions (keyboard) and without JavaScript;
// deletes the project through its preview and sees everything gone. Console
// errors, page errors and Content-Security-Policy violations fail the test.
//
// Needs Chromium at /usr/bin/chromium (Debian: apt-get install -y chromium),
// or CHROMIUM_PATH; otherwise the suite is skipped and says so. Set
// CONNTRACKT_SCREENSHOTS=DIR to keep full-page PNGs of the main pages.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { unzipSync } from "fflate";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD } from "../support/app.js";
import { startTestServer, type TestServer } from "../support/server.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing) console.warn(`journey: SKIPPED, no Chromium at ${CHROMIUM} (Debian: apt-get install -y chromium)`);
const SCREENSHOTS = process.env.CONNTRACKT_SCREENSHOTS;

let server: TestServer;
let browser: Browser;
/** Console errors, uncaught page errors and CSP violations, from every page of every context. */
const problems: string[] = [];
/** URLs the journey expects to answer 404: the browser logs those loads as console errors. */
const expectedNotFound = new Set<string>();

async function newContext(options: { javaScriptEnabled?: boolean } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ acceptDownloads: true, ...options });
  context.setDefaultTimeout(10_000);
  // Runs through the DevTools protocol, so the site's CSP does not block it.
  // (A string: the test's TypeScript has no DOM types.)
  await context.addInitScript(`document.addEventListener("securitypolicyviolation", (e) =>
    console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline code") + " in " + e.sourceFile + ":" + e.lineNumber));`);
  context.on("page", watch);
  return context;
}

function watch(page: Page): void {
  page.on("console", (message) => {
    const text = message.text();
    const { url } = message.location();
    if (/Content Security Policy|CSP violation/i.test(text)) problems.push(`CSP on ${page.url()}: ${text}`);
    else if (message.type() === "error" && !(expectedNotFound.has(url) && /status of 404/.test(text)))
      problems.push(`console error on ${page.url()}: ${text} (${url})`);
  });
  page.on("pageerror", (error) => problems.push(`page error on ${page.url()}: ${error.message}`));
}

/** Clicks and waits for the page the click leads to, recognised by its URL and first heading. */
async function go(page: Page, target: Locator, url: RegExp, heading?: string | RegExp): Promise<void> {
  await target.click();
  await page.waitForURL(url);
  if (heading) await page.getByRole("heading", { level: 1, name: heading }).waitFor();
}

/** The text as rendered for a reader (innerText), whitespace collapsed. */
// biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, read as the user sees it (textContent glues table cells and list items together).
const text = async (locator: Locator) => (await locator.innerText()).replace(/\s+/g, " ").trim();
const selectedLabel = (select: Locator) => select.locator("option:checked").textContent();
const idFrom = (page: Page, kind: string) => Number(new RegExp(`/${kind}/(\\d+)`).exec(page.url())?.[1]);

async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function logIn(page: Page, username: string, next: RegExp): Promise<void> {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await go(page, page.getByRole("button", { name: "Log in" }), next);
  await page.getByText(username, { exact: true }).waitFor();
}

describe.skipIf(chromiumMissing)("a new user's journey through the usage guide (Chromium)", () => {
  beforeAll(async () => {
    server = await startTestServer();
    await server.ctx.user("editor", [], ["Editors"]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("records a project, draws and downloads its rules, finds it, and deletes it", async () => {
    const { url } = server;
    const context = await newContext();
    const page = await context.newPage();
    const main = () => page.getByRole("link", { name: "Conntrackt", exact: true });
    const flash = (message: string | RegExp) => page.getByRole("status").filter({ hasText: message }).waitFor();

    // Log in: an anonymous visitor is sent to the log-in page and comes back.
    await page.goto(`${url}/`);
    await page.waitForURL(/\/login/);
    await logIn(page, "editor", new RegExp(`^${url}/$`));
    await page.getByRole("heading", { level: 2, name: "Projects" }).waitFor();

    // A project; after adding, its page.
    await go(page, page.getByRole("link", { name: "Add project" }), /\/projects\/new$/, "Add project");
    await page.getByLabel("Name", { exact: true }).fill("Acme journey");
    await page.getByLabel("Description", { exact: true }).fill("Customer site, first phase");
    await go(page, page.getByRole("button", { name: "Save", exact: true }), /\/projects\/\d+$/, "Acme journey");
    await flash('Project "Acme journey" was added.');
    const projectId = idFrom(page, "projects");
    expect(await text(page.getByText("This project has no entities yet, so it has no rules to download"))).toBeTruthy();

    // A location, from the main page.
    await go(page, main(), new RegExp(`^${url}/$`));
    await go(page, page.getByRole("link", { name: "Add location" }), /\/locations\/new$/, "Add location");
    await page.getByLabel("Name", { exact: true }).fill("Paris DC");
    await go(page, page.getByRole("button", { name: "Save", exact: true }), new RegExp(`^${url}/$`));
    await flash('Location "Paris DC" was added.');
    await page.getByRole("region", { name: "Locations" }).getByText("Paris DC", { exact: true }).waitFor();
    await screenshot(page, "main-page");

    // First entity, from the project page's Add entity button: the project is fixed.
    await go(page, page.getByRole("link", { name: "Acme journey", exact: true }), /\/projects\/\d+$/, "Acme journey");
    await go(
      page,
      page.getByRole("link", { name: "Add entity", exact: true }),
      /\/entities\/new\?project=\d+$/,
      "Add entity",
    );
    expect(await page.getByLabel("Project").inputValue()).toBe("Acme journey");
    expect(await page.getByLabel("Project").isEditable()).toBe(false);
    await page.getByLabel("Name", { exact: true }).fill("db1");
    await page.getByLabel("Location").selectOption({ label: "Paris DC" });
    await go(page, page.getByRole("button", { name: "Save", exact: true }), /\/entities\/\d+$/, "db1");
    await flash('Entity "db1 (Acme journey - Paris DC)" was added.');
    const dbId = idFrom(page, "entities");

    // Second entity, from the location block's small Add entity button: project and location fixed.
    await go(page, page.getByRole("link", { name: "Acme journey", exact: true }), /\/projects\/\d+$/, "Acme journey");
    const block = page.getByRole("region", { name: "Paris DC" });
    await go(
      page,
      block.getByRole("link", { name: "Add entity in Paris DC" }),
      /\/entities\/new\?project=\d+&location=\d+$/,
      "Add entity",
    );
    expect(await page.getByLabel("Project").inputValue()).toBe("Acme journey");
    expect(await page.getByLabel("Location").inputValue()).toBe("Paris DC");
    expect(await page.getByLabel("Location").isEditable()).toBe(false);
    await page.getByLabel("Name", { exact: true }).fill("office");
    await page.getByLabel("Description", { exact: true }).fill("Office workstations");
    await go(page, page.getByRole("button", { name: "Save", exact: true }), /\/entities\/\d+$/, "office");
    const officeId = idFrom(page, "entities");

    // An interface on each: the office is a subnet, its netmask typed as a prefix.
    await go(
      page,
      page.getByRole("link", { name: "Add interface" }),
      /\/interfaces\/new\?entity=\d+$/,
      "Add interface",
    );
    expect(await page.getByLabel("Entity").inputValue()).toBe("office (Acme journey - Paris DC)");
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("eth0");
    expect(await page.getByLabel("Netmask", { exact: true }).inputValue()).toBe("");
    await page.getByLabel("Address", { exact: true }).fill("10.20.0.0");
    await page.getByLabel("Netmask", { exact: true }).fill("/24");
    await go(
      page,
      page.getByRole("button", { name: "Save", exact: true }),
      new RegExp(`/entities/${officeId}$`),
      "office",
    );
    await page.getByRole("region", { name: "Interfaces" }).getByText("10.20.0.0/255.255.255.0").waitFor();

    await page.goto(`${url}/entities/${dbId}`);
    await go(
      page,
      page.getByRole("link", { name: "Add interface" }),
      /\/interfaces\/new\?entity=\d+$/,
      "Add interface",
    );
    await page.getByLabel("Address", { exact: true }).fill("192.168.10.5");
    await go(page, page.getByRole("button", { name: "Save", exact: true }), new RegExp(`/entities/${dbId}$`), "db1");
    await page.getByRole("region", { name: "Interfaces" }).getByText("192.168.10.5").waitFor();

    // A communication from db1's incoming list: db1's interface is the pre-selected destination.
    const incoming = page.getByRole("region", { name: "Incoming communications" });
    await go(
      page,
      incoming.getByRole("link", { name: "Add communication" }),
      /\/communications\/new\?to_entity=\d+/,
      /Add communication/,
    );
    expect(await selectedLabel(page.getByLabel("Destination"))).toBe("db1 (192.168.10.5) eth0");
    expect(await selectedLabel(page.getByLabel("Source"))).toBe("Choose the source interface");
    await page.getByLabel("Source").selectOption({ label: "office (10.20.0.0/255.255.255.0) eth0" });
    await page.getByLabel("Protocol").selectOption("TCP");
    await page.getByLabel("Port").fill("5432");
    await page.getByLabel("Description", { exact: true }).fill("Application database");
    await screenshot(page, "communication-form");
    // After saving: back to the entity page it was opened from (`next`).
    await go(page, page.getByRole("button", { name: "Save", exact: true }), new RegExp(`/entities/${dbId}$`), "db1");
    await flash("Communication TCP:5432 was added.");
    const incomingRow = incoming.getByRole("row").filter({ hasText: "5432" });
    expect(await text(incomingRow)).toContain("office eth0 10.20.0.0/255.255.255.0 TCP 5432 Application database");
    expect(await text(page.getByRole("region", { name: "iptables rules (IPv4)" }))).toContain(
      "-A INPUT -s 10.20.0.0/255.255.255.0 -d 192.168.10.5 -p tcp -m tcp --dport 5432 -j ACCEPT",
    );

    // The outgoing list's button pre-selects the source instead (opened, then cancelled).
    await page.getByRole("link", { name: "office", exact: true }).first().click();
    await page.waitForURL(new RegExp(`/entities/${officeId}$`));
    const outgoing = page.getByRole("region", { name: "Outgoing communications" });
    expect(await text(outgoing)).toContain("db1");
    await go(
      page,
      outgoing.getByRole("link", { name: "Add communication" }),
      /\/communications\/new\?from_entity=\d+/,
      /Add communication/,
    );
    expect(await selectedLabel(page.getByLabel("Source"))).toBe("office (10.20.0.0/255.255.255.0) eth0");
    expect(await selectedLabel(page.getByLabel("Destination"))).toBe("Choose the destination interface");
    await go(page, page.getByRole("link", { name: "Cancel" }), new RegExp(`/entities/${officeId}$`), "office");

    // Edit each object and see the change.
    await page.goto(`${url}/projects/${projectId}`);
    await go(page, page.getByRole("link", { name: "Edit", exact: true }), /\/edit$/, "Edit project Acme journey");
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("Acme journey");
    await page.getByLabel("Name", { exact: true }).fill("Acme journey 2");
    await page.getByLabel("Description", { exact: true }).fill("Customer site, second phase");
    await go(
      page,
      page.getByRole("button", { name: "Save", exact: true }),
      new RegExp(`/projects/${projectId}$`),
      "Acme journey 2",
    );
    await page.getByText("Customer site, second phase").waitFor();

    await go(page, main(), new RegExp(`^${url}/$`));
    await go(
      page,
      page.getByRole("link", { name: "Edit Paris DC" }),
      /\/locations\/\d+\/edit$/,
      "Edit location Paris DC",
    );
    await page.getByLabel("Name", { exact: true }).fill("Paris DC North");
    await go(page, page.getByRole("button", { name: "Save", exact: true }), new RegExp(`^${url}/$`));
    await flash('Location "Paris DC North" was changed.');

    await go(
      page,
      page.getByRole("link", { name: "Acme journey 2", exact: true }),
      /\/projects\/\d+$/,
      "Acme journey 2",
    );
    const northBlock = page.getByRole("region", { name: "Paris DC North" });
    await go(page, northBlock.getByRole("link", { name: "db1", exact: true }), new RegExp(`/entities/${dbId}$`), "db1");
    await go(page, page.getByRole("link", { name: "Edit", exact: true }), /\/edit$/, "Edit entity db1");
    expect(await selectedLabel(page.getByLabel("Location"))).toBe("Paris DC North");
    await page.getByLabel("Name", { exact: true }).fill("db-main");
    await go(
      page,
      page.getByRole("button", { name: "Save", exact: true }),
      new RegExp(`/entities/${dbId}$`),
      "db-main",
    );

    await go(page, page.getByRole("link", { name: "Edit eth0" }), /\/interfaces\/\d+\/edit$/, /Edit interface eth0/);
    await page.getByLabel("Address", { exact: true }).fill("192.168.10.6");
    await go(
      page,
      page.getByRole("button", { name: "Save", exact: true }),
      new RegExp(`/entities/${dbId}$`),
      "db-main",
    );
    await page.getByRole("region", { name: "Interfaces" }).getByText("192.168.10.6").waitFor();

    await go(
      page,
      incoming.getByRole("link", { name: "Edit TCP:5432 with office" }),
      /\/communications\/\d+\/edit/,
      /Edit communication/,
    );
    expect(await page.getByLabel("Port").inputValue()).toBe("5432");
    await page.getByLabel("Port").fill("5433");
    await go(
      page,
      page.getByRole("button", { name: "Save", exact: true }),
      new RegExp(`/entities/${dbId}$`),
      "db-main",
    );
    await flash("Communication TCP:5433 was changed.");

    // The entity page: general information, interfaces, both lists, the rules.
    const rules = await text(page.getByRole("region", { name: "iptables rules (IPv4)" }));
    expect(rules).toContain(
      '# Conntrackt rules for entity "db-main" (project "Acme journey 2", location "Paris DC North")',
    );
    expect(rules).toContain("# Application database");
    expect(rules).toContain("-A INPUT -s 10.20.0.0/255.255.255.0 -d 192.168.10.6 -p tcp -m tcp --dport 5433 -j ACCEPT");
    expect(rules).not.toContain("--dport 5432");
    expect(await text(page.getByRole("region", { name: "General information" }))).toBe(
      "General information Project Acme journey 2 Location Paris DC North Restrict outgoing traffic no",
    );
    await screenshot(page, "entity-page");

    // Download the entity's rules.
    const [rulesDownload] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download the iptables file" }).click(),
    ]);
    expect(rulesDownload.suggestedFilename()).toBe("db-main-iptables.conf");
    const rulesFile = readFileSync((await rulesDownload.path()) as string, "utf8");
    expect(rulesFile).toMatch(/^# Conntrackt rules for entity "db-main"/);
    expect(rulesFile).toContain("--dport 5433 -j ACCEPT\nCOMMIT\n");

    // The project page: entity rows per location, the diagram, the table.
    await go(
      page,
      page.getByRole("region", { name: "General information" }).getByRole("link", { name: "Acme journey 2" }),
      /\/projects\/\d+$/,
      "Acme journey 2",
    );
    const rows = page.getByRole("region", { name: "Paris DC North" }).getByRole("listitem");
    expect((await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim())).toEqual([
      "db-main Get iptables Get nftables Edit Delete",
      "office Get iptables Get nftables Edit Delete",
    ]);
    const table = page.getByRole("table", { name: "Communications" });
    expect(await text(table.getByRole("row").nth(1))).toBe(
      "office 10.20.0.0/255.255.255.0 db-main 192.168.10.6 TCP 5433 Application database Edit Delete",
    );
    const diagram = page.getByRole("img", { name: /Diagram of the communications of Acme journey 2/ });
    await expect
      .poll(
        () => diagram.evaluate((el) => (el as unknown as { complete: boolean; naturalWidth: number }).naturalWidth),
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
    await screenshot(page, "project-page");

    // Download the project ZIP: both restore files per entity.
    const [zipDownload] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Get iptables", exact: true }).click(),
    ]);
    expect(zipDownload.suggestedFilename()).toBe("acme_journey_2-iptables.zip");
    const entries = unzipSync(new Uint8Array(readFileSync((await zipDownload.path()) as string)));
    expect(Object.keys(entries).sort()).toEqual([
      "db-main-ip6tables.conf",
      "db-main-iptables.conf",
      "office-ip6tables.conf",
      "office-iptables.conf",
    ]);
    expect(Buffer.from(entries["db-main-iptables.conf"] as Uint8Array).toString("utf8")).toBe(rulesFile);

    // Search: suggestions under the box, chosen with the keyboard.
    const box = page.getByRole("combobox", { name: "Search" });
    await box.click();
    await box.pressSequentially("db-m", { delay: 20 });
    const suggestion = page.getByRole("option", { name: /db-main/ });
    await suggestion.waitFor();
    await page.keyboard.press("ArrowDown");
    expect(await suggestion.getAttribute("aria-selected")).toBe("true");
    await screenshot(page, "search-suggestions");
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`/entities/${dbId}$`));
    await page.getByRole("heading", { level: 1, name: "db-main" }).waitFor();

    // Search: the form submitted as is, without picking a suggestion.
    await box.fill("acme");
    await go(page, page.getByRole("button", { name: "Search", exact: true }), /\/search\?q=acme$/, "Search");
    await go(
      page,
      page.getByRole("link", { name: "Acme journey 2" }),
      new RegExp(`/projects/${projectId}$`),
      "Acme journey 2",
    );

    // Search without JavaScript at all (docs/usage.md): a second browser context, logged in through the plain form.
    const noScript = await newContext({ javaScriptEnabled: false });
    const plain = await noScript.newPage();
    await plain.goto(`${url}/search?q=office`);
    await plain.waitForURL(/\/login/);
    await logIn(plain, "editor", /\/search\?q=office$/);
    const plainBox = plain.getByRole("combobox", { name: "Search" });
    await plainBox.fill("workstations");
    await plainBox.press("Enter");
    await plain.waitForURL(/\/search\?q=workstations$/);
    await go(plain, plain.getByRole("link", { name: "office" }), new RegExp(`/entities/${officeId}$`), "office");
    await noScript.close();

    // Delete the project: the preview lists everything that goes with it.
    await go(
      page,
      page.getByRole("link", { name: "Delete", exact: true }),
      /\/delete$/,
      "Delete project Acme journey 2",
    );
    const preview = await text(page.getByRole("main"));
    expect(preview).toContain("This also deletes 2 entities, 2 interfaces and 1 communication");
    const items = (await page.getByRole("main").getByRole("listitem").allInnerTexts()).map((t) =>
      t.split("\n")[0]?.trim(),
    );
    for (const item of [
      "Entity: db-main (Acme journey 2 - Paris DC North)",
      "Interface: eth0: db-main (192.168.10.6)",
      "Communication: office -> db-main (TCP:5433)",
      "Entity: office (Acme journey 2 - Paris DC North)",
      "Interface: eth0: office (10.20.0.0/255.255.255.0)",
    ])
      expect(items).toContain(item);
    await screenshot(page, "deletion-preview");
    await go(page, page.getByRole("button", { name: "Yes, delete" }), new RegExp(`^${url}/$`));
    await flash('Project "Acme journey 2" and everything in it were deleted.');
    expect(await page.getByRole("link", { name: "Acme journey 2" }).count()).toBe(0);
    await page.getByText("No projects yet.").waitFor();
    // Locations are global: the location stays.
    await page.getByRole("region", { name: "Locations" }).getByText("Paris DC North", { exact: true }).waitFor();

    for (const gone of [`/projects/${projectId}`, `/entities/${dbId}`, `/entities/${officeId}`]) {
      expectedNotFound.add(`${url}${gone}`);
      const res = await page.goto(`${url}${gone}`);
      expect(res?.status(), gone).toBe(404);
      await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
    }

    await context.close();
    expect(problems).toEqual([]);
  }, 90_000);
});
