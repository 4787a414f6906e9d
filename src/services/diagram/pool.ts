// The Graphviz worker pool (docs/architecture.md, Diagram rendering): lays out
// DOT in worker threads, so a slow layout never blocks the event loop. Each
// layout has a time limit; past it the worker is terminated and replaced.
// Jobs wait in a bounded queue, each for a bounded time.
//
// The worker's code is a string evaluated by `new Worker(code, { eval: true })`
// and Graphviz is imported from an absolute file URL resolved here, so the
// pool works the same from TypeScript sources (vitest, tsx) and from the
// compiled `dist/` tree, with no separate worker file to locate or copy.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

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

interface Job {
  id: number;
  dot: string;
  resolve: (result: LayoutResult) => void;
  waitTimer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | undefined;
  timer: NodeJS.Timeout | undefined;
}

let graphvizUrl: string | undefined;

/** Absolute file URL of the Graphviz package, resolved from this module wherever it runs from. */
function resolveGraphvizUrl(): string {
  graphvizUrl ??= pathToFileURL(createRequire(import.meta.url).resolve("@hpcc-js/wasm-graphviz")).href;
  return graphvizUrl;
}

export class WorkerPool {
  private readonly queue: Job[] = [];
  private readonly slots: Slot[] = [];
  private nextJobId = 1;
  private closed = false;
  private layouts = 0;

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Lays out `dot` in a worker. Never rejects. */
  layout(dot: string): Promise<LayoutResult> {
    if (this.closed) return Promise.resolve({ status: "error", message: CLOSED_MESSAGE });
    if (this.queue.length >= this.options.maxQueue) {
      return Promise.resolve({ status: "error", message: "too many diagrams waiting to be rendered" });
    }
    const { maxWaitMs } = this.options;
    const promise = new Promise<LayoutResult>((resolve) => {
      const job: Job = { id: this.nextJobId++, dot, resolve };
      const giveUp = () => {
        const index = this.queue.indexOf(job);
        if (index === -1) return;
        // Waiting for Graphviz to load is covered by the worker start limit, not by this one.
        if (!this.slots.some((slot) => slot.job)) {
          job.waitTimer = setTimeout(giveUp, maxWaitMs);
          return;
        }
        this.queue.splice(index, 1);
        resolve({ status: "error", message: `no diagram worker became free within ${maxWaitMs} ms` });
      };
      job.waitTimer = setTimeout(giveUp, maxWaitMs);
      this.queue.push(job);
    });
    this.dispatch();
    return promise;
  }

  stats(): WorkerPoolStats {
    return { layouts: this.layouts, workers: this.slots.length, queued: this.queue.length };
  }

  /** Terminates the workers; pending and later jobs answer `error`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) {
      clearTimeout(job.waitTimer);
      job.resolve({ status: "error", message: CLOSED_MESSAGE });
    }
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      clearTimeout(slot.timer);
      slot.job?.resolve({ status: "error", message: CLOSED_MESSAGE });
      slot.job = undefined;
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const idle = this.slots.find((slot) => slot.ready && !slot.job);
      if (idle) {
        this.start(idle, this.queue.shift() as Job);
        continue;
      }
      const starting = this.slots.filter((slot) => !slot.ready).length;
      if (this.slots.length < this.options.workers && starting < this.queue.length) {
        this.spawn();
        continue;
      }
      break;
    }
  }

  private start(slot: Slot, job: Job): void {
    clearTimeout(job.waitTimer);
    slot.job = job;
    slot.worker.ref();
    this.layouts++;
    slot.timer = setTimeout(() => {
      this.retire(slot);
      job.resolve({ status: "timeout" });
      // Replace the worker now, so the next layout does not wait for Graphviz to load.
      if (!this.closed && this.slots.length < this.options.workers) this.spawn();
    }, this.options.timeoutMs);
    slot.worker.postMessage({ id: job.id, dot: job.dot });
  }

  private spawn(): void {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { graphvizUrl: resolveGraphvizUrl() },
      // The JS heap only holds DOT and SVG strings; Graphviz's own memory is WASM memory.
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    const slot: Slot = { worker, ready: false, job: undefined, timer: undefined };
    this.slots.push(slot);
    slot.timer = setTimeout(
      () => this.fail(slot, `Graphviz worker did not start within ${WORKER_START_LIMIT_MS} ms`),
      WORKER_START_LIMIT_MS,
    );
    worker.on("message", (message: WorkerMessage) => this.onMessage(slot, message));
    worker.on("error", (error) => this.fail(slot, `Graphviz worker failed: ${error.message}`));
    worker.on("exit", (code) => this.fail(slot, `Graphviz worker exited with code ${code}`));
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    if (message.type === "output") {
      this.options.onGraphvizOutput?.(message.text);
      return;
    }
    if (!this.slots.includes(slot)) return;
    if (message.type === "broken") {
      this.fail(slot, `Graphviz could not be loaded: ${message.message}`);
      return;
    }
    clearTimeout(slot.timer);
    slot.timer = undefined;
    if (message.type === "ready") {
      slot.ready = true;
    } else {
      const job = slot.job;
      slot.job = undefined;
      if (job?.id === message.id) {
        job.resolve(
          message.type === "done"
            ? { status: "ok", svg: message.svg }
            : { status: "error", message: `Graphviz could not lay out the diagram: ${message.message.trim()}` },
        );
      }
      // A Graphviz error may leave the WASM instance in a bad state: start afresh.
      if (message.type === "failed") this.retire(slot);
    }
    // An idle worker must not keep the process alive.
    if (!slot.job) slot.worker.unref();
    this.dispatch();
  }

  /** A worker died or never started: its job and, if no worker can start, the queue fail with `message`. */
  private fail(slot: Slot, message: string): void {
    if (!this.slots.includes(slot)) return;
    const wasReady = slot.ready;
    const job = slot.job;
    this.retire(slot);
    job?.resolve({ status: "error", message });
    if (!wasReady && this.slots.every((other) => !other.ready)) {
      for (const queued of this.queue.splice(0)) {
        clearTimeout(queued.waitTimer);
        queued.resolve({ status: "error", message });
      }
    }
    this.dispatch();
  }

  /** Removes a worker from service and terminates it; `dispatch` starts a new one when work waits. */
  private retire(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index === -1) return;
    this.slots.splice(index, 1);
    clearTimeout(slot.timer);
    slot.job = undefined;
    void slot.worker.terminate();
    queueMicrotask(() => this.dispatch());
  }
}
