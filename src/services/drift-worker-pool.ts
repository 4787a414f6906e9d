// The drift check's worker pool (docs/drift.md, "Where"): checking 2 MiB of
// host rules takes a fraction of a second to seconds of CPU, so the server runs
// checkDrift in worker threads (src/services/drift-worker.ts) and its event
// loop keeps answering other requests meanwhile. The pattern of the diagram
// pool (src/services/diagram/pool.ts): few workers, a time limit per check
// (past it the worker is terminated and replaced), a bounded queue, each job
// waiting a bounded time; when it is full a check is refused at once with
// DriftCheckUnavailable, which the pages and the API answer with a 503.
// Workers start in drift-worker-start.ts.
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import type { GeneratedFiles } from "../domain/drift/check.js";
import { DriftInputError, type DriftResult } from "../domain/drift/types.js";
import type { DriftJob, DriftWorkerMessage } from "./drift-worker.js";
import { type BrokenWorkerMessage, startDriftWorker } from "./drift-worker-start.js";

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

interface Job extends DriftJob {
  resolve: (result: DriftResult) => void;
  reject: (error: Error) => void;
  waitTimer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | undefined;
  timer: NodeJS.Timeout | undefined;
}

export class DriftWorkerPool {
  private readonly queue: Job[] = [];
  private readonly slots: Slot[] = [];
  private readonly timeoutMs: number;
  private readonly workers: number;
  private readonly maxWaitMs: number;
  private readonly maxQueue: number;
  private nextJobId = 1;
  private checks = 0;
  private closed = false;

  constructor(options: DriftWorkerPoolOptions = {}) {
    this.timeoutMs = positive("timeoutMs", options.timeoutMs ?? 20_000);
    this.workers = Math.round(positive("workers", options.workers ?? (availableParallelism() <= 2 ? 1 : 2)));
    this.maxWaitMs = positive("maxWaitMs", options.maxWaitMs ?? this.timeoutMs);
    this.maxQueue = Math.round(positive("maxQueue", options.maxQueue ?? 8));
  }

  /**
   * checkDrift(files, hostText) in a worker. Rejects with DriftInputError for
   * text it cannot read, DriftCheckUnavailable when it cannot run now, and an
   * Error for anything else (a worker that crashed, a bug in the check).
   */
  check(files: GeneratedFiles, hostText: string): Promise<DriftResult> {
    if (this.closed) return Promise.reject(new DriftCheckUnavailable(CLOSED));
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(
        new DriftCheckUnavailable("The server is busy with other drift checks; try again in a moment."),
      );
    }
    const promise = new Promise<DriftResult>((resolve, reject) => {
      const job: Job = { id: this.nextJobId++, files, hostText, resolve, reject };
      const giveUp = () => {
        const index = this.queue.indexOf(job);
        if (index === -1) return;
        // Waiting for a worker to start is covered by the start limit, not by this one.
        if (!this.slots.some((slot) => slot.job)) {
          job.waitTimer = setTimeout(giveUp, this.maxWaitMs);
          return;
        }
        this.queue.splice(index, 1);
        reject(
          new DriftCheckUnavailable(
            `The server is busy with other drift checks: none finished within ${duration(this.maxWaitMs)}; try again in a moment.`,
          ),
        );
      };
      job.waitTimer = setTimeout(giveUp, this.maxWaitMs);
      this.queue.push(job);
    });
    this.dispatch();
    return promise;
  }

  stats(): DriftWorkerPoolStats {
    return { checks: this.checks, workers: this.slots.length, queued: this.queue.length };
  }

  /** Terminates the workers; pending and later checks are refused with DriftCheckUnavailable. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) {
      clearTimeout(job.waitTimer);
      job.reject(new DriftCheckUnavailable(CLOSED));
    }
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      clearTimeout(slot.timer);
      slot.job?.reject(new DriftCheckUnavailable(CLOSED));
      slot.job = undefined;
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      const idle = this.slots.find((slot) => slot.ready && !slot.job);
      if (idle) {
        this.start(idle, this.queue.shift() as Job);
        continue;
      }
      const starting = this.slots.filter((slot) => !slot.ready).length;
      if (this.slots.length < this.workers && starting < this.queue.length) {
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
    this.checks++;
    slot.timer = setTimeout(() => {
      this.retire(slot);
      job.reject(
        new DriftCheckUnavailable(
          `The drift check took longer than ${duration(this.timeoutMs)} and was stopped; try again when the server is less busy.`,
        ),
      );
    }, this.timeoutMs);
    slot.worker.postMessage({ id: job.id, files: job.files, hostText: job.hostText } satisfies DriftJob);
  }

  private spawn(): void {
    let worker: Worker;
    try {
      worker = startDriftWorker();
    } catch (error) {
      const message = `the drift check worker cannot start: ${error instanceof Error ? error.message : String(error)}`;
      for (const queued of this.queue.splice(0)) {
        clearTimeout(queued.waitTimer);
        queued.reject(new Error(message));
      }
      return;
    }
    const slot: Slot = { worker, ready: false, job: undefined, timer: undefined };
    this.slots.push(slot);
    slot.timer = setTimeout(
      () => this.fail(slot, `the drift check worker did not start within ${duration(WORKER_START_LIMIT_MS)}`),
      WORKER_START_LIMIT_MS,
    );
    worker.on("message", (message: DriftWorkerMessage | BrokenWorkerMessage) => this.onMessage(slot, message));
    worker.on("error", (error) => this.fail(slot, `the drift check worker failed: ${error.message}`));
    worker.on("exit", (code) => this.fail(slot, `the drift check worker exited with code ${code}`));
  }

  private onMessage(slot: Slot, message: DriftWorkerMessage | BrokenWorkerMessage): void {
    if (!this.slots.includes(slot)) return;
    if (message.type === "broken") {
      this.fail(slot, `the drift check worker could not load its modules: ${message.message}`);
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
        if (message.type === "done") job.resolve(message.result);
        else if (message.type === "refused") job.reject(new DriftInputError(message.message));
        else job.reject(new Error(`the drift check failed in its worker: ${message.message}`));
      }
    }
    // An idle worker must not keep the process alive.
    if (!slot.job) slot.worker.unref();
    this.dispatch();
  }

  /** A worker died or never started: its job fails, and if no worker can start, the queue too. */
  private fail(slot: Slot, message: string): void {
    if (!this.slots.includes(slot)) return;
    const wasReady = slot.ready;
    const job = slot.job;
    this.retire(slot);
    job?.reject(new Error(message));
    if (!wasReady && this.slots.every((other) => !other.ready)) {
      for (const queued of this.queue.splice(0)) {
        clearTimeout(queued.waitTimer);
        queued.reject(new Error(message));
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

const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`);

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`DriftWorkerPool option ${name} must be a positive number`);
  return value;
}
