// The drift check's worker thread (docs/drift.md; started by
// src/services/drift-worker-pool.ts): runs checkDrift off the server's event
// loop, one job at a time. It answers each job with the result, the message of
// a DriftInputError (text the check cannot read: the caller's fault, a 422), or
// the stack of anything else (a bug: a 500); it never touches the database.
import { parentPort } from "node:worker_threads";
import { checkDrift, type GeneratedFiles } from "../domain/drift/check.js";
import { DriftInputError, type DriftResult } from "../domain/drift/types.js";

export interface DriftJob {
  id: number;
  files: GeneratedFiles;
  hostText: string;
}

export type DriftWorkerMessage =
  | { type: "ready" }
  | { type: "done"; id: number; result: DriftResult }
  | { type: "refused"; id: number; message: string }
  | { type: "failed"; id: number; message: string };

const port = parentPort;
if (port === null) throw new Error("src/services/drift-worker.ts runs in a worker thread of the drift worker pool");

port.on("message", ({ id, files, hostText }: DriftJob) => {
  let answer: DriftWorkerMessage;
  try {
    answer = { type: "done", id, result: checkDrift(files, hostText) };
  } catch (error) {
    answer =
      error instanceof DriftInputError
        ? { type: "refused", id, message: error.message }
        : { type: "failed", id, message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(answer);
});
port.postMessage({ type: "ready" } satisfies DriftWorkerMessage);
