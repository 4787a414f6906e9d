// The bounded pool of worker threads (docs/architecture.md, Diagram rendering)
// that the diagram renderer (diagram/pool.ts, Graphviz layouts) and the drift
// check (drift-worker-pool.ts, docs/drift.md) both run on: few workers, one job
// at a time in each, a start limit per worker, a time limit per job (past it
// the worker is terminated and replaced), a bounded queue, each job waiting a
// bounded time (not counting while no worker is ready yet), and close()
// refusing pending and later jobs. A job never rejects: it resolves with an
// Outcome, which each adapter maps onto its own answers and error classes.
import type { Worker } from "node:worker_threads";

/** How one job ended. */
export type Outcome<Result> =
  | { kind: "done"; value: Result }
  | { kind: "failed"; message: string }
  | { kind: "timeout" }
  | { kind: "queue-full" }
  | { kind: "waited-too-long" }
  | { kind: "closed" };

/** A worker's answer to one job: its value, or why it failed (`retire` replaces the worker afterwards). */
export type Answer<Result> = {
  type: "answer";
  id: number;
  outcome: { kind: "done"; value: Result } | { kind: "failed"; message: string };
  retire?: boolean;
};

/** What a worker's message means to the pool: loaded, unable to load, or an answer. */
export type WorkerReply<Result> = { type: "ready" } | { type: "broken"; message: string } | Answer<Result>;

/** Why a worker left service without answering; `describeFailure` words it for the jobs it fails. */
export type WorkerFailure =
  | { kind: "cannot-start"; error: unknown }
  | { kind: "start-timeout"; limitMs: number }
  | { kind: "broken"; message: string }
  | { kind: "error"; error: Error }
  | { kind: "exit"; code: number };

export interface BoundedWorkerPoolOptions<Job, Result> {
  /** Worker threads at most. */
  workers: number;
  /** Time limit of one job, from the moment a ready worker starts it. */
  timeoutMs: number;
  /** How long a job may wait while some worker is busy before it answers `waited-too-long`. */
  maxWaitMs: number;
  /** Jobs that may wait for a worker; past it a job answers `queue-full` at once. */
  maxQueue: number;
  /** Time a new worker has to post `ready`. */
  startLimitMs: number;
  /** Start a new worker right after a timeout, before any job asks for one. */
  replaceAfterTimeout?: boolean;
  /** A new worker, which posts a message decoded as `ready` once loaded. May throw. */
  startWorker: () => Worker;
  /** Sends one job to a ready, idle worker. */
  post: (worker: Worker, id: number, job: Job) => void;
  /** Reads each message of a worker; `undefined` for one that is not for the pool (the decoder may act on it). */
  decode: (message: unknown) => WorkerReply<Result> | undefined;
  describeFailure: (failure: WorkerFailure) => string;
}

interface Pending<Job, Result> {
  id: number;
  job: Job;
  resolve: (outcome: Outcome<Result>) => void;
  waitTimer?: NodeJS.Timeout;
}

interface Slot<Job, Result> {
  worker: Worker;
  ready: boolean;
  job: Pending<Job, Result> | undefined;
  timer: NodeJS.Timeout | undefined;
}

export class BoundedWorkerPool<Job, Result> {
  private readonly queue: Pending<Job, Result>[] = [];
  private readonly slots: Slot<Job, Result>[] = [];
  private nextJobId = 1;
  private started = 0;
  private closed = false;

  constructor(private readonly options: BoundedWorkerPoolOptions<Job, Result>) {}

  /** Runs `job` in a worker. Never rejects. */
  run(job: Job): Promise<Outcome<Result>> {
    if (this.closed) return Promise.resolve({ kind: "closed" });
    if (this.queue.length >= this.options.maxQueue) return Promise.resolve({ kind: "queue-full" });
    const { maxWaitMs } = this.options;
    const promise = new Promise<Outcome<Result>>((resolve) => {
      const pending: Pending<Job, Result> = { id: this.nextJobId++, job, resolve };
      const giveUp = () => {
        const index = this.queue.indexOf(pending);
        if (index === -1) return;
        // Waiting for a worker to start is covered by the start limit, not by this one.
        if (!this.slots.some((slot) => slot.job)) {
          pending.waitTimer = setTimeout(giveUp, maxWaitMs);
          return;
        }
        this.queue.splice(index, 1);
        resolve({ kind: "waited-too-long" });
      };
      pending.waitTimer = setTimeout(giveUp, maxWaitMs);
      this.queue.push(pending);
    });
    this.dispatch();
    return promise;
  }

  /** Jobs started in a worker, workers alive, jobs waiting. */
  stats(): { started: number; workers: number; queued: number } {
    return { started: this.started, workers: this.slots.length, queued: this.queue.length };
  }

  /** Terminates the workers; pending and later jobs answer `closed`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) {
      clearTimeout(pending.waitTimer);
      pending.resolve({ kind: "closed" });
    }
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      clearTimeout(slot.timer);
      slot.job?.resolve({ kind: "closed" });
      slot.job = undefined;
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      const idle = this.slots.find((slot) => slot.ready && !slot.job);
      if (idle) {
        this.start(idle, this.queue.shift() as Pending<Job, Result>);
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

  private start(slot: Slot<Job, Result>, pending: Pending<Job, Result>): void {
    clearTimeout(pending.waitTimer);
    slot.job = pending;
    slot.worker.ref();
    this.started++;
    slot.timer = setTimeout(() => {
      this.retire(slot);
      pending.resolve({ kind: "timeout" });
      // Replace the worker now, so the next job does not wait for one to load.
      if (this.options.replaceAfterTimeout && !this.closed && this.slots.length < this.options.workers) this.spawn();
    }, this.options.timeoutMs);
    this.options.post(slot.worker, pending.id, pending.job);
  }

  private spawn(): void {
    let worker: Worker;
    try {
      worker = this.options.startWorker();
    } catch (error) {
      this.failQueue(this.options.describeFailure({ kind: "cannot-start", error }));
      return;
    }
    const slot: Slot<Job, Result> = { worker, ready: false, job: undefined, timer: undefined };
    this.slots.push(slot);
    const { startLimitMs } = this.options;
    slot.timer = setTimeout(() => this.fail(slot, { kind: "start-timeout", limitMs: startLimitMs }), startLimitMs);
    worker.on("message", (message: unknown) => this.onMessage(slot, message));
    worker.on("error", (error: Error) => this.fail(slot, { kind: "error", error }));
    worker.on("exit", (code: number) => this.fail(slot, { kind: "exit", code }));
  }

  private onMessage(slot: Slot<Job, Result>, message: unknown): void {
    const reply = this.options.decode(message);
    if (reply === undefined || !this.slots.includes(slot)) return;
    if (reply.type === "broken") {
      this.fail(slot, { kind: "broken", message: reply.message });
      return;
    }
    clearTimeout(slot.timer);
    slot.timer = undefined;
    if (reply.type === "ready") {
      slot.ready = true;
    } else {
      const pending = slot.job;
      slot.job = undefined;
      if (pending?.id === reply.id) pending.resolve(reply.outcome);
      if (reply.retire) this.retire(slot);
    }
    // An idle worker must not keep the process alive.
    if (!slot.job) slot.worker.unref();
    this.dispatch();
  }

  /** A worker died or never started: its job fails, and if no worker can start, the queue too. */
  private fail(slot: Slot<Job, Result>, failure: WorkerFailure): void {
    if (!this.slots.includes(slot)) return;
    const message = this.options.describeFailure(failure);
    const wasReady = slot.ready;
    const pending = slot.job;
    this.retire(slot);
    pending?.resolve({ kind: "failed", message });
    if (!wasReady && this.slots.every((other) => !other.ready)) this.failQueue(message);
    this.dispatch();
  }

  private failQueue(message: string): void {
    for (const queued of this.queue.splice(0)) {
      clearTimeout(queued.waitTimer);
      queued.resolve({ kind: "failed", message });
    }
  }

  /** Removes a worker from service and terminates it; `dispatch` starts a new one when work waits. */
  private retire(slot: Slot<Job, Result>): void {
    const index = this.slots.indexOf(slot);
    if (index === -1) return;
    this.slots.splice(index, 1);
    clearTimeout(slot.timer);
    slot.job = undefined;
    void slot.worker.terminate();
    queueMicrotask(() => this.dispatch());
  }
}
