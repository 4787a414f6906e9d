// Every kind of page the site renders is valid HTML according to the W3C Nu
// checker (vnu.jar): pages with data, forms with and without errors, deletion
// previews, search, administration, and the 404 and 403 pages in the layout.
//
// The pages are fetched through supertest from the real app on a fresh
// database, written to a temporary directory and checked in ONE java run
// (the JVM start dominates the cost). A deliberately broken canary page goes
// through the same run, so a checker that silently reports nothing fails too.
// Errors fail the page's test with line, column and extract; warnings are
// printed but allowed. Without `java` on the PATH the suite is skipped and
// says so (Debian: default-jre-headless).
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunication } from "../../src/data/communications.js";
import { createInterface } from "../../src/data/interfaces.js";
import { listGroups } from "../../src/data/users.js";
import { type Agent, createTestContext, csrfFrom, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const VNU_JAR = path.join(root, "node_modules/vnu-jar/build/dist/vnu.jar");

const javaMissing = spawnSync("java", ["-version"], { stdio: "ignore" }).error !== undefined;
const skipReason = javaMissing
  ? "`java` is not on the PATH (Debian: apt-get install -y default-jre-headless)"
  : existsSync(VNU_JAR)
    ? ""
    : `${VNU_JAR} is missing (run npm install: vnu-jar is a dev dependency)`;
if (skipReason) console.warn(`html-validity: SKIPPED, ${skipReason}`);

interface VnuMessage {
  type: "error" | "info" | "non-document-error";
  subType?: string;
  url?: string;
  lastLine?: number;
  firstColumn?: number;
  message: string;
  extract?: string;
}

interface Page {
  name: string;
  status: number;
  /** Text the page must show, so a valid but wrong page (an empty form, a 500) does not pass. */
  shows: string[];
  fetch: () => PromiseLike<{ status: number; text: string }>;
}

let ctx: TestContext;
let admin: Agent;
let viewer: Agent;
let seed: Awaited<ReturnType<typeof seedProject>>;
let adminId: number;
let groupId: number;
let dir: string | undefined;
const fetched = new Map<string, { status: number; text: string }>();
const messages = new Map<string, VnuMessage[]>();

const CANARY = "canary (deliberately invalid)";
const OUTSIDE = "(not attributed to a page)";

const post = (url: string, body: Record<string, string>) =>
  admin
    .post(url)
    .type("form")
    .send({ _csrf: admin.csrf, ...body });

const pages: Page[] = [
  {
    name: "main page",
    status: 200,
    shows: ["Valid project", "Valid site", "Add project"],
    fetch: () => admin.get("/"),
  },
  { name: "log-in page", status: 200, shows: ["Username", "Password"], fetch: () => request(ctx.app).get("/login") },
  {
    name: "log-in page with an error",
    status: 401,
    shows: ["correct username and password"],
    fetch: async () => {
      const agent = request.agent(ctx.app);
      const form = await agent.get("/login?next=/projects");
      return agent
        .post("/login?next=/projects")
        .type("form")
        .send({ _csrf: csrfFrom(form.text), username: "viewer", password: "wrong" });
    },
  },
  { name: "project form (add)", status: 200, shows: ["Add project"], fetch: () => admin.get("/projects/new") },
  {
    name: "project form (edit)",
    status: 200,
    shows: ["Valid project"],
    fetch: () => admin.get(`/projects/${seed.project.id}/edit`),
  },
  {
    name: "project form, duplicate name",
    status: 422,
    shows: ["already exists"],
    fetch: () => post("/projects/new", { name: seed.project.name, description: "x" }),
  },
  {
    name: "project form, empty name",
    status: 422,
    shows: ["Name is required"],
    fetch: () => post("/projects/new", { name: "  ", description: "" }),
  },
  {
    name: "project deletion preview",
    status: 200,
    shows: ["alpha", "beta", "10.1.0.0/255.255.255.0", "UDP:53"],
    fetch: () => admin.get(`/projects/${seed.project.id}/delete`),
  },
  {
    name: "project page",
    status: 200,
    shows: ["alpha", "beta", "diagram.svg", "ICMP", "Add entity", "Add communication"],
    fetch: () => admin.get(`/projects/${seed.project.id}`),
  },
  {
    name: "project page, viewer",
    status: 200,
    shows: ["alpha", "diagram.svg"],
    fetch: () => viewer.get(`/projects/${seed.project.id}`),
  },
  { name: "location form (add)", status: 200, shows: ["Add location"], fetch: () => admin.get("/locations/new") },
  {
    name: "location form, duplicate name",
    status: 422,
    shows: ["already exists"],
    fetch: () => post("/locations/new", { name: seed.location.name }),
  },
  {
    name: "location deletion preview",
    status: 200,
    shows: ["alpha", "beta"],
    fetch: () => admin.get(`/locations/${seed.location.id}/delete`),
  },
  {
    name: "entity page",
    status: 200,
    shows: [
      "Incoming communications",
      "Outgoing communications",
      "-A INPUT -s 10.1.0.0/255.255.255.0 -d 10.0.0.1 -p udp -m udp --dport 53 -j ACCEPT",
    ],
    fetch: () => admin.get(`/entities/${seed.a.id}`),
  },
  {
    name: "entity page, viewer",
    status: 200,
    shows: ["--dport 22"],
    fetch: () => viewer.get(`/entities/${seed.b.id}`),
  },
  {
    name: "entity form (add from project)",
    status: 200,
    shows: ["Add entity"],
    fetch: () => admin.get(`/entities/new?project=${seed.project.id}`),
  },
  {
    name: "entity form (add from location block)",
    status: 200,
    shows: ["Valid site"],
    fetch: () => admin.get(`/entities/new?project=${seed.project.id}&location=${seed.location.id}`),
  },
  {
    name: "entity form (add, nothing fixed)",
    status: 200,
    shows: ["Choose a project"],
    fetch: () => admin.get("/entities/new"),
  },
  { name: "entity form (edit)", status: 200, shows: ["alpha"], fetch: () => admin.get(`/entities/${seed.a.id}/edit`) },
  {
    name: "entity form, errors",
    status: 422,
    shows: ["Name is required"],
    fetch: () => post(`/entities/new?project=${seed.project.id}`, { name: "", description: "", location: "" }),
  },
  {
    name: "entity form, duplicate name",
    status: 422,
    shows: ["already exists"],
    fetch: () =>
      post(`/entities/new?project=${seed.project.id}`, { name: "alpha", location: String(seed.location.id) }),
  },
  {
    name: "entity deletion preview",
    status: 200,
    shows: ["10.0.0.1", "TCP:22"],
    fetch: () => admin.get(`/entities/${seed.a.id}/delete`),
  },
  {
    name: "interface form (add)",
    status: 200,
    shows: ["Empty for a single host", "eth0"],
    fetch: () => admin.get(`/interfaces/new?entity=${seed.a.id}`),
  },
  {
    name: "interface form (edit)",
    status: 200,
    shows: ["10.0.0.1"],
    fetch: () => admin.get(`/interfaces/${seed.ia.id}/edit`),
  },
  {
    name: "interface form, errors",
    status: 422,
    shows: ["10.0.0.300", "255.0.255.0"],
    fetch: () =>
      post(`/interfaces/new?entity=${seed.a.id}`, { name: "", address: "10.0.0.300", netmask: "255.0.255.0" }),
  },
  {
    name: "interface form, duplicate address",
    status: 422,
    shows: ["already has an interface"],
    fetch: () => post(`/interfaces/new?entity=${seed.a.id}`, { name: "eth9", address: "10.0.0.1", netmask: "/32" }),
  },
  {
    name: "interface deletion preview",
    status: 200,
    shows: ["TCP:22"],
    fetch: () => admin.get(`/interfaces/${seed.ia.id}/delete`),
  },
  {
    name: "communication form (add from project)",
    status: 200,
    shows: ["Choose the source interface"],
    fetch: () => admin.get(`/communications/new?project=${seed.project.id}`),
  },
  {
    name: "communication form (add from entity)",
    status: 200,
    shows: ["alpha (10.0.0.1)"],
    fetch: () =>
      admin.get(`/communications/new?to_entity=${seed.a.id}&next=${encodeURIComponent(`/entities/${seed.a.id}`)}`),
  },
  {
    name: "communication form (edit)",
    status: 200,
    shows: ["SSH"],
    fetch: () => admin.get(`/communications/${seed.communication}/edit`),
  },
  {
    name: "communication form, errors",
    status: 422,
    shows: ["70000"],
    fetch: () =>
      post(`/communications/new?project=${seed.project.id}`, {
        source: "",
        destination: "",
        protocol: "TCP",
        port: "70000",
      }),
  },
  {
    name: "communication form, duplicate",
    status: 422,
    shows: ["already exists"],
    fetch: () =>
      post(`/communications/new?project=${seed.project.id}`, {
        source: String(seed.ia.id),
        destination: String(seed.ib.id),
        protocol: "TCP",
        port: "22",
      }),
  },
  {
    name: "communication deletion",
    status: 200,
    shows: ["alpha -&gt; beta (TCP:22)"],
    fetch: () => admin.get(`/communications/${seed.communication}/delete`),
  },
  { name: "search results", status: 200, shows: ["Valid project", "alpha"], fetch: () => admin.get("/search?q=a") },
  {
    name: "search, no result",
    status: 200,
    shows: ["Nothing matches"],
    fetch: () => admin.get("/search?q=%3Cnothing%3E"),
  },
  { name: "search, empty", status: 200, shows: ["Search projects and entities"], fetch: () => admin.get("/search") },
  { name: "admin index", status: 200, shows: ["Users", "Groups", "Editors"], fetch: () => admin.get("/admin") },
  {
    name: "admin user form (add)",
    status: 200,
    shows: ["Password confirmation"],
    fetch: () => admin.get("/admin/users/new"),
  },
  {
    name: "admin user form (edit)",
    status: 200,
    shows: ['value="admin"'],
    fetch: () => admin.get(`/admin/users/${adminId}/edit`),
  },
  {
    name: "admin user form, errors",
    status: 422,
    shows: ["Please correct the errors"],
    fetch: () => post("/admin/users/new", { username: "", password: "short", password2: "other" }),
  },
  { name: "admin group form (add)", status: 200, shows: ["Permissions"], fetch: () => admin.get("/admin/groups/new") },
  {
    name: "admin group form (edit)",
    status: 200,
    shows: ['value="Editors"'],
    fetch: () => admin.get(`/admin/groups/${groupId}/edit`),
  },
  {
    name: "admin group form, errors",
    status: 422,
    shows: ["already exists"],
    fetch: () => post("/admin/groups/new", { name: "Editors" }),
  },
  {
    name: "admin group deletion",
    status: 200,
    shows: ["Editors"],
    fetch: () => admin.get(`/admin/groups/${groupId}/delete`),
  },
  {
    name: "admin password form",
    status: 200,
    shows: ["Password confirmation"],
    fetch: () => admin.get(`/admin/users/${adminId}/password`),
  },
  {
    name: "admin password form, errors",
    status: 422,
    shows: ["Please correct the errors"],
    fetch: () => post(`/admin/users/${adminId}/password`, { password: "short", password2: "different" }),
  },
  // Version 2 pages: lists, history, deployments, analysis, drift, diagram, import, account.
  { name: "entity list", status: 200, shows: ["alpha", "beta"], fetch: () => admin.get("/entities") },
  { name: "interface list", status: 200, shows: ["10.0.0.1"], fetch: () => admin.get("/interfaces") },
  {
    name: "communication list of a project",
    status: 200,
    shows: ["SSH"],
    fetch: () => admin.get(`/communications?project=${seed.project.id}`),
  },
  {
    name: "communication list, bulk edit refused",
    status: 422,
    shows: ["Port of"],
    fetch: async () => {
      const list = await admin.get(`/communications?project=${seed.project.id}`);
      const version = /name="version-(\d+)" value="([^"]*)"/.exec(list.text);
      return post("/communications/bulk", {
        list: `project=${seed.project.id}`,
        id: version?.[1] ?? "",
        [`version-${version?.[1]}`]: version?.[2] ?? "",
        [`protocol-${version?.[1]}`]: "TCP",
        [`port-${version?.[1]}`]: "99999",
        [`description-${version?.[1]}`]: "SSH",
        [`requestedBy-${version?.[1]}`]: "",
        [`reference-${version?.[1]}`]: "",
        [`expires-${version?.[1]}`]: "",
      });
    },
  },
  { name: "change history", status: 200, shows: ["Change history"], fetch: () => admin.get("/changes") },
  {
    name: "project change history",
    status: 200,
    shows: ["Change history of"],
    fetch: () => admin.get(`/projects/${seed.project.id}/changes`),
  },
  {
    name: "entity change history",
    status: 200,
    shows: ["Change history of alpha"],
    fetch: () => admin.get(`/entities/${seed.a.id}/changes`),
  },
  {
    name: "deployments",
    status: 200,
    shows: ["Deployments of"],
    fetch: () => admin.get(`/projects/${seed.project.id}/deployments`),
  },
  {
    name: "rule diff",
    status: 200,
    shows: ["Rule diff of"],
    fetch: () => admin.get(`/projects/${seed.project.id}/diff`),
  },
  {
    name: "reach question and answer",
    status: 200,
    shows: ["Can it reach?"],
    fetch: () => admin.get(`/projects/${seed.project.id}/reach?from=10.0.0.1&to=10.0.0.2&protocol=TCP&port=22`),
  },
  {
    name: "reach form",
    status: 200,
    shows: ["Can it reach?"],
    fetch: () => admin.get(`/projects/${seed.project.id}/reach`),
  },
  {
    name: "project report",
    status: 200,
    shows: ["Report"],
    fetch: () => admin.get(`/projects/${seed.project.id}/report`),
  },
  {
    name: "drift form",
    status: 200,
    shows: ["Check drift of alpha"],
    fetch: () => admin.get(`/entities/${seed.a.id}/drift`),
  },
  {
    name: "diagram page",
    status: 200,
    shows: ["Diagram of"],
    fetch: () => admin.get(`/projects/${seed.project.id}/diagram`),
  },
  { name: "JSON import page", status: 200, shows: ["Import"], fetch: () => admin.get("/import") },
  { name: "account page", status: 200, shows: ["Account"], fetch: () => admin.get("/account") },
  { name: "404 page", status: 404, shows: ["Page not found"], fetch: () => admin.get("/projects/999999") },
  { name: "403 page", status: 403, shows: ["Permission denied"], fetch: () => viewer.get("/projects/new") },
];

const fileName = (name: string) =>
  `${name
    .replace(/[^a-z0-9]+/gi, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase()}.html`;

/** Checks every file in one JVM; vnu exits 1 when it finds errors, so its JSON, not its status, is the answer. */
function runVnu(files: string[]): Promise<VnuMessage[]> {
  return new Promise((resolve, reject) => {
    execFile(
      "java",
      // A short-lived JVM starts fastest with client-level JIT and the serial
      // collector; the checker's schema evaluation needs a deep stack.
      [
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-Xss8m",
        "-jar",
        VNU_JAR,
        "--format",
        "json",
        "--stdout",
        ...files,
      ],
      { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        try {
          resolve((JSON.parse(stdout) as { messages: VnuMessage[] }).messages);
        } catch {
          reject(new Error(`vnu.jar gave no JSON (exit ${error?.code ?? 0}): ${stderr || stdout}`));
        }
      },
    );
  });
}

function describeMessage(m: VnuMessage): string {
  const where = m.lastLine ? `line ${m.lastLine}${m.firstColumn ? `, column ${m.firstColumn}` : ""}` : "document";
  const extract = m.extract ? `\n    extract: ${JSON.stringify(m.extract)}` : "";
  return `${m.type}${m.subType ? `/${m.subType}` : ""} at ${where}: ${m.message}${extract}`;
}

/** Prints one report for the run: a message a shared template causes on many pages reads once, with its pages. */
function report(kind: string, keep: (m: VnuMessage) => boolean): void {
  const grouped = new Map<string, string[]>();
  for (const [name, list] of messages) {
    if (name === CANARY) continue;
    for (const m of list.filter(keep))
      grouped.set(describeMessage(m), [...(grouped.get(describeMessage(m)) ?? []), name]);
  }
  if (grouped.size === 0) return;
  const lines = [...grouped].map(([text, names]) => `[${names.join(", ")}] ${text}`);
  console.warn(`html-validity: ${grouped.size} distinct ${kind}\n${lines.join("\n")}`);
}

describe.skipIf(Boolean(skipReason))("HTML validity (W3C Nu checker)", () => {
  beforeAll(async () => {
    ctx = await createTestContext();
    adminId = await ctx.user("admin");
    await ctx.user("viewer", [], ["Viewers"]);
    seed = await seedProject(ctx.db, "Valid");
    // Both directions, a subnet with markup in its description, UDP and ICMP: every branch of the pages.
    const subnet = await createInterface(ctx.db, {
      name: "lan",
      description: "Office <LAN> & friends",
      entityId: seed.b.id,
      address: "10.1.0.0",
      netmask: "255.255.255.0",
    });
    await createCommunication(ctx.db, seed.project.id, {
      sourceId: subnet.id,
      destinationId: seed.ia.id,
      protocol: "UDP",
      port: 53,
      description: "DNS",
    });
    await createCommunication(ctx.db, seed.project.id, {
      sourceId: seed.ib.id,
      destinationId: seed.ia.id,
      protocol: "ICMP",
      port: 8,
      description: "",
    });
    groupId = (await listGroups(ctx.db)).find((g) => g.name === "Editors")?.id ?? 1;
    [admin, viewer] = await Promise.all([ctx.login("admin"), ctx.login("viewer")]);

    dir = mkdtempSync(path.join(tmpdir(), "conntrackt-html-"));
    const byUrl = new Map<string, string>();
    const write = (name: string, html: string) => {
      const file = path.join(dir as string, fileName(name));
      writeFileSync(file, html);
      byUrl.set(pathToFileURL(file).href, name);
      return file;
    };
    const files: string[] = [];
    // In order: later pages (the forms with errors) change no data the earlier ones show.
    for (const page of pages) {
      const res = await page.fetch();
      fetched.set(page.name, { status: res.status, text: res.text });
      files.push(write(page.name, res.text));
    }
    files.push(
      write(
        CANARY,
        '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body><p><div></p></div><a>x</span></body></html>',
      ),
    );

    const started = performance.now();
    const all = await runVnu(files);
    console.info(
      `html-validity: vnu.jar checked ${files.length} documents in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    for (const m of all) {
      // vnu writes file:/tmp/x, Node file:///tmp/x: compare as paths.
      const name = (m.url && byUrl.get(pathToFileURL(fileURLToPath(m.url)).href)) || OUTSIDE;
      messages.set(name, [...(messages.get(name) ?? []), m]);
    }
    report("warning(s), allowed", (m) => m.type === "info" && m.subType === "warning");
    report("error(s)", (m) => m.type !== "info");
  }, 120_000);

  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await ctx?.close();
  });

  it("the checker finds the errors of the deliberately broken canary page", () => {
    expect((messages.get(CANARY) ?? []).filter((m) => m.type === "error").length).toBeGreaterThan(0);
  });

  it("the checker reports nothing outside the pages", () => {
    expect((messages.get(OUTSIDE) ?? []).map(describeMessage)).toEqual([]);
  });

  it.each(pages)("$name: expected status and content, valid HTML", (page) => {
    const res = fetched.get(page.name);
    expect(res?.status, `${page.name}: HTTP status`).toBe(page.status);
    for (const text of page.shows) expect(res?.text, `${page.name} shows ${text}`).toContain(text);
    const errors = (messages.get(page.name) ?? []).filter((m) => m.type !== "info");
    expect(errors.length, errors.map((m) => `[${page.name}] ${describeMessage(m)}`).join("\n")).toBe(0);
  });
});
