// The drift check of one entity (docs/drift.md): its generated files, from the
// same loader and generators as the downloads, compared with what a host runs.
// The entity page, the API and `conntrackt drift` call checkEntityDrift; the
// server passes its worker pool (src/services/drift-worker-pool.ts), so a
// check of 2 MiB never holds up its event loop, while the command line, a
// process with nothing else to serve, checks on its own thread.
import type { Database } from "../data/engine.js";
import { loadEntityRules } from "../data/rules.js";
import { formatBytes, formatSizeOver } from "../domain/csv-import.js";
import { checkDrift, type GeneratedFiles, MAX_HOST_RULES_BYTES } from "../domain/drift/check.js";
import type { DriftInputError, DriftResult } from "../domain/drift/types.js";
import { entityFileText } from "./rules-archive.js";

export { DriftInputError } from "../domain/drift/types.js";
export { DriftCheckUnavailable, DriftWorkerPool } from "./drift-worker-pool.js";

/** The refusal of host text over the limit, with its size when known (the page and the API say the same). */
export const hostRulesTooLarge = (bytes: number | null) =>
  `The host rules${bytes === null ? "" : ` are ${formatSizeOver(bytes, MAX_HOST_RULES_BYTES)}; they`} may be at most ${formatBytes(MAX_HOST_RULES_BYTES)}.`;

/** A DriftInputError's message as a sentence: capital first, full stop unless it asks. */
export const driftInputMessage = ({ message }: DriftInputError) =>
  `${message.charAt(0).toUpperCase()}${message.slice(1)}${/[.?]$/.test(message) ? "" : "."}`;

/** Where a check runs: checkDrift's contract, asynchronously (DriftWorkerPool is one). */
export interface DriftChecker {
  check(files: GeneratedFiles, hostText: string): Promise<DriftResult>;
}

/** Checks on the calling thread. */
export const checkInThisThread: DriftChecker = {
  check: async (files, hostText) => checkDrift(files, hostText),
};

/** The entity's three generated files, byte for byte the downloads; null when it does not exist. */
export async function entityGeneratedFiles(db: Database, entityId: number): Promise<GeneratedFiles | null> {
  const entity = await loadEntityRules(db, entityId);
  if (!entity) return null;
  return {
    iptables: entityFileText(entity, "iptables"),
    ip6tables: entityFileText(entity, "ip6tables"),
    nftables: entityFileText(entity, "nftables"),
  };
}

/**
 * Compares host text with the entity's generated file of its format; null when
 * the entity does not exist. Throws DriftInputError for text it cannot check,
 * and, from a worker pool, DriftCheckUnavailable when the check cannot run now.
 */
export async function checkEntityDrift(
  db: Database,
  entityId: number,
  hostText: string,
  checker: DriftChecker = checkInThisThread,
): Promise<DriftResult | null> {
  const files = await entityGeneratedFiles(db, entityId);
  return files === null ? null : checker.check(files, hostText);
}
