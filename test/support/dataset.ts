// Loads data sets of the project's generator (scripts/dataset.ts, called in
// process with its command-line flags) through the real import, for tests and
// benchmarks that need realistic volumes.
import { generateDataset, parseDatasetArgs } from "../../scripts/dataset.js";
import type { Database } from "../../src/data/engine.js";
import { importInterchange } from "../../src/data/interchange.js";
import { parseInterchange } from "../../src/validation/interchange.js";

/** The document `npx tsx scripts/dataset.ts ...args` writes, as a value. */
export function datasetDocument(args: string[]): unknown {
  return generateDataset(parseDatasetArgs(args));
}

/** Imports a generated document; returns it. */
export async function loadDataset(db: Database, args: string[]) {
  const parsed = parseInterchange(datasetDocument(args));
  if (!parsed.ok) throw new Error(`dataset refused: ${JSON.stringify(parsed.problems.slice(0, 3))}`);
  await importInterchange(db, parsed.doc, parsed.undeclaredLocations);
  return parsed.doc;
}
