// Benchmark (docs/benchmarks.md, "Data lists and pages at scale"; issue 13):
// the pages people read most, under load, against a bare Express "hello"
// route measured in the same run. On the large preset (300 entities, 3,000
// communications) and 50 connections, the project page, the entity page and
// the first page of the communications list must each sustain at least 25 %
// of the hello route's requests per second.
//
// The built server and the hello server each run as a process of their own
// (so the hello figure pays what a server process pays); autocannon runs in
// this process, 50 connections, BENCH_SECONDS (default 20) per target, the
// targets in turn: hello, project page, entity page (a few entities in turn),
// communications list, each once the server is idle again. BENCH_ROUNDS
// (default 1) repeats the sequence; each target's figure is its mean over the
// rounds. Every request carries the benchmark admin's session cookie and the
// Accept-Encoding Chromium sends (BENCH_ACCEPT_ENCODING). The project page is
// measured once its diagram is laid out (warm-up). Exits
// non-zero when a ratio is under the budget or any response is not 2xx (or
// fails, or times out).
//
//   npm run build && npx tsx bench/read-load.ts      (or: npm run bench -- read-load)
import { spawn } from "node:child_process";
import autocannon from "autocannon";
import { openDatabase, projectRoot } from "../src/data/engine.js";
import { listEntities } from "../src/data/entities.js";
import { listProjects } from "../src/data/projects.js";
import { datasetDatabase, login, machine, startServer, table } from "./support.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
if (!Number.isFinite(SECONDS) || SECONDS <= 0) throw new Error("BENCH_SECONDS must be a positive number");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
if (!Number.isInteger(ROUNDS) || ROUNDS <= 0) throw new Error("BENCH_ROUNDS must be a positive whole number");
const CONNECTIONS = 50;
/** The share of the hello route's requests per second each page must sustain. */
const BUDGET = 0.25;
/** Entity pages cycle through this many entities of the project, spread over its list. */
const ENTITIES = 8;
/**
 * What every request accepts, as Chromium sends it: the app answers its kept
 * pages gzipped to a browser (docs/architecture.md, "Page cache").
 * BENCH_ACCEPT_ENCODING=identity measures them uncompressed.
 */
const ACCEPT_ENCODING = process.env.BENCH_ACCEPT_ENCODING ?? "gzip, deflate, br, zstd";

// A bare Express app in a process of its own: one route answering "hello".
const HELLO_SERVER = `
const express = require("express");
const app = express();
app.get("/", (_req, res) => { res.send("hello"); });
const server = app.listen(0, "127.0.0.1", () => { process.stdout.write(server.address().port + "\\n"); });
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

async function startHello(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["-e", HELLO_SERVER], {
    cwd: projectRoot,
    env: { ...process.env, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolve(Number(out.trim()));
    });
    child.once("exit", (code) => reject(new Error(`hello server exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/**
 * Waits until the server has finished what the previous target left in flight:
 * autocannon stops at its deadline, but the server still answers the requests
 * it had accepted (50 project pages take seconds), which would count against
 * the next target. Idle means `/healthz` answering within 50 ms three times running.
 */
async function idle(baseUrl: string): Promise<void> {
  const deadline = performance.now() + 120_000;
  let fast = 0;
  while (fast < 3 && performance.now() < deadline) {
    const start = performance.now();
    await (await fetch(`${baseUrl}/healthz`)).arrayBuffer();
    fast = performance.now() - start < 50 ? fast + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface Target {
  name: string;
  /** While its page says its diagram is being drawn (warm-up). */
  drawing?: boolean;
  base: () => string;
  path: () => string;
}

interface Measure {
  requests: number;
  /** Bytes received, headers included. */
  bytes: number;
  rps: number[];
  p50: number[];
  p99: number[];
  bad: number;
  statuses: Record<string, number>;
}

const started = new Date();
console.log(`read-load: building the large preset database (${SECONDS} s per target, ${ROUNDS} round(s))…`);
const databaseUrl = await datasetDatabase(["--preset", "large"]);
const setup = await openDatabase(databaseUrl);
const projectId = (await listProjects(setup))[0]?.id as number;
const allEntities = (await listEntities(setup, { projectId })).map((e) => e.id);
await setup.close();
const step = Math.max(1, Math.floor(allEntities.length / ENTITIES));
const entityIds = allEntities.filter((_, i) => i % step === 0).slice(0, ENTITIES);

const server = await startServer(databaseUrl);
const hello = await startHello();
let failed = false;
const measures = new Map<string, Measure>();
try {
  const cookie = await login(server.url);
  let nextEntity = 0;
  const targets: Target[] = [
    { name: "hello (bare Express)", base: () => hello.url, path: () => "/" },
    { name: "project page", base: () => server.url, path: () => `/projects/${projectId}` },
    {
      name: `entity page (${entityIds.length} entities in turn)`,
      base: () => server.url,
      path: () => `/entities/${entityIds[nextEntity++ % entityIds.length]}`,
    },
    {
      name: "communications list, first page",
      base: () => server.url,
      path: () => `/communications?project=${projectId}`,
    },
  ];
  // Unmeasured first loads: the project page's first request starts laying
  // out its diagram, and says "being drawn" (such a page is not kept) until
  // the layout is done or meets its time limit; from then on it is the page
  // every later visitor gets, as in production. Each page must answer 200
  // before it is measured.
  for (const target of targets) {
    const began = performance.now();
    for (let i = 0; i < 2 || (i < 600 && target.drawing); i++) {
      const start = performance.now();
      const res = await fetch(`${target.base()}${target.path()}`, { headers: { cookie } });
      const body = await res.text();
      target.drawing = body.includes("being drawn");
      if (i < 2 || !target.drawing)
        console.log(
          `read-load: ${target.name}: ${res.status}, ${(Buffer.byteLength(body) / 1024).toFixed(0)} KB in ${(performance.now() - start).toFixed(0)} ms${target.drawing ? " (diagram being drawn)" : ""}`,
        );
      if (res.status !== 200) failed = true;
      if (target.drawing) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (target.drawing) failed = true;
    console.log(`read-load: ${target.name}: ready after ${((performance.now() - began) / 1000).toFixed(1)} s`);
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const target of targets) {
      await idle(server.url);
      console.log(`read-load: round ${round}, ${target.name}, ${CONNECTIONS} connections, ${SECONDS} s…`);
      const result = await autocannon({
        url: target.base(),
        connections: CONNECTIONS,
        duration: SECONDS,
        timeout: 30,
        headers: { cookie, "accept-encoding": ACCEPT_ENCODING },
        requests: [{ method: "GET", setupRequest: (request) => ({ ...request, path: target.path() }) }],
      });
      const m = measures.get(target.name) ?? { requests: 0, bytes: 0, rps: [], p50: [], p99: [], bad: 0, statuses: {} };
      m.requests += result.requests.total;
      m.bytes += result.throughput.total;
      m.rps.push(result.requests.total / result.duration);
      m.p50.push(result.latency.p50);
      m.p99.push(result.latency.p99);
      m.bad += result.errors + result.timeouts + result.non2xx;
      for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
        m.statuses[status] = (m.statuses[status] ?? 0) + count;
      }
      measures.set(target.name, m);
    }
  }
} finally {
  await hello.stop();
  await server.stop();
}

const mean = (list: number[]) => list.reduce((sum, v) => sum + v, 0) / list.length;
const helloRps = mean(measures.values().next().value?.rps ?? [Number.NaN]);
const rows: (string | number)[][] = [
  ["target", "requests", "requests/s", "ratio to hello", "KB each", "p50 ms", "p99 ms", "bad", "statuses", "budget"],
];
let index = 0;
for (const [name, m] of measures) {
  const rps = mean(m.rps);
  const ratio = rps / helloRps;
  const isHello = index++ === 0;
  const ok = m.bad === 0 && (isHello || ratio >= BUDGET);
  if (!ok) failed = true;
  rows.push([
    name,
    m.requests,
    rps.toFixed(1),
    isHello ? "—" : `${(ratio * 100).toFixed(1)} %`,
    (m.bytes / Math.max(1, m.requests) / 1024).toFixed(1),
    Math.max(...m.p50),
    Math.max(...m.p99),
    m.bad,
    Object.entries(m.statuses)
      .map(([s, n]) => `${s}×${n}`)
      .join(" "),
    isHello ? (m.bad === 0 ? "ok" : "FAILED") : ok ? "ok" : "FAILED",
  ]);
}
console.log(
  `\nRead load on the built server (SQLite, large preset) on ${machine()}, ${started.toISOString().slice(0, 10)}`,
);
console.log(
  `${CONNECTIONS} connections, ${SECONDS} s per target, ${ROUNDS} round(s), Accept-Encoding: ${ACCEPT_ENCODING}; bad = failed, timed out or non-2xx; budget: each page ≥ ${BUDGET * 100} % of hello's requests/s\n`,
);
console.log(table(rows));
if (failed) {
  console.log("\nread-load: FAILED (a page under its budget, or a response that was not 2xx)");
  process.exitCode = 1;
}
