// The drift check of one entity (docs/drift.md): its generated files, from the
// same loader and generators as the downloads, compared with what a host runs.
// The entity page, `conntrackt drift` and the API call checkEntityDrift.
import type { Database } from "../data/engine.js";
import { loadEntityRules } from "../data/rules.js";
import { checkDrift, type GeneratedFiles } from "../domain/drift/check.js";
import type { DriftResult } from "../domain/drift/types.js";
import { entityFileText } from "./rules-archive.js";

export { DriftInputError } from "../domain/drift/types.js";

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
 * the entity does not exist. Throws DriftInputError for text it cannot check.
 */
export async function checkEntityDrift(db: Database, entityId: number, hostText: string): Promise<DriftResult | null> {
  const files = await entityGeneratedFiles(db, entityId);
  return files === null ? null : checkDrift(files, hostText);
}
