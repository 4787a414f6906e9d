// Benchmark (docs/usage.md "Change history"): a 20,000-row CSV import and a
// JSON import of 20,000 communications must not take more than 1.5 times as
// long with their change history as without it, measured side by side in one
// run on SQLite.
//
// "Without" is the same import code with src/data/import-history.ts replaced
// by bench/history-off-recorder.ts (a module resolve hook of the worker's
// process), which writes the rows exactly as the import does and records
// nothing: every cost of the history (building the entries, reading the
// flows' ids back, writing the entries and their indexes) is in the module
// replaced. Each import runs in a process of its own on a fresh database
// (bench/history-worker.ts), the two ways one after the other in each round
// (with, without, then without, with, …); the ratio is the median of the
// rounds' ratios, each taken between two imports run side by side, so a
// change of the machine's load over the run weighs on both alike. The budget
// is on the clock; the worker's CPU time is shown beside it, steadier than
// the clock on a machine busy with other work. BENCH_ROUNDS (default 3).
//
//   npx tsx bench/history.ts          (or: npm run bench -- history)
import { execFile } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { projectRoot } from "../src/data/engine.js";
import { machine, table } from "./support.js";

const run = promisify(execFile);
const ROWS = 20_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
if (!Number.isInteger(ROUNDS) || ROUNDS <= 0) throw new Error("BENCH_ROUNDS must be a positive whole number");
/** With history / without: at most this. */
const BUDGET = 1.5;

const worker = path.join(projectRoot, "bench", "history-worker.ts");
const offRecorder = pathToFileURL(path.join(projectRoot, "bench", "history-off-recorder.ts")).href;
const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === "./import-history.js" && context.parentURL?.includes("/src/data/"))
    return next(${JSON.stringify(offRecorder)}, context);
  return next(specifier, context);
}`;
const registerHooks = `import { register } from "node:module";
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;

type Way = "with" | "without";
type Kind = "csv" | "json";
interface Result {
  ms: number;
  cpuMs: number;
  communications: number;
  entries: number;
}

async function once(kind: Kind, way: Way): Promise<Result> {
  const args = [
    "--import",
    "tsx",
    ...(way === "without" ? ["--import", `data:text/javascript,${encodeURIComponent(registerHooks)}`] : []),
    worker,
    kind,
    String(ROWS),
  ];
  const { stdout } = await run(process.execPath, args, { cwd: projectRoot, maxBuffer: 1 << 20 });
  const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Result;
  if (result.communications !== ROWS)
    throw new Error(`${kind} ${way}: ${result.communications} communications written`);
  // The baseline must really record nothing, and the real import one entry per row at least.
  if (way === "without" ? result.entries !== 0 : result.entries < ROWS) {
    throw new Error(`${kind} ${way}: ${result.entries} change history entries`);
  }
  return result;
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? Number.NaN;
const started = new Date();
const rows: (string | number)[][] = [
  [
    "import",
    "without history (ms)",
    "with history (ms)",
    "ratio",
    "CPU without (ms)",
    "CPU with (ms)",
    "CPU ratio",
    "entries",
  ],
];
let failed = false;
for (const kind of ["csv", "json"] as const) {
  const times: Record<Way, number[]> = { with: [], without: [] };
  const cpu: Record<Way, number[]> = { with: [], without: [] };
  let entries = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const order: Way[] = i % 2 === 0 ? ["with", "without"] : ["without", "with"];
    for (const way of order) {
      const result = await once(kind, way);
      times[way].push(result.ms);
      cpu[way].push(result.cpuMs);
      if (way === "with") entries = result.entries;
      console.log(
        `history: ${kind} ${way} history, round ${i + 1}: ${result.ms.toFixed(0)} ms (CPU ${result.cpuMs.toFixed(0)} ms)`,
      );
    }
  }
  const ratios = (t: Record<Way, number[]>) => t.with.map((w, i) => w / (t.without[i] as number));
  const ratio = median(ratios(times));
  if (!(ratio <= BUDGET)) failed = true;
  rows.push([
    kind === "csv" ? `CSV, ${ROWS} rows` : `JSON, ${ROWS} communications`,
    median(times.without).toFixed(0),
    median(times.with).toFixed(0),
    ratio.toFixed(2),
    median(cpu.without).toFixed(0),
    median(cpu.with).toFixed(0),
    median(ratios(cpu)).toFixed(2),
    entries,
  ]);
}

console.log(
  `\nImports with and without change history (SQLite) on ${machine()}, ${started.toISOString().slice(0, 10)}`,
);
console.log(
  `medians of ${ROUNDS} rounds (the ratios: of each round's pair), each import in a fresh process and database\n`,
);
console.log(table(rows));
console.log(`\nbudget: with history at most ${BUDGET} times the time without`);
if (failed) {
  console.log("\nhistory: FAILED (an import with its history over budget)");
  process.exitCode = 1;
}
