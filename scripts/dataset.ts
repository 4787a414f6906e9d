// The project's seeded data set generator: builds an interchange document
// (docs/cli.md "The interchange document") of any size for tests and
// benchmarks, deterministic by seed (mulberry32; same options and seed give
// the same bytes). Without --dual-stack a version 1 document (IPv4, one port
// per flow: dataset/generate.ts), whose bytes the tests and benchmarks rely
// on; with it a version 2 one (IPv6, ranges, ICMPv6, outgoing restriction,
// flow owners and expiry: dataset/dual-stack.ts). --nasty fills names and
// descriptions with hostile text that the validation still accepts
// (docs/usage.md names and descriptions). Addresses are only data: nothing is
// ever sent to them. See docs/development.md.
//
//   npx tsx scripts/dataset.ts --preset large > large.json
//   npx tsx scripts/dataset.ts --preset small --dual-stack --seed 3 > v2.json
//   npx tsx scripts/dataset.ts --help
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { DatasetDocument, DualStackDocument } from "./dataset/document.js";
import { generateDualStack } from "./dataset/dual-stack.js";
import { generateVersion1 } from "./dataset/generate.js";
import {
  type DatasetRequest,
  DatasetUsageError,
  parseDatasetArgs,
  resolveDatasetOptions,
  USAGE,
} from "./dataset/options.js";

export type {
  DatasetCommunication,
  DatasetDocument,
  DatasetEnd,
  DatasetEntity,
  DatasetInterface,
  DatasetProject,
  DualStackCommunication,
  DualStackDocument,
  DualStackEntity,
  DualStackProject,
} from "./dataset/document.js";
export {
  type DatasetOptions,
  type DatasetRequest,
  DatasetUsageError,
  PRESET_NAMES,
  PRESETS,
  type PresetName,
  parseDatasetArgs,
  resolveDatasetOptions,
  USAGE,
} from "./dataset/options.js";

/** The interchange document for the options (see USAGE); deterministic by seed. */
export function generateDataset(options: DatasetRequest & { dualStack: true }): DualStackDocument;
export function generateDataset(options?: DatasetRequest): DatasetDocument;
export function generateDataset(options: DatasetRequest = {}): DatasetDocument {
  const o = resolveDatasetOptions(options);
  return o.dualStack ? generateDualStack(o) : generateVersion1(o);
}

/** The document as the command writes it. */
export function serializeDataset(doc: DatasetDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function main(args: string[]): void {
  try {
    const { help, ...options } = parseDatasetArgs(args);
    if (help) {
      process.stdout.write(USAGE);
      return;
    }
    process.stdout.write(serializeDataset(generateDataset(options)));
  } catch (error) {
    if (!(error instanceof DatasetUsageError)) throw error;
    process.stderr.write(`dataset: ${error.message} (--help lists the options)\n`);
    process.exitCode = 2;
  }
}

const entry = process.argv[1];
if (entry !== undefined && realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url))) {
  main(process.argv.slice(2));
}
