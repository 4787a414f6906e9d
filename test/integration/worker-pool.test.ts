// The bounded worker pool both the diagram renderer and the drift check run on
// (src/services/worker-pool.ts), with a tiny evaluated worker instead of
// Graphviz or checkDrift: every Outcome, a worker retired after an answer that
// asks for it, the time limit with and without an eager replacement, a wait
// that does not count while no worker is ready yet, workers that cannot start,
// are broken, exit or never get ready, and close(). No database.
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import {
  BoundedWorkerPool,
  type BoundedWorkerPoolOptions,
  type WorkerFailure,
  type WorkerReply,
} from "../../src/services/worker-pool.js";

/** What the tiny worker is asked to do: answer `text`, first blocking its thread `sleepMs`; or fail, or exit. */
type Job = { text?: string; sleepMs?: number; fail?: string; exit?: number };
type Message =
  | { type: "ready" }
  | { type: "broken"; message: string }
  | { type: "answer"; id: number; text: string }
  | { type: "oops"; id: number; message: string };

// `start`: "ready" after `delayMs`, "broken", or "silent" (never ready).
const SOURCE = `
"use strict";
import("node:worker_threads").then(({ parentPort, workerData }) => {
  const block = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  if (workerData.start === "broken") return parentPort.postMessage({ type: "broken", message: "no modules" });
  if (workerData.start === "silent") return setInterval(() => {}, 1000);
  parentPort.on("message", ({ id, job }) => {
    if (job.sleepMs) block(job.sleepMs);
    if (job.exit !== undefined) process.exit(job.exit);
    if (job.fail) parentPort.postMessage({ type: "oops", id, message: job.fail });
    else parentPort.postMessage({ type: "answer", id, text: job.text });
  });
  setTimeout(() => parentPort.postMessage({ type: "ready" }), workerData.delayMs ?? 0);
});
`;

const describeFailure = (failure: WorkerFailure) =>
  failure.kind === "cannot-start"
    ? `cannot start: ${(failure.error as Error).message}`
    : failure.kind === "start-timeout"
      ? `not ready within ${failure.limitMs} ms`
      : failure.kind === "error"
        ? `error: ${failure.error.message}`
        : failure.kind === "exit"
          ? `exit ${failure.code}`
          : `broken: ${failure.message}`;

function decode(message: Message): WorkerReply<string> {
  if (message.type === "answer")
    return { type: "answer", id: message.id, outcome: { kind: "done", value: message.text } };
  if (message.type === "oops") {
    return { type: "answer", id: message.id, outcome: { kind: "failed", message: message.message }, retire: true };
  }
  return message;
}

const pools: BoundedWorkerPool<Job, string>[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function pool(
  options: Partial<BoundedWorkerPoolOptions<Job, string>> = {},
  worker: { start?: string; delayMs?: number } = {},
) {
  const made = new BoundedWorkerPool<Job, string>({
    workers: 1,
    timeoutMs: 2000,
    maxWaitMs: 2000,
    maxQueue: 4,
    startLimitMs: 5000,
    startWorker: () => new Worker(SOURCE, { eval: true, workerData: worker }),
    post: (w, id, job) => w.postMessage({ id, job }),
    decode: (message) => decode(message as Message),
    describeFailure,
    ...options,
  });
  pools.push(made);
  return made;
}

describe("the bounded worker pool", () => {
  it("answers done and failed, and retires a worker whose answer asks for it", async () => {
    const jobs = pool();
    expect(await jobs.run({ text: "a" })).toEqual({ kind: "done", value: "a" });
    expect(jobs.stats()).toEqual({ started: 1, workers: 1, queued: 0 });
    expect(await jobs.run({ fail: "bad input" })).toEqual({ kind: "failed", message: "bad input" });
    expect(jobs.stats().workers).toBe(0);
    expect(await jobs.run({ text: "b" })).toEqual({ kind: "done", value: "b" });
    expect(jobs.stats()).toEqual({ started: 3, workers: 1, queued: 0 });
  });

  it("stops a job past its time limit; replaces the worker at once only when asked to", async () => {
    const lazy = pool({ timeoutMs: 100 });
    await lazy.run({ text: "warm" });
    expect(await lazy.run({ sleepMs: 1000 })).toEqual({ kind: "timeout" });
    expect(lazy.stats().workers).toBe(0);
    const eager = pool({ timeoutMs: 100, replaceAfterTimeout: true });
    await eager.run({ text: "warm" });
    expect(await eager.run({ sleepMs: 1000 })).toEqual({ kind: "timeout" });
    expect(eager.stats().workers).toBe(1);
    expect(await eager.run({ text: "after" })).toEqual({ kind: "done", value: "after" });
  });

  it("refuses past the queue, and a job that waited too long for a busy worker", async () => {
    const jobs = pool({ maxQueue: 1, maxWaitMs: 50 });
    await jobs.run({ text: "warm" });
    const busy = jobs.run({ sleepMs: 400, text: "slow" });
    const waiting = jobs.run({ text: "waits" });
    expect(await jobs.run({ text: "one too many" })).toEqual({ kind: "queue-full" });
    expect(await waiting).toEqual({ kind: "waited-too-long" });
    expect(await busy).toEqual({ kind: "done", value: "slow" });
  });

  it("does not count the wait while no worker is ready yet", async () => {
    const jobs = pool({ maxWaitMs: 30, workers: 2 }, { delayMs: 200 });
    const both = await Promise.all([jobs.run({ text: "a" }), jobs.run({ text: "b" })]);
    expect(both).toEqual([
      { kind: "done", value: "a" },
      { kind: "done", value: "b" },
    ]);
  });

  it("fails the job of a worker that exits, and the queue when no worker can start", async () => {
    const exits = pool();
    await exits.run({ text: "warm" });
    expect(await exits.run({ exit: 3 })).toEqual({ kind: "failed", message: "exit 3" });
    expect(await exits.run({ text: "again" })).toEqual({ kind: "done", value: "again" });

    const broken = pool({}, { start: "broken" });
    expect(await Promise.all([broken.run({}), broken.run({})])).toEqual([
      { kind: "failed", message: "broken: no modules" },
      { kind: "failed", message: "broken: no modules" },
    ]);
    const silent = pool({ startLimitMs: 50 }, { start: "silent" });
    expect(await silent.run({})).toEqual({ kind: "failed", message: "not ready within 50 ms" });
    const throws = pool({
      startWorker: () => {
        throw new Error("no threads");
      },
    });
    expect(await throws.run({})).toEqual({ kind: "failed", message: "cannot start: no threads" });
    expect(throws.stats()).toEqual({ started: 0, workers: 0, queued: 0 });
  });

  it("answers pending and later jobs closed", async () => {
    const jobs = pool();
    await jobs.run({ text: "warm" });
    const running = jobs.run({ sleepMs: 300 });
    const queued = jobs.run({ text: "queued" });
    await jobs.close();
    expect(await running).toEqual({ kind: "closed" });
    expect(await queued).toEqual({ kind: "closed" });
    expect(await jobs.run({ text: "later" })).toEqual({ kind: "closed" });
    expect(jobs.stats()).toEqual({ started: 2, workers: 0, queued: 0 });
  });
});
