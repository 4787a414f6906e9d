// Starts one thread of the drift check's worker pool (drift-worker-pool.ts),
// running drift-worker.ts. An evaluated bootstrap imports drift-worker.js next
// to this module. Run from the TypeScript sources (tsx, vitest) that module is
// drift-worker.ts, and the bootstrap first registers tsx's loader in the
// worker (a worker does not inherit it); from the compiled `dist/` tree it
// imports the JavaScript directly and tsx is never loaded.
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/** What the bootstrap posts when the worker's modules cannot be loaded. */
export interface BrokenWorkerMessage {
  type: "broken";
  message: string;
}

// Evaluated code is a CommonJS script or an ES module depending on the
// process's flags, so it uses nothing but dynamic import(), which works in both.
const BOOTSTRAP = `
"use strict";
import("node:worker_threads").then(async ({ parentPort, workerData }) => {
  try {
    if (workerData.tsx) (await import(workerData.tsx)).register();
    await import(workerData.entry);
  } catch (error) {
    parentPort.postMessage({ type: "broken", message: String((error && error.stack) || error) });
  }
});
`;

let modules: { entry: string; tsx: string | null } | undefined;

/** The worker module next to this one, and tsx's loader when that module is TypeScript. */
function workerModules(): { entry: string; tsx: string | null } {
  const fromSource = import.meta.url.endsWith(".ts");
  const entry = new URL(`./drift-worker.${fromSource ? "ts" : "js"}`, import.meta.url).href;
  if (!fromSource) return { entry, tsx: null };
  // tsx's `esm/api` export, read from its manifest (require.resolve would give its CommonJS build).
  const require = createRequire(import.meta.url);
  const manifest = require.resolve("tsx/package.json");
  const { exports } = require("tsx/package.json") as { exports: { "./esm/api": { import: { default: string } } } };
  return { entry, tsx: pathToFileURL(path.join(path.dirname(manifest), exports["./esm/api"].import.default)).href };
}

/** A new worker; it posts `ready` once loaded. Throws when run from the sources without tsx installed. */
export function startDriftWorker(): Worker {
  modules ??= workerModules();
  return new Worker(BOOTSTRAP, {
    eval: true,
    workerData: modules,
    // A check of 2 MiB holds at most 200,000 normalised rules (docs/drift.md).
    resourceLimits: { maxOldGenerationSizeMb: 512 },
  });
}
