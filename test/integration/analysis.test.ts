// "Can it reach?" and the project report through the app and the command
// (docs/usage.md, docs/cli.md): the go-live project written to the
// database, the reach page's verdicts and explanations, clear field errors for
// every kind of bad input (never a 500), the report's findings with links to
// the rows, a fixed number of queries, the commands' output and exit status,
// and the loader giving the same flows as the rules loader of the files.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAnalysisModel } from "../../src/data/analysis.js";
import { loadProjectRules } from "../../src/data/rules.js";
import type { AnalysisModel } from "../../src/domain/analysis-model.js";
import { todayUtc } from "../../src/domain/expiry.js";
import type { EntityRulesInput } from "../../src/domain/types.js";
import { saveModel } from "../support/analysis-db.js";
import { dualStackProject, entityInputs, ModelBuilder } from "../support/analysis-model.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { runCli } from "../support/cli.js";

let ctx: TestContext;
let viewer: Agent;
let editor: Agent;
let projectId = 0;
let model: AnalysisModel;
const today = todayUtc();
const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

/** The project: admins 10.77.9.0/24 -> db1 TCP 22, with one of each finding planted. */
function goLive() {
  const b = new ModelBuilder("Go-live");
  const admins = b.entity("admins");
  const adminsNet = b.iface(admins, "10.77.9.0", "255.255.255.0");
  const db1 = b.host("db1", "10.77.1.10");
  b.flow(adminsNet, db1.iface, "TCP", 22, { description: "SSH <admin>" });
  const ops = b.host("ops1", "10.77.9.5");
  b.flow(ops.iface, db1.iface, "TCP", 22);
  const web = b.host("web1", "10.77.2.20");
  b.flow(web.iface, db1.iface, "TCP", 5432);
  b.flow(web.iface, db1.iface, "TCP", 5432, { portEnd: 5433 });
  const twin = b.host("web1-old", "10.77.2.20");
  b.flow(twin.iface, db1.iface, "TCP", 5432);
  b.flow(web.iface, db1.iface, "UDP", 514, { expires: yesterday });
  b.entity("printer");
  const servers = b.entity("servers");
  b.iface(servers, "10.77.0.0", "255.255.0.0");
  const v6 = b.host("db6", "fd00:77:1::10");
  const v6net = b.iface(admins, "fd00:77:9::", "64");
  b.flow(v6net, v6.iface, "ICMPv6", 128);
  return b;
}

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("viewer", [], ["Viewers"]);
  await ctx.user("editor", [], ["Editors"]);
  viewer = await ctx.login("viewer");
  editor = await ctx.login("editor");
  projectId = await saveModel(ctx.db, goLive().model);
  model = (await loadAnalysisModel(ctx.db, projectId)) as AnalysisModel;
});
afterAll(() => ctx.close());

const ask = (agent: Agent, q: Record<string, string>) => agent.get(`/projects/${projectId}/reach`).query(q);
const flowId = (description: string) => model.communications.find((c) => c.description === description)?.id;

describe("GET /projects/:id/reach", () => {
  it("shows the empty form with its four labelled fields", async () => {
    const res = await ask(viewer, {});
    expect(res.status).toBe(200);
    for (const label of ["From", "To", "Protocol", "Port"])
      expect(res.text).toMatch(new RegExp(`<label for="f-[a-z]+">${label}</label>`));
    expect(res.text).not.toContain("data-verdict");
  });

  it("answers allowed by the admins network's flow for a host inside it", async () => {
    const res = await ask(viewer, { from: "10.77.9.77", to: "10.77.1.10", protocol: "TCP", port: "22" });
    expect(res.status).toBe(200);
    expect(res.text).toContain('data-verdict="allowed"');
    expect(res.text).toContain("Allowed by:");
    expect(res.text).toContain("10.77.9.0/255.255.255.0");
    // Descriptions are escaped, the values kept in the form.
    expect(res.text).toContain("SSH &lt;admin&gt;");
    expect(res.text).toContain('value="10.77.9.77"');
    // Viewers get no edit link; editors do.
    expect(res.text).not.toContain(`/communications/${flowId("SSH <admin>")}/edit`);
    const asEditor = await ask(editor, { from: "10.77.9.77", to: "10.77.1.10", protocol: "TCP", port: "22" });
    expect(asEditor.text).toContain(`/communications/${flowId("SSH <admin>")}/edit`);
  });

  it("answers denied from outside it, naming that flow as the nearest", async () => {
    const res = await ask(viewer, { from: "10.77.8.5", to: "10.77.1.10", protocol: "tcp", port: " 22 " });
    expect(res.status).toBe(200);
    expect(res.text).toContain('data-verdict="denied"');
    const nearest = res.text.slice(res.text.indexOf("The nearest flows"));
    expect(nearest).toContain("admins");
    expect(nearest.indexOf("10.77.9.0/255.255.255.0")).toBeGreaterThan(0);
  });

  it("answers IPv6 questions, and an expired flow does not count", async () => {
    const ping = await ask(viewer, { from: "fd00:77:9::abc", to: "fd00:77:1:0::10", protocol: "ICMPv6", port: "128" });
    expect(ping.text).toContain('data-verdict="allowed"');
    const syslog = await ask(viewer, { from: "10.77.2.20", to: "10.77.1.10", protocol: "UDP", port: "514" });
    expect(syslog.text).toContain('data-verdict="denied"');
    expect(syslog.text).toContain("would allow it but are in no generated file");
    expect(syslog.text).toContain(`expired after ${yesterday}`);
  });

  it.each([
    [{ from: "", to: "10.77.1.10", protocol: "TCP", port: "22" }, "from", "From is required."],
    [{ from: "10.77.9.5", to: "db1", protocol: "TCP", port: "22" }, "to", "To must be an IPv4 address"],
    [
      { from: "10.77.9.0/24", to: "10.77.1.10", protocol: "TCP", port: "22" },
      "from",
      "From must be one address, not a network",
    ],
    [{ from: "10.77.9.5", to: "10.77.1.10", protocol: "SCTP", port: "22" }, "protocol", "Protocol must be one of"],
    [{ from: "10.77.9.5", to: "10.77.1.10", protocol: "TCP", port: "ssh" }, "port", "Port must be a whole number"],
    [{ from: "10.77.9.5", to: "10.77.1.10", protocol: "TCP", port: "8000-8100" }, "port", "not a range"],
    [{ from: "10.77.9.5", to: "10.77.1.10", protocol: "TCP", port: "70000" }, "port", "between 1 and 65535"],
    [{ from: "10.77.9.5", to: "fd00:77:1::10", protocol: "TCP", port: "22" }, "to", "both be IPv4 or both be IPv6"],
    [{ from: "10.77.9.5", to: "10.77.1.10", protocol: "ICMPv6", port: "128" }, "protocol", "ICMPv6 needs IPv6 ends"],
    [
      { from: "10.77.9.5", to: "10.99.0.1", protocol: "TCP", port: "22" },
      "to",
      "is not an address of any interface of project Go-live",
    ],
    [{ from: "fd00::1%eth0", to: "fd00:77:1::10", protocol: "TCP", port: "22" }, "from", "zone index"],
  ])("refuses %j with a message on %s", async (q, field, message) => {
    const res = await ask(viewer, q);
    expect(res.status).toBe(422);
    const error = new RegExp(`id="f-${field}-error">([^<]*)<`).exec(res.text)?.[1] ?? "";
    expect(error).toContain(message.replace(/&/g, "&amp;"));
    expect(res.text).not.toContain("data-verdict");
  });

  it("refuses repeated or missing fields, and hostile text, without a 500", async () => {
    const repeated = await viewer.get(
      `/projects/${projectId}/reach?from=1.1.1.1&from=2.2.2.2&to=10.77.1.10&protocol=TCP&port=22`,
    );
    expect(repeated.status).toBe(422);
    expect(repeated.text).toContain("From must be a single text value.");
    const missing = await ask(viewer, { from: "10.77.9.5" });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain("To is required.");
    for (const value of ["<script>", "\u0000", "9".repeat(1500), "::ffff:10.0.0.1", "1.2.3.4.5", "-1", "0x16"]) {
      const res = await ask(viewer, { from: value, to: value, protocol: value, port: value });
      expect(res.status, value).toBe(422);
      expect(res.text).not.toContain("<script>");
    }
  });

  it("is a 404 for an unknown project", async () => {
    expect((await viewer.get("/projects/999999/reach?from=1.1.1.1")).status).toBe(404);
  });
});

describe("GET /projects/:id/report", () => {
  it("is linked from the project page with its counts", async () => {
    const res = await viewer.get(`/projects/${projectId}`);
    expect(res.status).toBe(200);
    const report = await viewer.get(`/projects/${projectId}/report`);
    const errors = /data-errors="(\d+)"/.exec(report.text)?.[1];
    const warnings = /data-warnings="(\d+)"/.exec(report.text)?.[1];
    expect(errors).toBeDefined();
    const link = new RegExp(
      `href="/projects/${projectId}/report">Project report \\(${errors} errors?, ${warnings ?? "\\d+"} warnings?\\)`,
    );
    expect(res.text).toMatch(link);
  });

  it("lists every planted finding with data-finding and links to the rows", async () => {
    const res = await viewer.get(`/projects/${projectId}/report`);
    expect(res.status).toBe(200);
    const kinds = [...res.text.matchAll(/data-finding="([a-z-]+)"/g)].map((m) => m[1]);
    for (const kind of [
      "duplicate",
      "shared-address",
      "covered",
      "overlap",
      "no-interfaces",
      "unused-interface",
      "expired",
    ]) {
      expect(kinds, kind).toContain(kind);
    }
    const printer = model.entities.find((e) => e.name === "printer");
    const item = res.text.slice(res.text.indexOf('data-finding="no-interfaces"'));
    expect(item.slice(0, 400)).toContain(`href="/entities/${printer?.id}"`);
    expect(res.text).toMatch(/data-errors="2"/);
    expect(res.text).toContain("SSH &lt;admin&gt;");
    // Every communication of a finding links to its row in the project's table.
    const duplicate = res.text.slice(res.text.indexOf('data-finding="duplicate"'));
    expect(duplicate.slice(0, 2000)).toMatch(new RegExp(`href="/projects/${projectId}#communication-\\d+"`));
  });

  it("reads the project in a fixed number of queries, whatever its size", async () => {
    const count = async (id: number) => {
      const before = ctx.db.queryCount;
      expect((await viewer.get(`/projects/${id}/report`)).status).toBe(200);
      return ctx.db.queryCount - before;
    };
    const big = await saveModel(ctx.db, dualStackProject(3, today, 120).model);
    expect(await count(big)).toBe(await count(projectId));
  });
});

describe("the loader", () => {
  const normalise = (input: EntityRulesInput) => ({
    incoming: input.incoming.map((f) => JSON.stringify({ ...f, portEnd: f.portEnd ?? f.port })).sort(),
    outgoing: (input.outgoing ?? []).map((f) => JSON.stringify({ ...f, portEnd: f.portEnd ?? f.port })).sort(),
    restrictOutgoing: input.restrictOutgoing === true,
  });

  it("gives the reach function the flows the rules loader gives the generators", async () => {
    const id = await saveModel(ctx.db, dualStackProject(5, today).model);
    const loaded = (await loadAnalysisModel(ctx.db, id)) as AnalysisModel;
    const mine = entityInputs(loaded, today);
    const files = await loadProjectRules(ctx.db, id, undefined, { today });
    expect(files.length).toBe(loaded.entities.length);
    for (const { id: entityId, input } of files) {
      expect(normalise(mine.get(entityId) as EntityRulesInput), input.entity.name).toEqual(normalise(input));
    }
    expect(await loadAnalysisModel(ctx.db, 999_999)).toBeNull();
  });
});

describe("conntrackt reach and report", () => {
  const env = () => ({ DATABASE_URL: ctx.db.url });

  it("reach exits 0 when allowed, 1 when denied, 2 when it cannot answer", async () => {
    const allowed = await runCli(["reach", "--project", "Go-live", "10.77.9.5", "10.77.1.10", "TCP", "22"], {
      env: env(),
    });
    expect(allowed.status).toBe(0);
    expect(allowed.stdout).toMatch(/^allowed: 10\.77\.9\.5 \(ops1\) -> 10\.77\.1\.10 TCP:22 in project "Go-live"\n/);
    expect(allowed.stdout).toMatch(
      /allowed by #\d+ admins \(10\.77\.9\.0\/255\.255\.255\.0\) -> db1 \(10\.77\.1\.10\) TCP:22 "SSH <admin>"/,
    );
    const denied = await runCli(["reach", "--project", "Go-live", "10.77.8.5", "10.77.1.10", "TCP", "22"], {
      env: env(),
    });
    expect(denied.status).toBe(1);
    // 10.77.8.5 lies in the servers network, which does not restrict outgoing traffic.
    expect(denied.stdout).toContain("denied: 10.77.8.5 (servers) -> 10.77.1.10 TCP:22");
    expect(denied.stdout).toMatch(/nearest: #\d+ admins/);
    const json = await runCli(["reach", "--json", "--project", "Go-live", "10.77.8.5", "10.77.1.10", "TCP", "22"], {
      env: env(),
    });
    expect(JSON.parse(json.stdout).verdict).toBe("denied");
    for (const [argv, message] of [
      [["reach", "--project", "Nope", "10.77.9.5", "10.77.1.10", "TCP", "22"], 'no project named "Nope"'],
      [["reach", "--project", "Go-live", "10.77.9.5", "10.77.1.10", "TCP", "ssh"], "Port must be a whole number"],
      [["reach", "--project", "Go-live", "10.77.9.5", "10.9.9.9", "TCP", "22"], "is not an address of any interface"],
      [["reach", "--project", "Go-live", "10.77.9.5", "10.77.1.10", "TCP"], "missing argument"],
      [["reach", "10.77.9.5", "10.77.1.10", "TCP", "22"], "--project NAME is required"],
    ] as const) {
      const run = await runCli([...argv], { env: env() });
      expect(run.status, argv.join(" ")).toBe(2);
      expect(run.stderr).toContain(message);
    }
  });

  it("report exits 1 with errors, 0 with warnings only, 2 without a project", async () => {
    const run = await runCli(["report", "--project", "Go-live"], { env: env() });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^Report of project "Go-live" \(\d{4}-\d{2}-\d{2}\): 2 errors, \d+ warnings\n/);
    expect(run.stdout).toContain("error duplicate: ");
    expect(run.stdout).toContain("warning covered: ");
    const b = new ModelBuilder("Warnings only");
    b.entity("lonely");
    await saveModel(ctx.db, b.model);
    const clean = await runCli(["report", "--project", "Warnings only", "--json"], { env: env() });
    expect(clean.status).toBe(0);
    expect(JSON.parse(clean.stdout).findings.map((f: { kind: string }) => f.kind)).toEqual(["no-interfaces"]);
    expect((await runCli(["report", "--project", "Nope"], { env: env() })).status).toBe(2);
  });
});
