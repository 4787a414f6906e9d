// The generated session secret (docs/install.md, DATA_DIR/session-secret):
// processes starting at once on an empty data directory all end up with the
// same secret, none crashes on the file another one created, and nobody reads
// a half-written file (it is linked into place only once complete).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, resolveSessionSecret } from "../../src/config.js";
import { projectRoot } from "../../src/data/engine.js";

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "conntrackt-secret-"));
  dirs.push(dir);
  return path.join(dir, "data");
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A child process that loads the config module, waits for `startAt`, then resolves the secret. */
function child(dataDir: string, startAt: number): Promise<{ code: number | null; out: string; err: string }> {
  const config = pathToFileURL(path.join(projectRoot, "src/config.ts")).href;
  const code = `
    const { resolveSessionSecret } = await import(${JSON.stringify(config)});
    while (Date.now() < ${startAt}) {}
    process.stdout.write(resolveSessionSecret({ dataDir: ${JSON.stringify(dataDir)} }));`;
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => {
      out += d;
    });
    p.stderr.on("data", (d) => {
      err += d;
    });
    p.on("exit", (status) => resolve({ code: status, out, err }));
  });
}

describe("resolveSessionSecret", () => {
  it("generates the secret once (mode 600) and reads it back afterwards", () => {
    const dataDir = freshDir();
    const first = resolveSessionSecret({ dataDir });
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(resolveSessionSecret({ dataDir })).toBe(first);
    expect(statSync(path.join(dataDir, "session-secret")).mode & 0o777).toBe(0o600);
    // No temporary file of ours is left behind.
    expect(readdirSync(dataDir)).toEqual(["session-secret"]);
  });

  it("prefers SESSION_SECRET and writes nothing", () => {
    const dataDir = freshDir();
    expect(resolveSessionSecret({ dataDir, SESSION_SECRET: "from the environment" })).toBe("from the environment");
    expect(() => readdirSync(dataDir)).toThrow();
  });

  it("refuses a damaged (empty) secret file with a clear message", () => {
    const dataDir = freshDir();
    resolveSessionSecret({ dataDir });
    writeFileSync(path.join(dataDir, "session-secret"), "\n");
    expect(() => resolveSessionSecret({ dataDir })).toThrow(ConfigError);
    expect(() => resolveSessionSecret({ dataDir })).toThrow(
      /session-secret is damaged; delete it or set SESSION_SECRET/,
    );
  });

  it("four processes starting at once agree on one secret and none fails", async () => {
    const dataDir = freshDir();
    // Loading tsx and the module takes a moment: all start resolving at the same instant.
    const startAt = Date.now() + 4000;
    const runs = await Promise.all(Array.from({ length: 4 }, () => child(dataDir, startAt)));
    for (const run of runs) expect(run, run.err).toMatchObject({ code: 0 });
    const secrets = new Set(runs.map((r) => r.out));
    expect(secrets.size).toBe(1);
    expect(readFileSync(path.join(dataDir, "session-secret"), "utf8").trim()).toBe([...secrets][0]);
    expect(readdirSync(dataDir)).toEqual(["session-secret"]);
  }, 60_000);
});
