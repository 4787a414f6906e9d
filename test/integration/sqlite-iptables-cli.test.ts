// `conntrackt iptables` (docs/cli.md): the same files, names and bytes as the
// project and location ZIP archives, without a server, in each --format.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEntity } from "../../src/data/entities.js";
import { createInterface } from "../../src/data/interfaces.js";
import { createLocation } from "../../src/data/locations.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { runCli } from "../support/cli.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let viewer: Agent;
let out: string;
let seed: Awaited<ReturnType<typeof seedProject>>;
let env: Record<string, string>;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("viewer", [], ["Viewers"]);
  viewer = await ctx.login("viewer");
  seed = await seedProject(ctx.db, "Cli Rules");
  const dr = await createLocation(ctx.db, { name: "DR site", description: "" });
  const far = await createEntity(ctx.db, {
    name: "Alpha",
    description: "",
    projectId: seed.project.id,
    locationId: dr.id,
  });
  await createInterface(ctx.db, {
    name: "eth0",
    description: "",
    entityId: far.id,
    address: "10.9.0.1",
    netmask: "255.255.255.0",
  });
  out = mkdtempSync(path.join(tmpdir(), "conntrackt-rules-"));
  env = { DATABASE_URL: ctx.db.url };
});
afterAll(async () => {
  rmSync(out, { recursive: true, force: true });
  await ctx.close();
});

async function zipFiles(url: string): Promise<Record<string, string>> {
  const res = await viewer
    .get(url)
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on("data", (c: Buffer) => chunks.push(c));
      r.on("end", () => cb(null, Buffer.concat(chunks)));
    });
  return Object.fromEntries(
    Object.entries(unzipSync(new Uint8Array(res.body as Buffer))).map(([k, v]) => [k, Buffer.from(v).toString("utf8")]),
  );
}

function dirFiles(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(path.join(dir, name), "utf8")]));
}

describe("conntrackt iptables", () => {
  it("writes the project's files exactly as the iptables ZIP holds them", async () => {
    const dir = path.join(out, "project");
    const result = await runCli(["iptables", "--project", "Cli Rules project", "--out", dir], { env });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`Wrote 6 files for project "Cli Rules project" to ${dir}.`);
    const files = dirFiles(dir);
    const far = await ctx.db.run((c) => c.entity.findFirstOrThrow({ where: { name: "Alpha" } }));
    // "Alpha" gives the same slug as "alpha" and came later: it gets -ID (docs/rules.md).
    expect(Object.keys(files).sort()).toEqual([
      `alpha-${far.id}-ip6tables.conf`,
      `alpha-${far.id}-iptables.conf`,
      "alpha-ip6tables.conf",
      "alpha-iptables.conf",
      "beta-ip6tables.conf",
      "beta-iptables.conf",
    ]);
    expect(files).toEqual(await zipFiles(`/projects/${seed.project.id}/iptables.zip`));
  });

  it("writes the nftables ZIP's files with --format nftables, and every file with --format all", async () => {
    const nft = path.join(out, "nft");
    const result = await runCli(["iptables", "--project", "Cli Rules project", "--format", "nftables", "--out", nft], {
      env,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Wrote 3 files");
    const nftFiles = dirFiles(nft);
    expect(Object.keys(nftFiles).every((name) => name.endsWith(".nft"))).toBe(true);
    expect(nftFiles).toEqual(await zipFiles(`/projects/${seed.project.id}/nftables.zip`));

    const all = path.join(out, "all");
    expect(
      (await runCli(["iptables", "--project", "Cli Rules project", "--format", "all", "--out", all], { env })).status,
    ).toBe(0);
    expect(dirFiles(all)).toEqual({ ...(await zipFiles(`/projects/${seed.project.id}/iptables.zip`)), ...nftFiles });
    expect(Object.keys(dirFiles(all))).toHaveLength(9);
  });

  it("writes only one location's entities with --location", async () => {
    const dir = path.join(out, "location");
    const result = await runCli(["iptables", "--project", "Cli Rules project", "--location", "DR site", "--out", dir], {
      env,
    });
    expect(result.status).toBe(0);
    const files = dirFiles(dir);
    expect(Object.keys(files)).toHaveLength(2);
    const loc = await ctx.db.run((c) => c.location.findUniqueOrThrow({ where: { name: "DR site" } }));
    expect(files).toEqual(await zipFiles(`/projects/${seed.project.id}/locations/${loc.id}/iptables.zip`));
  });

  it("replaces files of the same name and leaves others alone", async () => {
    const dir = path.join(out, "again");
    await runCli(["iptables", "--project", "Cli Rules project", "--out", dir], { env });
    writeFileSync(path.join(dir, "beta-iptables.conf"), "stale");
    writeFileSync(path.join(dir, "notes.txt"), "mine");
    await runCli(["iptables", "--project", "Cli Rules project", "--out", dir], { env });
    expect(readFileSync(path.join(dir, "beta-iptables.conf"), "utf8")).toContain("*filter");
    expect(readFileSync(path.join(dir, "notes.txt"), "utf8")).toBe("mine");
  });

  it.each([
    [["iptables", "--out", "x"], 2, "--project NAME is required"],
    [["iptables", "--project", "Cli Rules project"], 2, "--out DIR is required"],
    [["iptables", "--project", "Nope", "--out", "x"], 1, 'no project named "Nope"'],
    [
      ["iptables", "--project", "Cli Rules project", "--location", "Nowhere", "--out", "x"],
      1,
      'no location named "Nowhere"',
    ],
    [
      ["iptables", "--project", "Cli Rules project", "--format", "pf", "--out", "x"],
      2,
      '--format must be iptables, nftables or all, not "pf" (see: conntrackt iptables --help)',
    ],
    [["iptables", "--project", "Cli Rules project", "--format", "toString", "--out", "x"], 2, "--format must be"],
  ])("fails with one line: %j", async (argv, status, reason) => {
    const result = await runCli(argv as string[], { env });
    expect(result.status).toBe(status);
    const lines = result.stderr.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`conntrackt: ${reason}`);
  });

  it("names the entity and field when stored data cannot give rules, in one line", async () => {
    const broken = await seedProject(ctx.db, "Broken Rules");
    await ctx.db.run((c) => c.interface.update({ where: { id: broken.ia.id }, data: { address: "300.0.0.1" } }));
    const result = await runCli(["iptables", "--project", "Broken Rules project", "--out", path.join(out, "broken")], {
      env,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^conntrackt: rules of entity "beta" \(id \d+\): incoming\[0\]\.source\.address is not/);
  });

  it("has --help", async () => {
    const result = await runCli(["iptables", "--help"], { env });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      "Usage: conntrackt iptables --project NAME [--location NAME] [--format FORMAT] --out DIR",
    );
  });
});
