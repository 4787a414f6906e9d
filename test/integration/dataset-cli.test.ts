// The data set generator's command line (scripts/dataset.ts, docs/development.md)
// in child processes, kept out of the fast unit run: the same bytes as the
// function (version 1 and --dual-stack), --help and a wrong option. The generator itself: test/unit/dataset.test.ts.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { generateDataset, serializeDataset } from "../../scripts/dataset.js";
import { projectRoot } from "../../src/data/engine.js";

describe("scripts/dataset.ts on the command line", () => {
  it("writes the same document from the command line", () => {
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "scripts/dataset.ts", "--preset", "small", "--seed", "5"],
      {
        cwd: projectRoot,
        encoding: "utf8",
      },
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(serializeDataset(generateDataset({ preset: "small", seed: 5 })));
    const dual = spawnSync(
      process.execPath,
      ["--import", "tsx", "scripts/dataset.ts", "--dual-stack", "--today", "2026-06-01", "--seed", "5"],
      { cwd: projectRoot, encoding: "utf8" },
    );
    expect(dual.stderr).toBe("");
    expect(dual.status).toBe(0);
    expect(dual.stdout).toBe(
      serializeDataset(generateDataset({ preset: "small", seed: 5, dualStack: true, today: "2026-06-01" })),
    );
  });

  it("explains its options on --help and refuses a wrong one with exit code 2", () => {
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", "scripts/dataset.ts", ...args], {
        cwd: projectRoot,
        encoding: "utf8",
      });
    const help = cli("--help");
    expect(help.status).toBe(0);
    for (const flag of [
      "--preset",
      "--projects",
      "--locations",
      "--entities",
      "--interfaces",
      "--communications",
      "--subnets",
      "--seed",
      "--nasty",
      "--dual-stack",
      "--today",
    ]) {
      expect(help.stdout).toContain(flag);
    }
    const wrong = cli("--preset", "gigantic");
    expect(wrong.status).toBe(2);
    expect(wrong.stdout).toBe("");
    expect(wrong.stderr).toMatch(/^dataset: --preset must be one of small, medium, large, huge/);
  });
});
