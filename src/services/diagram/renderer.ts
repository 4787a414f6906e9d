// DiagramRenderer (docs/architecture.md, Diagram rendering): DOT in, checked
// SVG out. It puts together the worker pool (layout under a time limit), the
// render cache (LRU by DOT hash, which is the ETag; remembered timeouts) and
// the SVG policy (what a served diagram may contain), and shares one layout
// between concurrent requests for the same DOT. A DOT asking for fdp that fdp
// cannot lay out is laid out again by dot (src/domain/dot.ts withoutFdp).
import { availableParallelism } from "node:os";
import { withoutFdp } from "../../domain/dot.js";
import { dotHash, etagOf, SvgCache, TimeoutMemory } from "./cache.js";
import { CLOSED_MESSAGE, type LayoutResult, WorkerPool } from "./pool.js";
import { sanitiseSvg } from "./svg-policy.js";

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

export class DiagramRenderer {
  private readonly pool: WorkerPool;
  private readonly cache: SvgCache;
  private readonly timedOut: TimeoutMemory;
  private readonly inFlight = new Map<string, Promise<RenderResult>>();
  private closed = false;
  private readonly counters = { cacheHits: 0, timeouts: 0 };

  constructor(options: DiagramRendererOptions = {}) {
    const timeoutMs = positive("timeoutMs", options.timeoutMs ?? 10_000);
    this.pool = new WorkerPool({
      timeoutMs,
      workers: Math.min(2, positive("workers", options.workers ?? (availableParallelism() <= 2 ? 1 : 2))),
      maxWaitMs: nonNegative("maxWaitMs", options.maxWaitMs ?? 2 * timeoutMs),
      maxQueue: nonNegative("maxQueue", options.maxQueue ?? 64),
      onGraphvizOutput: options.onGraphvizOutput,
    });
    this.cache = new SvgCache(
      nonNegative("cacheEntries", options.cacheEntries ?? 32),
      nonNegative("cacheBytes", options.cacheBytes ?? 32 * 1024 * 1024),
    );
    this.timedOut = new TimeoutMemory(nonNegative("timeoutMemoryMs", options.timeoutMemoryMs ?? 10 * 60_000));
  }

  /**
   * SVG of `dot` laid out by Graphviz `dot`. Never rejects: a layout past the
   * time limit gives `timeout`, anything else that goes wrong gives `error`.
   * The SVG carries no DOCTYPE and is checked to hold only plain drawing
   * elements (no script, link, image, foreign object or event attribute).
   */
  render(dot: string): Promise<RenderResult> {
    if (this.closed) return Promise.resolve({ status: "error", message: CLOSED_MESSAGE });
    const hash = dotHash(dot);
    const cached = this.cache.get(hash);
    if (cached !== undefined) {
      this.counters.cacheHits++;
      return Promise.resolve({ status: "ok", svg: cached, etag: etagOf(hash) });
    }
    if (this.timedOut.has(hash)) return Promise.resolve({ status: "timeout" });
    const pending = this.inFlight.get(hash);
    if (pending) return pending;

    const promise = this.pool
      .layout(dot)
      .then((result) =>
        result.status === "error" && withoutFdp(dot) !== dot ? this.pool.layout(withoutFdp(dot)) : result,
      )
      .then((result) => {
        this.inFlight.delete(hash);
        return this.finish(hash, result);
      });
    this.inFlight.set(hash, promise);
    return promise;
  }

  /**
   * What `render(dot)` would answer at once, without waiting: `ok` when the SVG
   * is cached, `timeout` while its timeout is remembered, otherwise `pending`
   * (being laid out or not yet asked for). Counts no cache hit.
   */
  peek(dot: string): "ok" | "timeout" | "pending" {
    const hash = dotHash(dot);
    if (this.cache.has(hash)) return "ok";
    return this.timedOut.has(hash) ? "timeout" : "pending";
  }

  stats(): DiagramRendererStats {
    return { ...this.counters, ...this.pool.stats() };
  }

  /** Terminates the workers; pending and later renders answer `error`. */
  async close(): Promise<void> {
    this.closed = true;
    await this.pool.close();
  }

  private finish(hash: string, result: LayoutResult): RenderResult {
    if (result.status === "timeout") {
      this.counters.timeouts++;
      this.timedOut.remember(hash);
      return result;
    }
    if (result.status !== "ok") return result;
    const svg = sanitiseSvg(result.svg);
    if (typeof svg !== "string") return svg;
    this.cache.set(hash, svg);
    return { status: "ok", svg, etag: etagOf(hash) };
  }
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
