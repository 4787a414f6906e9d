// Renders DOT to SVG with Graphviz (WASM) in worker threads, so a slow layout
// never blocks the event loop (docs/usage.md). Each render has a time limit;
// past it the worker is terminated and replaced. Results are cached by the
// SHA-256 of the DOT text, which is also the ETag.
//
// The worker's code is a string evaluated by `new Worker(code, { eval: true })`
// and Graphviz is imported from an absolute file URL resolved here, so the
// service works the same from TypeScript sources (vitest, tsx) and from the
// compiled `dist/` tree, with no separate worker file to locate or copy.
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

export type RenderResult =
  | { status: "ok"; svg: string; etag: string }
  | { status: "timeout" }
  | { status: "error"; message: string };

export interface DiagramRendererOptions {
  /** Time limit of one layout, from the moment a ready worker starts it. Default 10 000 ms. */
  timeoutMs?: number;
  /** Worker threads, 1 or 2. Default: 1 on machines with up to 2 cores (one core stays with the server), else 2. */
  workers?: number;
  /** Rendered SVGs kept in the LRU cache. Default 32. */
  cacheEntries?: number;
  /** Total UTF-8 bytes of cached SVGs; a larger SVG is served but not cached. Default 32 MiB. */
  cacheBytes?: number;
  /**
   * How long a DOT that hit the time limit answers `timeout` at once instead of
   * being laid out again. Default 10 minutes. Any edit to the project changes
   * the DOT and so is tried afresh; reloading the page is not.
   */
  timeoutMemoryMs?: number;
  /**
   * How long a render may wait while every worker is busy before it answers
   * `error` (not remembered, unlike a timeout). Default twice `timeoutMs`, so
   * a render answers within about three time limits even when many wait.
   */
  maxWaitMs?: number;
  /** Distinct DOT texts that may wait for a worker; past it `render` answers `error` at once. Default 64. */
  maxQueue?: number;
  /**
   * Receives what Graphviz prints while it works (warnings such as
   * `triangulation failed`), one line of at most 4 KiB at a time. Without it
   * the text is dropped, so it never mixes with the server's own log output.
   */
  onGraphvizOutput?: (text: string) => void;
}

export interface DiagramRendererStats {
  /** Layouts started in a worker (cache hits and shared renders not counted). */
  layouts: number;
  cacheHits: number;
  timeouts: number;
  /** Workers currently alive. */
  workers: number;
  /** Renders waiting for a worker. */
  queued: number;
}

/** Bump when the SVG for a given DOT may change (Graphviz upgrade, post-processing), to invalidate ETags. */
const RENDER_VERSION = "conntrackt-diagram-1";
/** Loading Graphviz in a new worker is not part of a render's time limit, but it has its own. */
const WORKER_START_LIMIT_MS = 30_000;
const REMEMBERED_TIMEOUTS = 256;

/** The quoted strong ETag of the SVG `DiagramRenderer.render` gives for `dot`, without rendering. */
export function diagramEtag(dot: string): string {
  return `"${dotHash(dot)}"`;
}

function dotHash(dot: string): string {
  return createHash("sha256").update(RENDER_VERSION).update("\0").update(dot).digest("hex");
}

// Runs in the worker. Evaluated code is a CommonJS script or an ES module
// depending on the process's flags (`--input-type`), so it uses nothing but
// dynamic `import()`, which works in both. It loads Graphviz once, then lays out
// one DOT text per message; the main thread never sends a second job before the
// answer to the first, so a `terminate()` only ever abandons one render.
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
  hash: string;
  dot: string;
  resolve: (result: RenderResult) => void;
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

export class DiagramRenderer {
  private readonly timeoutMs: number;
  private readonly maxWorkers: number;
  private readonly cacheEntries: number;
  private readonly cacheBytes: number;
  private readonly timeoutMemoryMs: number;
  private readonly maxWaitMs: number;
  private readonly maxQueue: number;
  private readonly onGraphvizOutput: ((text: string) => void) | undefined;

  /** LRU: Map keeps insertion order, a hit moves the entry to the end. */
  private readonly cache = new Map<string, { svg: string; bytes: number }>();
  private cachedBytes = 0;
  /** DOT hash → time until which it answers `timeout` without a new layout. */
  private readonly timedOut = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<RenderResult>>();
  private readonly queue: Job[] = [];
  private readonly slots: Slot[] = [];
  private nextJobId = 1;
  private closed = false;
  private readonly counters = { layouts: 0, cacheHits: 0, timeouts: 0 };

  constructor(options: DiagramRendererOptions = {}) {
    this.timeoutMs = positive("timeoutMs", options.timeoutMs ?? 10_000);
    this.maxWorkers = Math.min(2, positive("workers", options.workers ?? (availableParallelism() <= 2 ? 1 : 2)));
    this.cacheEntries = nonNegative("cacheEntries", options.cacheEntries ?? 32);
    this.cacheBytes = nonNegative("cacheBytes", options.cacheBytes ?? 32 * 1024 * 1024);
    this.timeoutMemoryMs = nonNegative("timeoutMemoryMs", options.timeoutMemoryMs ?? 10 * 60_000);
    this.maxWaitMs = nonNegative("maxWaitMs", options.maxWaitMs ?? 2 * this.timeoutMs);
    this.maxQueue = nonNegative("maxQueue", options.maxQueue ?? 64);
    this.onGraphvizOutput = options.onGraphvizOutput;
  }

  /**
   * SVG of `dot` laid out by Graphviz `dot`. Never rejects: a layout past the
   * time limit gives `timeout`, anything else that goes wrong gives `error`.
   * The SVG carries no DOCTYPE and is checked to hold only plain drawing
   * elements (no script, link, image, foreign object or event attribute).
   */
  render(dot: string): Promise<RenderResult> {
    if (this.closed) return Promise.resolve({ status: "error", message: "diagram renderer is closed" });
    const hash = dotHash(dot);

    const cached = this.cache.get(hash);
    if (cached) {
      this.cache.delete(hash);
      this.cache.set(hash, cached);
      this.counters.cacheHits++;
      return Promise.resolve({ status: "ok", svg: cached.svg, etag: `"${hash}"` });
    }
    const timedOutUntil = this.timedOut.get(hash);
    if (timedOutUntil !== undefined) {
      if (timedOutUntil > Date.now()) return Promise.resolve({ status: "timeout" });
      this.timedOut.delete(hash);
    }
    const pending = this.inFlight.get(hash);
    if (pending) return pending;
    if (this.queue.length >= this.maxQueue) {
      return Promise.resolve({ status: "error", message: "too many diagrams waiting to be rendered" });
    }

    const promise = new Promise<RenderResult>((resolve) => {
      const job: Job = { id: this.nextJobId++, hash, dot, resolve };
      const giveUp = () => {
        const index = this.queue.indexOf(job);
        if (index === -1) return;
        // Waiting for Graphviz to load is covered by the worker start limit, not by this one.
        if (!this.slots.some((slot) => slot.job)) {
          job.waitTimer = setTimeout(giveUp, this.maxWaitMs);
          return;
        }
        this.queue.splice(index, 1);
        resolve({ status: "error", message: `no diagram worker became free within ${this.maxWaitMs} ms` });
      };
      job.waitTimer = setTimeout(giveUp, this.maxWaitMs);
      this.queue.push(job);
    }).then((result) => {
      this.inFlight.delete(hash);
      return this.finish(hash, result);
    });
    this.inFlight.set(hash, promise);
    this.dispatch();
    return promise;
  }

  stats(): DiagramRendererStats {
    return { ...this.counters, workers: this.slots.length, queued: this.queue.length };
  }

  /** Terminates the workers; pending and later renders answer `error`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) {
      clearTimeout(job.waitTimer);
      job.resolve({ status: "error", message: "diagram renderer is closed" });
    }
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      clearTimeout(slot.timer);
      slot.job?.resolve({ status: "error", message: "diagram renderer is closed" });
      slot.job = undefined;
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private finish(hash: string, result: RenderResult): RenderResult {
    if (result.status === "timeout") {
      this.counters.timeouts++;
      this.timedOut.delete(hash);
      this.timedOut.set(hash, Date.now() + this.timeoutMemoryMs);
      while (this.timedOut.size > REMEMBERED_TIMEOUTS)
        this.timedOut.delete(this.timedOut.keys().next().value as string);
    }
    if (result.status !== "ok") return result;
    const svg = sanitiseSvg(result.svg);
    if (typeof svg !== "string") return svg;
    this.remember(hash, svg);
    return { status: "ok", svg, etag: `"${hash}"` };
  }

  private remember(hash: string, svg: string): void {
    const bytes = Buffer.byteLength(svg);
    if (this.cacheEntries === 0 || bytes > this.cacheBytes) return;
    this.cache.set(hash, { svg, bytes });
    this.cachedBytes += bytes;
    while (this.cache.size > this.cacheEntries || this.cachedBytes > this.cacheBytes) {
      const [oldest, entry] = this.cache.entries().next().value as [string, { bytes: number }];
      this.cache.delete(oldest);
      this.cachedBytes -= entry.bytes;
    }
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const idle = this.slots.find((slot) => slot.ready && !slot.job);
      if (idle) {
        this.start(idle, this.queue.shift() as Job);
        continue;
      }
      const starting = this.slots.filter((slot) => !slot.ready).length;
      if (this.slots.length < this.maxWorkers && starting < this.queue.length) {
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
    this.counters.layouts++;
    slot.timer = setTimeout(() => {
      this.retire(slot);
      job.resolve({ status: "timeout" });
      // Replace the worker now, so the next render does not wait for Graphviz to load.
      if (!this.closed && this.slots.length < this.maxWorkers) this.spawn();
    }, this.timeoutMs);
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
      this.onGraphvizOutput?.(message.text);
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
            ? { status: "ok", svg: message.svg, etag: `"${job.hash}"` }
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

// Elements Graphviz writes for plain `dot -Tsvg` output with the attributes
// buildProjectDot uses. Anything else (script, a, image, foreignObject, use …)
// can only come from DOT that asks for it and is refused.
const SVG_ELEMENTS = new Set([
  "svg",
  "g",
  "title",
  "text",
  "path",
  "polygon",
  "polyline",
  "ellipse",
  "circle",
  "rect",
  "line",
  "defs",
  "lineargradient",
  "radialgradient",
  "stop",
]);
const TAG = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
const ATTRIBUTE = /\s+([^\s=/>]+)\s*=/g;

/**
 * Drops the DOCTYPE (its external DTD is useless to browsers and XML tooling
 * should not fetch it) and checks that the SVG holds only drawing elements
 * without event handlers, links or styles. Graphviz escapes label text, so
 * every `<` in its output starts markup that Graphviz itself wrote.
 */
export function sanitiseSvg(svg: string): string | { status: "error"; message: string } {
  const out = svg.replace(/<!DOCTYPE[^>[]*>\s*/, "");
  const refuse = (what: string) => ({ status: "error" as const, message: `rendered SVG refused: ${what}` });
  for (let at = out.indexOf("<"); at !== -1; at = out.indexOf("<", at + 1)) {
    if (out.startsWith("<!--", at)) {
      at = out.indexOf("-->", at);
      if (at === -1) return refuse("unterminated comment");
      continue;
    }
    if (out.startsWith("<?xml ", at) && at === 0) continue;
    TAG.lastIndex = at;
    const tag = TAG.exec(out);
    if (!tag) return refuse(`unexpected markup at offset ${at}`);
    const name = (tag[2] ?? "").toLowerCase();
    if (!SVG_ELEMENTS.has(name)) return refuse(`<${name}> element`);
    for (const [, attribute = ""] of (tag[3] ?? "").matchAll(ATTRIBUTE)) {
      const lower = attribute.toLowerCase();
      if (lower.startsWith("on") || lower.endsWith("href") || lower === "style") {
        return refuse(`${attribute} attribute on <${name}>`);
      }
    }
  }
  return out;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`DiagramRenderer option ${name} must be a positive number`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`DiagramRenderer option ${name} must be a non-negative number`);
  }
  return value;
}
