// Deployments of a project (docs/usage.md "Deployments and rule diff"): the
// "Mark as deployed" records and the rule files they keep. Storage is content
// addressed, like git's commits, trees and blobs: a Deployment points at a
// RuleSnapshot (the entities with the SHA-256 of each of their files, itself
// identified by a hash of those entries), and each file body is a RuleFile
// stored once under its SHA-256. Marking unchanged rules again adds one
// Deployment row and nothing else. This module reads; deployment-store.ts writes.
import { createHash } from "node:crypto";
import { RULES_FILE_KINDS, type RulesFileKind } from "../domain/archive-names.js";
import type { EntityRuleFiles } from "../domain/rule-diff.js";
import type { Database } from "./engine.js";

/** Hashes looked up in one `IN (…)`: well under both engines' bound-parameter limits. */
export const LOOKUP_BATCH = 500;

export interface DeploymentRow {
  id: number;
  projectId: number;
  createdAt: Date;
  actor: string;
  note: string;
  entityCount: number;
  snapshotId: number;
}

export interface NewDeployment {
  projectId: number;
  actor: string;
  note: string;
  /** Every entity of the project, with its three generated files. */
  entities: readonly EntityRuleFiles[];
}

/** One entity of a stored snapshot: its name then and the hash of each file. */
export interface SnapshotEntry {
  id: number;
  name: string;
  hashes: Record<RulesFileKind, string>;
}

const HASH_COLUMN: Record<RulesFileKind, "iptablesHash" | "ip6tablesHash" | "nftablesHash"> = {
  iptables: "iptablesHash",
  ip6tables: "ip6tablesHash",
  nftables: "nftablesHash",
};

/** The SHA-256 (hex) of a text's UTF-8 bytes: the key of a stored file. */
export function fileHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

export const deploymentSelect = {
  id: true,
  projectId: true,
  createdAt: true,
  actor: true,
  note: true,
  snapshotId: true,
  snapshot: { select: { entityCount: true } },
} as const;

export function toRow(row: {
  id: number;
  projectId: number;
  createdAt: Date;
  actor: string;
  note: string;
  snapshotId: number;
  snapshot: { entityCount: number };
}): DeploymentRow {
  const { snapshot, ...rest } = row;
  return { ...rest, entityCount: snapshot.entityCount };
}

/** Deployments on one page of the list. */
export const DEPLOYMENTS_PAGE = 100;

/**
 * A page of the project's deployments, newest first: the DEPLOYMENTS_PAGE
 * newest, or those older than `beforeId`; `more` when older ones follow.
 */
export async function listDeployments(
  db: Database,
  projectId: number,
  beforeId?: number,
): Promise<{ deployments: DeploymentRow[]; more: boolean }> {
  const rows = await db.run((c) =>
    c.deployment.findMany({
      where: { projectId, ...(beforeId === undefined ? {} : { id: { lt: beforeId } }) },
      select: deploymentSelect,
      orderBy: { id: "desc" },
      take: DEPLOYMENTS_PAGE + 1,
    }),
  );
  return { deployments: rows.slice(0, DEPLOYMENTS_PAGE).map(toRow), more: rows.length > DEPLOYMENTS_PAGE };
}

/** One deployment of the project, or null (also when it belongs to another project). */
export async function getDeployment(db: Database, projectId: number, id: number): Promise<DeploymentRow | null> {
  const row = await db.run((c) => c.deployment.findFirst({ where: { id, projectId }, select: deploymentSelect }));
  return row ? toRow(row) : null;
}

/** The project's latest deployment, or null when it was never marked. */
export async function latestDeployment(db: Database, projectId: number): Promise<DeploymentRow | null> {
  const row = await db.run((c) =>
    c.deployment.findFirst({ where: { projectId }, select: deploymentSelect, orderBy: { id: "desc" } }),
  );
  return row ? toRow(row) : null;
}

/** The entities of a snapshot with the hashes of their files, in id order. */
export async function snapshotEntries(db: Database, snapshotId: number): Promise<SnapshotEntry[]> {
  const rows = await db.run((c) => c.snapshotEntity.findMany({ where: { snapshotId }, orderBy: { entityId: "asc" } }));
  return rows.map((r) => ({
    id: r.entityId,
    name: r.entityName,
    hashes: Object.fromEntries(RULES_FILE_KINDS.map((k) => [k, r[HASH_COLUMN[k]]])) as Record<RulesFileKind, string>,
  }));
}

/** The stored bodies of these files, by hash, read LOOKUP_BATCH at a time. */
export async function ruleFileTexts(db: Database, hashes: Iterable<string>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const batch of chunks([...new Set(hashes)], LOOKUP_BATCH)) {
    const rows = await db.run((c) => c.ruleFile.findMany({ where: { hash: { in: batch } } }));
    for (const row of rows) out.set(row.hash, row.text);
  }
  return out;
}
