// `conntrackt deploy-mark` and `conntrackt diff` (docs/cli.md): the web's
// "Mark as deployed" and rule diff from the command line, with diff's exit
// status (0 same, 1 different, 2 trouble) so a pipeline can gate on it.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/cli/actor.js";
import { entityStems, RULES_FILE_KINDS, RULES_FILE_SUFFIX } from "../../src/domain/archive-names.js";
import { currentRuleFiles } from "../../src/services/deployments.js";
import { createTestContext, type TestContext } from "../support/app.js";
import { runCli } from "../support/cli.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let seed: Awaited<ReturnType<typeof seedProject>>;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  ctx = await createTestContext();
  seed = await seedProject(ctx.db, "Cli Deploy");
  env = { DATABASE_URL: ctx.db.url };
  dir = mkdtempSync(path.join(tmpdir(), "conntrackt-diff-"));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await ctx.close();
});

const diff = (...args: string[]) => runCli(["diff", "--project", seed.project.name, ...args], { env });
const markCli = (...args: string[]) => runCli(["deploy-mark", "--project", seed.project.name, ...args], { env });
const setPort = (port: number) =>
  ctx.db.run((c) => c.communication.update({ where: { id: seed.communication }, data: { port, portEnd: port } }));

/** Writes every entity's files as they are now into a fresh folder, named as in the archive. */
async function writeFilesNow(name: string): Promise<string> {
  const folder = path.join(dir, name);
  mkdirSync(folder);
  const files = (await currentRuleFiles(ctx.db, seed.project.id)) ?? [];
  const stems = entityStems(files);
  for (const entity of files) {
    for (const kind of RULES_FILE_KINDS) {
      writeFileSync(path.join(folder, `${stems.get(entity.id)}${RULES_FILE_SUFFIX[kind]}`), entity.files[kind]);
    }
  }
  return folder;
}

describe("conntrackt deploy-mark and diff", () => {
  it("refuses a diff before any mark with status 2 and one line", async () => {
    const r = await diff();
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `conntrackt: project "${seed.project.name}" has never been marked as deployed, so there is nothing to compare with (conntrackt deploy-mark)\n`,
    );
  });

  it("marks with the operating-system user and the note; then nothing differs (0)", async () => {
    const r = await markCli("--note", "Change 4711");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^Marked project "${seed.project.name}" as deployed: deployment \\d+, 2 entities\\.\\n$`),
    );
    const row = await ctx.db.run((c) => c.deployment.findFirstOrThrow({ orderBy: { id: "desc" } }));
    expect([row.actor, row.note]).toEqual([cliActor(), "Change 4711"]);
    expect(cliActor()).toBe(userInfo().username || "cli");
    const same = await diff();
    expect([same.status, same.stdout, same.stderr]).toEqual([0, "", ""]);
  });

  it("a changed port: status 1 and a patch that turns the deployed files into the current ones", async () => {
    const deployed = await writeFilesNow("deployed");
    await setPort(2222);
    const r = await diff();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("--- a/beta-iptables.conf\n+++ b/beta-iptables.conf\n");
    expect(r.stdout).not.toContain("alpha");
    expect(r.stdout.split("\n").filter((l) => /^[-+](?![-+]{2} )/.test(l))).toEqual([
      "--A INPUT -s 10.0.0.1 -d 10.0.0.2 -p tcp -m tcp --dport 22 -j ACCEPT",
      "+-A INPUT -s 10.0.0.1 -d 10.0.0.2 -p tcp -m tcp --dport 2222 -j ACCEPT",
      "-        ip saddr 10.0.0.1 ip daddr 10.0.0.2 tcp dport 22 accept",
      "+        ip saddr 10.0.0.1 ip daddr 10.0.0.2 tcp dport 2222 accept",
    ]);
    // GNU patch applies it to the deployed files and gets the files of now, byte for byte.
    const patchFile = path.join(dir, "changes.patch");
    writeFileSync(patchFile, r.stdout);
    execFileSync("patch", ["-p1", "-s", "-i", patchFile], { cwd: deployed });
    const now = await writeFilesNow("now");
    for (const name of readdirSync(now)) {
      expect(readFileSync(path.join(deployed, name), "utf8"), name).toBe(readFileSync(path.join(now, name), "utf8"));
    }
    // The summary goes to a terminal only, never into the patch.
    const tty = await runCli(["diff", "--project", seed.project.name], { env, tty: true });
    expect(tty.stdout).toBe(r.stdout);
    expect(tty.stderr).toMatch(/^Deployment \d+ → now: 1 changed, 0 added, 0 removed, 1 unchanged\.\n$/);
  });

  it("another mark: 0 again; --from/--to compare two deployments, either way", async () => {
    const before = await ctx.db.run((c) => c.deployment.findFirstOrThrow({ orderBy: { id: "desc" } }));
    expect((await markCli()).status).toBe(0);
    expect((await diff()).status).toBe(0);
    const after = await ctx.db.run((c) => c.deployment.findFirstOrThrow({ orderBy: { id: "desc" } }));
    const forward = await diff("--from", String(before.id), "--to", String(after.id));
    expect(forward.status).toBe(1);
    expect(forward.stdout).toContain("+-A INPUT -s 10.0.0.1 -d 10.0.0.2 -p tcp -m tcp --dport 2222 -j ACCEPT");
    const backward = await diff("--from", String(after.id), "--to", String(before.id));
    expect(backward.stdout).toContain("--A INPUT -s 10.0.0.1 -d 10.0.0.2 -p tcp -m tcp --dport 2222 -j ACCEPT");
    expect((await diff("--from", String(after.id), "--to", "now")).status).toBe(0);
  });

  it("gives status 2 with one line for every kind of trouble", async () => {
    const cases: [string[], RegExp][] = [
      [["diff"], /^conntrackt: --project NAME is required \(see: conntrackt diff --help\)$/],
      [["diff", "--project", "Nope"], /^conntrackt: no project named "Nope"$/],
      [["diff", "--project", seed.project.name, "--from", "abc"], /^conntrackt: --from must be a deployment number\./],
      [
        ["diff", "--project", seed.project.name, "--to", "later"],
        /^conntrackt: --to must be a deployment number or now\./,
      ],
      [
        ["diff", "--project", seed.project.name, "--from", "999999"],
        /^conntrackt: project "Cli Deploy project" has no deployment 999999$/,
      ],
      [["diff", "--project", seed.project.name, "--bogus"], /^conntrackt: unknown option '--bogus'/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(argv, { env });
      expect([argv.join(" "), r.status]).toEqual([argv.join(" "), 2]);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim()).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    const missing = await runCli(["diff", "--project", "x"], {
      env: { DATABASE_URL: `file:${path.join(dir, "none.db")}` },
    });
    expect(missing.status).toBe(2);
  });

  it("deploy-mark refuses an unknown project (1), a missing --project and a bad note (2 for usage), storing nothing", async () => {
    const before = await ctx.db.run((c) => c.deployment.count());
    const unknown = await runCli(["deploy-mark", "--project", "Nope"], { env });
    expect([unknown.status, unknown.stderr]).toEqual([1, 'conntrackt: no project named "Nope"\n']);
    const usage = await runCli(["deploy-mark"], { env });
    expect(usage.status).toBe(2);
    const note = await markCli("--note", "x".repeat(10_001));
    expect([note.status, note.stderr]).toEqual([1, "conntrackt: --note: Note must be at most 10000 characters.\n"]);
    expect(await ctx.db.run((c) => c.deployment.count())).toBe(before);
  });
});
