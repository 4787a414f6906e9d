// Benchmark (docs/benchmarks.md, issue 15): "Can it reach?" and the project
// report on the huge dual-stack preset (2,000 entities, 20,000 flows), in
// process on a SQLite database: loading the model (four queries), indexing
// it, 1,000 questions (budget: under 1 s), and the report (budget: under 2 s).
// The questions mix recorded flows (a source inside the source network, a port
// inside the range), near misses and random sources.
import { loadAnalysisModel } from "../src/data/analysis.js";
import { openDatabase } from "../src/data/engine.js";
import type { AnalysisModel } from "../src/domain/analysis-model.js";
import { todayUtc } from "../src/domain/expiry.js";
import { parseIpv4, prefixLength } from "../src/domain/ipv4.js";
import { parseIpv6 } from "../src/domain/ipv6.js";
import { buildReachIndex, type ReachQuery, reach } from "../src/domain/reach.js";
import { buildReport } from "../src/domain/report.js";
import { seeded } from "../test/support/analysis-model.js";
import { datasetDatabase, machine, table } from "./support.js";

const QUESTIONS = 1000;
const REACH_BUDGET_MS = 1000;
const REPORT_BUDGET_MS = 2000;

/** Questions around recorded flows and at random, as numbers. */
function questions(model: AnalysisModel, count: number): ReachQuery[] {
  const random = seeded(15);
  const int = (below: number) => Math.floor(random() * below);
  const ends = new Map(
    model.interfaces.map((i) => {
      const v4 = parseIpv4(i.address);
      const family = v4 === null ? ("ipv6" as const) : ("ipv4" as const);
      const value = v4 === null ? (parseIpv6(i.address) as bigint) : BigInt(v4);
      const hostBits = family === "ipv4" ? 32 - (prefixLength(i.netmask) as number) : 128 - Number(i.netmask);
      return [i.id, { family, first: (value >> BigInt(hostBits)) << BigInt(hostBits), hostBits }];
    }),
  );
  const out: ReachQuery[] = [];
  while (out.length < count) {
    const c = model.communications[int(model.communications.length)];
    if (c === undefined) break;
    const source = ends.get(c.sourceId);
    const destination = ends.get(c.destinationId);
    if (source === undefined || destination === undefined) continue;
    const inside = (e: typeof source) => e.first + (e.hostBits > 0 ? BigInt(int(2 ** Math.min(e.hostBits, 30))) : 0n);
    const twist = int(4);
    const from = twist === 1 ? BigInt(int(2 ** 31)) : inside(source);
    const port = twist === 2 ? c.portEnd + 1 : c.port + int(c.portEnd - c.port + 1);
    const max = c.protocol === "TCP" || c.protocol === "UDP" ? 65535 : 255;
    out.push({ family: source.family, from, to: inside(destination), protocol: c.protocol, port: Math.min(port, max) });
  }
  return out;
}

async function time<T>(work: () => T | Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

const url = await datasetDatabase(["--preset", "huge", "--dual-stack", "--today", todayUtc()]);
const db = await openDatabase(url);
try {
  const project = await db.run((c) => c.project.findFirstOrThrow({ select: { id: true } }));
  const loaded = await time(() => loadAnalysisModel(db, project.id));
  const model = loaded.value as AnalysisModel;
  const today = todayUtc();
  const asked = questions(model, QUESTIONS);
  const indexed = await time(() => buildReachIndex(model, today));
  // The first round warms the JIT; the best of three is reported.
  const rounds: number[] = [];
  let verdicts = { allowed: 0, denied: 0, refused: 0 };
  for (let round = 0; round < 3; round++) {
    const tally = { allowed: 0, denied: 0, refused: 0 };
    const { ms } = await time(() => {
      for (const q of asked) {
        const outcome = reach(indexed.value, q);
        tally[outcome.ok ? outcome.answer.verdict : "refused"]++;
      }
    });
    rounds.push(ms);
    verdicts = tally;
  }
  const reports = [];
  for (let round = 0; round < 3; round++) reports.push(await time(() => buildReport(model, today)));
  const report = reports[0]?.value;
  const best = (list: number[]) => Math.min(...list);
  const verdict = (ms: number, budget: number) => (ms < budget ? "within budget" : `OVER the ${budget} ms budget`);
  console.log(`\nReach and report, huge dual-stack preset (SQLite, in process) on ${machine()}`);
  console.log(
    `${model.entities.length} entities, ${model.interfaces.length} interfaces, ${model.communications.length} communications; ` +
      `${QUESTIONS} questions: ${verdicts.allowed} allowed, ${verdicts.denied} denied, ${verdicts.refused} refused; ` +
      `report: ${report?.errors} errors, ${report?.warnings} warnings`,
  );
  console.log(
    table([
      ["step", "first (ms)", "best of 3 (ms)", "budget"],
      ["load the model (4 queries)", loaded.ms.toFixed(0), "", ""],
      // Once per page or command; the budget is for the questions on a built index.
      ["index the model", indexed.ms.toFixed(0), "", "(once per question page)"],
      [
        `${QUESTIONS} reach questions`,
        (rounds[0] ?? 0).toFixed(0),
        best(rounds).toFixed(0),
        verdict(best(rounds), REACH_BUDGET_MS),
      ],
      [
        "project report",
        (reports[0]?.ms ?? 0).toFixed(0),
        best(reports.map((r) => r.ms)).toFixed(0),
        verdict(best(reports.map((r) => r.ms)), REPORT_BUDGET_MS),
      ],
    ]),
  );
} finally {
  await db.close();
}
