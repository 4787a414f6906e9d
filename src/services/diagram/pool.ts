// The Graphviz worker pool (docs/architecture.md, Diagram rendering): lays out
// DOT in worker threads, so a slow layout never blocks the event loop. Each
// layout has a time limit; past it the worker is terminated and replaced.
// Jobs wait in a bounded queue, each for a bounded time. The machinery is the
// shared bounded pool (src/services/worker-pool.ts); this module supplies the
// Graphviz worker and turns the pool's outcomes into LayoutResults.
//
// The worker's code is a string evaluated by `new Worker(code, { eval: true })`
// and Graphviz is imported from an absolute file URL resolved here, so the
// pool works the same from TypeScript sources (vitest, tsx) and from the
// compiled `dist/` tree, with no separate worker file to locate or copy.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { BoundedWorkerPool, type Outcome, type WorkerFailure, type WorkerReply } from "../worker-pool.js";

/** What one layout gave: raw Graphviz SVG (not yet checked), a timeout, or why it failed. */
export type LayoutResult = { status: "ok"; svg: string } | { status: "timeout" } | { status: "error"; message: string };

export interface WorkerPoolOptions {
  /** Time limit of one layout, from the moment a ready worker starts it. */
  timeoutMs: number;
  /** Worker threads at most. */
  workers: number;
  /** How long a job may wait while every worker is busy before it answers `error`. */
  maxWaitMs: number;
  /** Jobs that may wait for a worker; past it `layout` answers `error` at once. */
  maxQueue: number;
  /** Receives what Graphviz prints (one line of at most 4 KiB at a time). */
  onGraphvizOutput?: ((text: string) => void) | undefined;
}

export interface WorkerPoolStats {
  /** Layouts started in a worker. */
  layouts: number;
  /** Workers currently alive. */
  workers: number;
  /** Jobs waiting for a worker. */
  queued: number;
}

/** Loading Graphviz in a new worker is not part of a layout's time limit, but it has its own. */
const WORKER_START_LIMIT_MS = 30_000;
export const CLOSED_MESSAGE = "diagram renderer is closed";

// Runs in the worker. Evaluated code is a CommonJS script or an ES module
// depending on the process's flags (`--input-type`), so it uses nothing but
// dynamic `import()`, which works in both. It loads Graphviz once, then lays out
// one DOT text per message; the main thread never sends a second job before the
// answer to the first, so a `terminate()` only ever abandons one layout.
const WORKER_SOURCE = `
"use strict";
import("node:worker_threads").then(async ({ parentPort, workerData }) => {
  // Graphviz prints warnings with console.log/error (bound when it loads); send
  // them to the main thread instead of the process's stdout and stderr.
  const forward = (...args) => parentPort.postMessage({ type: "output", text: args.join(" ").slice(0, 4096) });
  console.log = console.info = console.warn = console.error = console.debug = forward;
  try {
    const { Graphviz } = await import(workerData.graphvizUrl);
    const graphviz = await Graphviz.load();
    parentPort.on("message", ({ id, dot }) => {
      try {
        parentPort.postMessage({ type: "done", id, svg: graphviz.layout(dot, "svg", "dot") });
      } catch (error) {
        parentPort.postMessage({ type: "failed", id, message: String((error && error.message) || error) });
      }
    });
    parentPort.postMessage({ type: "ready" });
  } catch (error) {
    parentPort.postMessage({ type: "broken", message: String((error && error.stack) || error) });
  }
});
`;

type WorkerMessage =
  | { type: "ready" }
  | { type: "done"; id: number; svg: string }
  | { type: "failed"; id: number; message: string }
  | { type: "broken"; message: string }
  | { type: "output"; text: string };

let graphvizUrl: string | undefined;

/** Absolute file URL of the Graphviz package, resolved from this module wherever it runs from. */
function resolveGraphvizUrl(): string {
  graphvizUrl ??= pathToFileURL(createRequire(import.meta.url).resolve("@hpcc-js/wasm-graphviz")).href;
  return graphvizUrl;
}

/** What the pool's outcome of a layout means to the renderer. */
function toLayoutResult(outcome: Outcome<string>, maxWaitMs: number): LayoutResult {
  switch (outcome.kind) {
    case "done":
      return { status: "ok", svg: outcome.value };
    case "failed":
      return { status: "error", message: outcome.message };
    case "timeout":
      return { status: "timeout" };
    case "queue-full":
      return { status: "error", message: "too many diagrams waiting to be rendered" };
    case "waited-too-long":
      return { status: "error", message: `no diagram worker became free within ${maxWaitMs} ms` };
    case "closed":
      return { status: "error", message: CLOSED_MESSAGE };
  }
}

function describeFailure(failure: WorkerFailure): string {
  switch (failure.kind) {
    case "cannot-start":
      return `Graphviz worker cannot start: ${failure.error instanceof Error ? failure.error.message : String(failure.error)}`;
    case "start-timeout":
      return `Graphviz worker did not start within ${failure.limitMs} ms`;
    case "broken":
      return `Graphviz could not be loaded: ${failure.message}`;
    case "error":
      return `Graphviz worker failed: ${failure.error.message}`;
    case "exit":
      return `Graphviz worker exited with code ${failure.code}`;
  }
}

function startGraphvizWorker(): Worker {
  return new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { graphvizUrl: resolveGraphvizUrl() },
    // The JS heap only holds DOT and SVG strings; Graphviz's own memory is WASM memory.
    resourceLimits: { maxOldGenerationSizeMb: 512 },
  });
}

export class WorkerPool {
  private readonly pool: BoundedWorkerPool<string, string>;

  constructor(private readonly options: WorkerPoolOptions) {
    this.pool = new BoundedWorkerPool<string, string>({
      workers: options.workers,
      timeoutMs: options.timeoutMs,
      maxWaitMs: options.maxWaitMs,
      maxQueue: options.maxQueue,
      startLimitMs: WORKER_START_LIMIT_MS,
      // Replace the worker at once, so the next layout does not wait for Graphviz to load.
      replaceAfterTimeout: true,
      startWorker: startGraphvizWorker,
      post: (worker, id, dot) => worker.postMessage({ id, dot }),
      decode: (message) => this.decode(message as WorkerMessage),
      describeFailure,
    });
  }

  /** Lays out `dot` in a worker. Never rejects. */
  layout(dot: string): Promise<LayoutResult> {
    return this.pool.run(dot).then((outcome) => toLayoutResult(outcome, this.options.maxWaitMs));
  }

  stats(): WorkerPoolStats {
    const { started, workers, queued } = this.pool.stats();
    return { layouts: started, workers, queued };
  }

  /** Terminates the workers; pending and later jobs answer `error`. */
  close(): Promise<void> {
    return this.pool.close();
  }

  private decode(message: WorkerMessage): WorkerReply<string> | undefined {
    switch (message.type) {
      case "output":
        this.options.onGraphvizOutput?.(message.text);
        return undefined;
      case "done":
        return { type: "answer", id: message.id, outcome: { kind: "done", value: message.svg } };
      case "failed":
        return {
          type: "answer",
          id: message.id,
          outcome: { kind: "failed", message: `Graphviz could not lay out the diagram: ${message.message.trim()}` },
          // A Graphviz error may leave the WASM instance in a bad state: start afresh.
          retire: true,
        };
      default:
        return message;
    }
  }
}
