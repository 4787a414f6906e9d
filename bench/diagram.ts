// Diagram rendering benchmark (docs/usage.md): builds the DOT of a project of
// the data set generator (scripts/dataset.ts) with buildProjectDot, then times
// the first (cold) render through DiagramRenderer, the same DOT with native
// Graphviz `dot -Tsvg` when it is installed, and a repeated (warm, cached)
// render. It also records the longest stall of the main event loop while the
// worker lays out.
//
//   npx tsx bench/diagram.ts [--preset small|medium|large|huge]... [--timeout MS] [--native-timeout MS] [--no-http]
//
// Without --preset it runs the small, medium and large presets. --timeout is
// the renderer's time limit (default: the production default, 10 s); raise it
// to measure how long a layout really takes. --no-http leaves out the part
// over HTTP (which needs `npm run build`).
import { spawnSync } from "node:child_process";
import http from "node:http";
import { type DatasetDocument, generateDataset, parseDatasetArgs } from "../scripts/dataset.js";
import { buildProjectDot } from "../src/domain/dot.js";
import type { DiagramInput } from "../src/domain/types.js";
import { DiagramRenderer, type RenderResult } from "../src/services/diagram/index.js";

function option(name: string): string[] {
  const values: string[] = [];
  const args = process.argv.slice(2);
  args.forEach((arg, i) => {
    if (arg === name && args[i + 1] !== undefined) values.push(args[i + 1] as string);
  });
  return values;
}

const presets = option("--preset");
const cases: { name: string; args: string[] }[] =
  presets.length > 0
    ? presets.map((preset) => ({ name: preset, args: ["--preset", preset] }))
    : [
        { name: "small", args: ["--preset", "small"] },
        { name: "medium", args: ["--preset", "medium"] },
        { name: "large", args: ["--preset", "large"] },
      ];
const timeoutMs = Number(option("--timeout")[0] ?? 10_000);
const nativeTimeoutMs = Number(option("--native-timeout")[0] ?? 120_000);

/** The first project of an interchange document as diagram input: entities numbered in order, locations by name. */
function toDiagramInput(document: DatasetDocument): DiagramInput {
  const locationIds = new Map(
    document.locations
      .map((location) => location.name)
      .sort()
      .map((name, i) => [name, i + 1]),
  );
  const project = document.projects[0];
  if (!project) throw new Error("the data set has no project");
  const entityIds = new Map(project.entities.map((entity, i) => [entity.name, i + 1]));
  const idOf = (name: string) => {
    const id = entityIds.get(name);
    if (id === undefined) throw new Error(`communication names unknown entity ${name}`);
    return id;
  };
  return {
    entities: project.entities.map((entity, i) => ({
      id: i + 1,
      name: entity.name,
      location: { id: locationIds.get(entity.location) ?? 0, name: entity.location },
    })),
    communications: project.communications.map((communication, i) => ({
      id: i + 1,
      sourceEntityId: idOf(communication.source.entity),
      destinationEntityId: idOf(communication.destination.entity),
      protocol: communication.protocol,
      port: communication.port,
    })),
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; maxGapMs: number }> {
  const started = performance.now();
  let last = started;
  let maxGapMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  }, 5);
  const value = await work();
  clearInterval(ticker);
  return { value, ms: performance.now() - started, maxGapMs };
}

const outcome = (result: RenderResult) => (result.status === "error" ? `error: ${result.message}` : result.status);
const seconds = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`);
const hasDot = spawnSync("dot", ["-V"]).status === 0;

const rows: Record<string, string | number>[] = [];
for (const { name, args } of cases) {
  const input = toDiagramInput(generateDataset(parseDatasetArgs(args)));
  const built = performance.now();
  const dot = buildProjectDot(input);
  const buildMs = performance.now() - built;

  let graphvizWarnings = 0;
  const renderer = new DiagramRenderer({
    timeoutMs,
    onGraphvizOutput: (text) => {
      graphvizWarnings += text.split("\n").filter(Boolean).length;
    },
  });
  // Start the worker and load Graphviz first: a cold render is a new DOT, not a new process.
  await renderer.render("digraph { warm_up }");
  const cold = await timed(() => renderer.render(dot));
  // Median of repeated cache hits (or remembered timeouts): one sample is mostly scheduler noise.
  const warmSamples: number[] = [];
  let warm = cold;
  for (let i = 0; i < 25; i++) {
    warm = await timed(() => renderer.render(dot));
    warmSamples.push(warm.ms);
  }
  const warmMs = warmSamples.sort((a, b) => a - b)[Math.floor(warmSamples.length / 2)] ?? 0;
  await renderer.close();

  let native = "not installed";
  if (hasDot) {
    const started = performance.now();
    const run = spawnSync("dot", ["-Tsvg"], {
      input: dot,
      timeout: nativeTimeoutMs,
      maxBuffer: 1 << 30,
      stdio: "pipe",
    });
    const ms = performance.now() - started;
    // Graphviz 2.43 exits 1 after "lost edge" errors on clustered graphs, but still writes the SVG.
    native = run.error
      ? `> ${seconds(nativeTimeoutMs)}`
      : `${seconds(ms)}${run.status === 0 ? "" : ` (exit ${run.status})`}`;
  }

  rows.push({
    data: name,
    entities: input.entities.length,
    communications: input.communications.length,
    "DOT KiB": Math.round(Buffer.byteLength(dot) / 1024),
    "build DOT": seconds(buildMs),
    "cold render": `${outcome(cold.value)} ${seconds(cold.ms)}`,
    "SVG KiB": cold.value.status === "ok" ? Math.round(Buffer.byteLength(cold.value.svg) / 1024) : "-",
    "max loop stall": seconds(cold.maxGapMs),
    "warm (cached)": `${outcome(warm.value)} ${seconds(warmMs)}`,
    "native dot": native,
    "Graphviz warnings": graphvizWarnings,
  });
}

console.log(`DiagramRenderer time limit ${seconds(timeoutMs)}; native dot ${hasDot ? "installed" : "not installed"}`);
console.table(rows);

// Over HTTP, on the built server (`npm run build`): the large preset's diagram
// cold and warm, a conditional request, and the latency of an entity page
// while a cold render runs compared with the same page when the server is idle.
if (!process.argv.includes("--no-http")) {
  const { datasetDatabase, login, machine, startServer, table } = await import("./support.js");
  const url = await datasetDatabase(["--preset", "large"]);
  const server = await startServer(url);
  try {
    const cookie = await login(server.url);
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const started = performance.now();
      const res = await fetch(`${server.url}${path}`, { headers: { cookie, ...headers } });
      const body = await res.arrayBuffer();
      return {
        ms: performance.now() - started,
        status: res.status,
        etag: res.headers.get("etag"),
        bytes: body.byteLength,
      };
    };
    const entityPage = "/entities/1";
    const sample = async (n: number) => {
      const times: number[] = [];
      for (let i = 0; i < n; i++) times.push((await get(entityPage)).ms);
      times.sort((a, b) => a - b);
      return { p50: times[Math.floor(n / 2)] ?? 0, max: times[n - 1] ?? 0 };
    };
    await sample(5); // warm the JIT and the session
    const idle = await sample(30);
    const coldPromise = get("/projects/1/diagram.svg");
    const during = await sample(30);
    const cold = await coldPromise;
    const warm = await get("/projects/1/diagram.svg");
    // fetch() adds `Cache-Control: no-cache` to conditional requests (Fetch
    // standard), which disables revalidation: ask as a browser's cache would.
    const conditional = await new Promise<{ ms: number; status: number }>((resolve, reject) => {
      const started = performance.now();
      http
        .get(
          `${server.url}/projects/1/diagram.svg`,
          { headers: { cookie, "if-none-match": warm.etag ?? "" } },
          (res) => {
            res.resume();
            res.on("end", () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0 }));
          },
        )
        .on("error", reject);
    });
    console.log(`\nDiagram over HTTP, large preset (300 entities, 3,000 communications), built server on ${machine()}`);
    console.log(
      table([
        ["request", "status", "time (ms)", "size (KiB)"],
        ["diagram.svg, cold", cold.status, cold.ms.toFixed(0), (cold.bytes / 1024).toFixed(0)],
        ["diagram.svg, warm (cached)", warm.status, warm.ms.toFixed(1), (warm.bytes / 1024).toFixed(0)],
        ["diagram.svg, If-None-Match", conditional.status, conditional.ms.toFixed(1), "0"],
      ]),
    );
    console.log(
      table([
        ["entity page latency", "p50 (ms)", "max (ms)"],
        ["idle", idle.p50.toFixed(1), idle.max.toFixed(1)],
        ["during a cold render", during.p50.toFixed(1), during.max.toFixed(1)],
        ["ratio during / idle (p50)", (during.p50 / idle.p50).toFixed(2), ""],
      ]),
    );
  } finally {
    await server.stop();
  }
}
