// The drift check's worker pool (docs/drift.md, "Where"): checking 2 MiB of
// host rules takes a fraction of a second to seconds of CPU, so the server runs
// checkDrift in worker threads (src/services/drift-worker.ts) and its event
// loop keeps answering other requests meanwhile. The machinery is the bounded
// pool the diagram renderer uses too (src/services/worker-pool.ts): few
// workers, a time limit per check (past it the worker is terminated and
// replaced), a bounded queue, each job waiting a bounded time; when it is full
// a check is refused at once with DriftCheckUnavailable, which the pages and
// the API answer with a 503. Workers start in drift-worker-start.ts.
import { availableParallelism } from "node:os";
import type { GeneratedFiles } from "../domain/drift/check.js";
import { DriftInputError, type DriftResult } from "../domain/drift/types.js";
import type { DriftJob, DriftWorkerMessage } from "./drift-worker.js";
import { type BrokenWorkerMessage, startDriftWorker } from "./drift-worker-start.js";
import { BoundedWorkerPool, type Outcome, type WorkerFailure, type WorkerReply } from "./worker-pool.js";

/** The check could not run now (the pool is full, the check took too long, the server is closing); try again later. */
export class DriftCheckUnavailable extends Error {
  override name = "DriftCheckUnavailable";
}

export interface DriftWorkerPoolOptions {
  /** Time limit of one check, from the moment a ready worker starts it. Default 20 000 ms. */
  timeoutMs?: number;
  /** Worker threads at most. Default: 1 on machines with up to 2 cores (one core stays with the server), else 2. */
  workers?: number;
  /** How long a check may wait while every worker is busy. Default: the time limit. */
  maxWaitMs?: number;
  /** Checks that may wait for a worker (each holds up to 2 MiB of text); past it a check is refused at once. Default 8. */
  maxQueue?: number;
}

export interface DriftWorkerPoolStats {
  /** Checks started in a worker. */
  checks: number;
  /** Workers currently alive. */
  workers: number;
  /** Checks waiting for a worker. */
  queued: number;
}

/** Loading the check's modules in a new worker is not part of a check's time limit, but it has its own. */
const WORKER_START_LIMIT_MS = 30_000;
const CLOSED = "The server is shutting down; try the drift check again in a moment.";

/** A worker's answer to one check: the result, or the message of a DriftInputError. */
type Answer = { result: DriftResult } | { refused: string };

function describeFailure(failure: WorkerFailure): string {
  switch (failure.kind) {
    case "cannot-start":
      return `the drift check worker cannot start: ${failure.error instanceof Error ? failure.error.message : String(failure.error)}`;
    case "start-timeout":
      return `the drift check worker did not start within ${duration(failure.limitMs)}`;
    case "broken":
      return `the drift check worker could not load its modules: ${failure.message}`;
    case "error":
      return `the drift check worker failed: ${failure.error.message}`;
    case "exit":
      return `the drift check worker exited with code ${failure.code}`;
  }
}

function decode(message: DriftWorkerMessage | BrokenWorkerMessage): WorkerReply<Answer> {
  switch (message.type) {
    case "done":
      return { type: "answer", id: message.id, outcome: { kind: "done", value: { result: message.result } } };
    case "refused":
      return { type: "answer", id: message.id, outcome: { kind: "done", value: { refused: message.message } } };
    case "failed":
      return {
        type: "answer",
        id: message.id,
        outcome: { kind: "failed", message: `the drift check failed in its worker: ${message.message}` },
      };
    default:
      return message;
  }
}

export class DriftWorkerPool {
  private readonly pool: BoundedWorkerPool<Omit<DriftJob, "id">, Answer>;
  private readonly timeoutMs: number;
  private readonly maxWaitMs: number;

  constructor(options: DriftWorkerPoolOptions = {}) {
    this.timeoutMs = positive("timeoutMs", options.timeoutMs ?? 20_000);
    const workers = Math.round(positive("workers", options.workers ?? (availableParallelism() <= 2 ? 1 : 2)));
    this.maxWaitMs = positive("maxWaitMs", options.maxWaitMs ?? this.timeoutMs);
    const maxQueue = Math.round(positive("maxQueue", options.maxQueue ?? 8));
    this.pool = new BoundedWorkerPool({
      workers,
      timeoutMs: this.timeoutMs,
      maxWaitMs: this.maxWaitMs,
      maxQueue,
      startLimitMs: WORKER_START_LIMIT_MS,
      startWorker: startDriftWorker,
      post: (worker, id, { files, hostText }) => worker.postMessage({ id, files, hostText } satisfies DriftJob),
      decode: (message) => decode(message as DriftWorkerMessage | BrokenWorkerMessage),
      describeFailure,
    });
  }

  /**
   * checkDrift(files, hostText) in a worker. Rejects with DriftInputError for
   * text it cannot read, DriftCheckUnavailable when it cannot run now, and an
   * Error for anything else (a worker that crashed, a bug in the check).
   */
  check(files: GeneratedFiles, hostText: string): Promise<DriftResult> {
    return this.pool.run({ files, hostText }).then((outcome) => this.settle(outcome));
  }

  stats(): DriftWorkerPoolStats {
    const { started, workers, queued } = this.pool.stats();
    return { checks: started, workers, queued };
  }

  /** Terminates the workers; pending and later checks are refused with DriftCheckUnavailable. */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** The check's result, or the error its outcome stands for. */
  private settle(outcome: Outcome<Answer>): DriftResult {
    switch (outcome.kind) {
      case "done":
        if ("refused" in outcome.value) throw new DriftInputError(outcome.value.refused);
        return outcome.value.result;
      case "failed":
        throw new Error(outcome.message);
      case "timeout":
        throw new DriftCheckUnavailable(
          `The drift check took longer than ${duration(this.timeoutMs)} and was stopped; try again when the server is less busy.`,
        );
      case "queue-full":
        throw new DriftCheckUnavailable("The server is busy with other drift checks; try again in a moment.");
      case "waited-too-long":
        throw new DriftCheckUnavailable(
          `The server is busy with other drift checks: none finished within ${duration(this.maxWaitMs)}; try again in a moment.`,
        );
      case "closed":
        throw new DriftCheckUnavailable(CLOSED);
    }
  }
}

const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`);

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`DriftWorkerPool option ${name} must be a positive number`);
  return value;
}
