// Loads data sets of the project's generator (scripts/dataset.ts, called in
// process) through the real import, for tests and benchmarks that need
// realistic volumes.
//
//   datasetDocument(["--preset", "large"])                 the command line's flags
//   datasetDocument({ preset: "small", dualStack: true, seed: 3 })
//     → DualStackDocument: version 2, every field present (scripts/dataset/document.ts):
//       entities { name, description, location, restrictOutgoing, interfaces[] },
//       interfaces { name, description, address, netmask } (IPv4 dotted netmask,
//       IPv6 RFC 5952 address under fd00::/16 with a prefix length "64", "128" …),
//       communications { source, destination: { entity, interface }, protocol
//       (TCP, UDP, ICMP, ICMPv6), port, portEnd, description, requestedBy,
//       reference, expires (YYYY-MM-DD or null) }. The first flows of each
//       project cover every kind (scripts/dataset/dual-stack.ts); add
//       `today: "YYYY-MM-DD"` to get a few flows expired before that day.
import {
  type DatasetDocument,
  type DatasetRequest,
  type DualStackDocument,
  generateDataset,
  parseDatasetArgs,
} from "../../scripts/dataset.js";
import type { Database } from "../../src/data/engine.js";
import { importInterchange } from "../../src/data/interchange.js";
import { parseInterchange } from "../../src/validation/interchange.js";

/** The document `npx tsx scripts/dataset.ts ...args` writes, or the one of generateDataset(request), as a value. */
export function datasetDocument(request: DatasetRequest & { dualStack: true }): DualStackDocument;
export function datasetDocument(request: string[] | DatasetRequest): DatasetDocument;
export function datasetDocument(request: string[] | DatasetRequest): DatasetDocument {
  return generateDataset(Array.isArray(request) ? parseDatasetArgs(request) : request);
}

/** Imports a generated document; returns it as the import read it. */
export async function loadDataset(db: Database, request: string[] | DatasetRequest) {
  const parsed = parseInterchange(datasetDocument(request));
  if (!parsed.ok) throw new Error(`dataset refused: ${JSON.stringify(parsed.problems.slice(0, 3))}`);
  await importInterchange(db, parsed.doc, parsed.undeclaredLocations);
  return parsed.doc;
}
