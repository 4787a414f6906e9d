// Loads the shared synthetic data sets (../shared/bench/dataset.mjs) through
// the real import, for tests and benchmarks that need realistic volumes.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { type Database, projectRoot } from "../../src/data/engine.js";
import { importInterchange } from "../../src/data/interchange.js";
import { parseInterchange } from "../../src/validation/interchange.js";

export const datasetScript = path.resolve(projectRoot, "..", "shared", "bench", "dataset.mjs");
export const datasetAvailable = existsSync(datasetScript);

export function datasetDocument(args: string[]): unknown {
  const out = execFileSync(process.execPath, [datasetScript, ...args], { maxBuffer: 512 * 1024 * 1024 });
  return JSON.parse(out.toString("utf8"));
}

/** Imports a generated document; returns it. */
export async function loadDataset(db: Database, args: string[]) {
  const parsed = parseInterchange(datasetDocument(args));
  if (!parsed.ok) throw new Error(`dataset refused: ${JSON.stringify(parsed.problems.slice(0, 3))}`);
  await importInterchange(db, parsed.doc, parsed.undeclaredLocations);
  return parsed.doc;
}
