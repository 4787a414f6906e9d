// Benchmark (docs/benchmarks.md): Conntrackt's project ZIPs against Capirca's
// `aclgen` (Debian python3-capirca, /usr/bin/aclgen) generating the same
// per-host policies, side by side in one run, on the huge preset's dual-stack
// data set. Conntrackt: the iptables and nftables ZIPs over HTTP from the built
// server (best of 3, database reads and compression included). Capirca: the
// same hosts and flows written as .pol files (bench/capirca-policies.ts,
// not timed), rendered by aclgen for its iptables and nftables targets (its
// default renderers, in parallel on every core), timed as a whole and less
// its start-up (aclgen on one small host). The budget: Conntrackt at least
// 100× the hosts per second.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase } from "../src/data/engine.js";
import { loadProjectRules } from "../src/data/rules.js";
import { type PolicyHost, writePolicies } from "./capirca-policies.js";
import { machine, table } from "./support.js";
import { best, measureZip, presetDatabase, type ZipFormat } from "./zip-measure.js";

const ACLGEN = process.env.ACLGEN ?? "/usr/bin/aclgen";
const PRESET = process.env.BENCH_PRESET ?? "huge";

/** Runs aclgen on a policy tree; returns its wall time in ms and the files it wrote. */
function aclgen(tree: { base: string; definitions: string }, out: string): { ms: number; files: number } {
  const start = performance.now();
  const result = spawnSync(
    ACLGEN,
    [`--base_directory=${tree.base}`, `--definitions_directory=${tree.definitions}`, `--output_directory=${out}`],
    { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
  );
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`aclgen failed (${result.status}): ${result.stderr.slice(-2000)}`);
  return { ms, files: existsSync(out) ? readdirSync(out, { recursive: true }).length : 0 };
}

if (!existsSync(ACLGEN)) {
  console.log(`capirca: skipped, no ${ACLGEN} (Debian: apt-get install python3-capirca)`);
} else {
  const url = await presetDatabase(PRESET);
  const zips = {
    iptables: await measureZip(PRESET, "iptables"),
    nftables: await measureZip(PRESET, "nftables"),
  };
  const db = await openDatabase(url);
  let hosts: PolicyHost[];
  try {
    hosts = await loadProjectRules(db, 1);
  } finally {
    await db.close();
  }
  const work = mkdtempSync(path.join(tmpdir(), "conntrackt-capirca-"));
  try {
    const rows: (string | number)[][] = [];
    for (const format of ["iptables", "nftables"] as ZipFormat[]) {
      const tree = writePolicies(hosts, path.join(work, format), format);
      // Start-up: the same target on the first host alone.
      const one = writePolicies(hosts.slice(0, 1), path.join(work, `${format}-one`), format);
      const startup = aclgen(one, path.join(work, `${format}-one-out`));
      const run = aclgen(tree, path.join(work, `${format}-out`));
      if (run.files !== hosts.length)
        throw new Error(`aclgen ${format} wrote ${run.files} files for ${hosts.length} hosts`);
      const zip = zips[format];
      const ours = hosts.length / (best(zip) / 1000);
      const theirs = hosts.length / ((run.ms - startup.ms) / 1000);
      rows.push([
        format,
        hosts.length,
        tree.terms,
        tree.skipped,
        best(zip).toFixed(0),
        ours.toFixed(0),
        (run.ms / 1000).toFixed(1),
        (startup.ms / 1000).toFixed(1),
        theirs.toFixed(1),
        `${(ours / theirs).toFixed(0)}×`,
      ]);
    }
    console.log(`\nConntrackt ZIP against Capirca aclgen, ${PRESET} preset (dual-stack), on ${machine()}`);
    console.log(
      table([
        [
          "format",
          "hosts",
          "Capirca terms",
          "flows without term",
          "Conntrackt ZIP (ms)",
          "Conntrackt hosts/s",
          "aclgen (s)",
          "aclgen start-up (s)",
          "aclgen hosts/s",
          "ratio",
        ],
        ...rows,
      ]),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
