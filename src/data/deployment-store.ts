// Writing a deployment (docs/usage.md "Deployments and rule diff"): the
// content-addressed storage that src/data/deployments.ts describes. File
// bodies go in first, in bounded statements of their own; the deployment, its
// snapshot and the snapshot's entities then in one short transaction.
import { createHash } from "node:crypto";
import { RULES_FILE_KINDS, type RulesFileKind } from "../domain/archive-names.js";
import {
  chunks,
  type DeploymentRow,
  deploymentSelect,
  fileHash,
  LOOKUP_BATCH,
  type NewDeployment,
  type SnapshotEntry,
  toRow,
} from "./deployments.js";
import type { Database, Engine, Tx } from "./engine.js";
import { foreignKeyColumn } from "./errors.js";

/** Snapshot entities per INSERT (6 parameters each). */
const ENTITY_BATCH = 500;
/** File bodies per INSERT, and their most characters: a huge file goes in alone. */
const FILE_BATCH = 200;
const FILE_BATCH_CHARS = 4_000_000;
/** Tries of a mark whose files another mark's clean-up removed meanwhile (see createDeployment). */
const MARK_TRIES = 3;

// Marks on PostgreSQL take turns (as setup.ts does at start-up); SQLite's
// BEGIN IMMEDIATE already serialises them.
const MARK_LOCK = 72707371;

/** A snapshot's identity: the hash of its entries in id order (ids, names, file hashes). */
function snapshotHash(entries: readonly SnapshotEntry[]): string {
  const hash = createHash("sha256");
  for (const e of [...entries].sort((a, b) => a.id - b.id)) {
    hash.update(`${JSON.stringify([e.id, e.name, ...RULES_FILE_KINDS.map((k) => e.hashes[k])])}\n`, "utf8");
  }
  return hash.digest("hex");
}

/** Groups file rows so that each INSERT holds at most FILE_BATCH rows and about FILE_BATCH_CHARS characters. */
function fileBatches(files: { hash: string; text: string }[]): { hash: string; text: string }[][] {
  const out: { hash: string; text: string }[][] = [];
  let current: { hash: string; text: string }[] = [];
  let chars = 0;
  for (const file of files) {
    if (current.length > 0 && (current.length >= FILE_BATCH || chars + file.text.length > FILE_BATCH_CHARS)) {
      out.push(current);
      current = [];
      chars = 0;
    }
    current.push(file);
    chars += file.text.length;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * `(?, ?), (?, ?)` or `($1, $2), ($3, $4)`: the VALUES of a multi-row INSERT.
 * Bulk rows go in as raw SQL: Prisma's createMany took four times as long
 * for the same rows, and these inserts are most of a mark's time.
 */
function valuesList(engine: Engine, rows: number, columns: number): string {
  let n = 0;
  const row = () =>
    `(${Array.from({ length: columns }, () => (engine === "postgresql" ? `$${++n}` : "?")).join(", ")})`;
  return Array.from({ length: rows }, row).join(", ");
}

/**
 * Stores the bodies not stored yet, a batch per statement and outside any
 * transaction: a body under its hash is the same whoever writes it, so a
 * concurrent mark writing it too changes nothing (ON CONFLICT DO NOTHING).
 */
async function storeFiles(db: Database, texts: Map<string, string>): Promise<void> {
  const stored = new Set<string>();
  for (const batch of chunks([...texts.keys()], LOOKUP_BATCH)) {
    const rows = await db.run((c) => c.ruleFile.findMany({ where: { hash: { in: batch } }, select: { hash: true } }));
    for (const row of rows) stored.add(row.hash);
  }
  const missing = [...texts].filter(([h]) => !stored.has(h)).map(([hash, text]) => ({ hash, text }));
  for (const batch of fileBatches(missing)) {
    const sql = `INSERT INTO "RuleFile" ("hash", "text") VALUES ${valuesList(db.engine, batch.length, 2)} ON CONFLICT DO NOTHING`;
    await db.run((c) => c.$executeRawUnsafe(sql, ...batch.flatMap((f) => [f.hash, f.text])));
  }
}

/** A write refused by a foreign key; Prisma reports a raw statement's as P2010 with the driver's kind. */
function isForeignKeyFailure(error: unknown): boolean {
  if (foreignKeyColumn(error) !== null) return true;
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } } | null)?.meta;
  return meta?.driverAdapterError?.cause?.kind === "ForeignKeyConstraintViolation";
}

/**
 * Removes what no deployment uses any more: snapshots of deleted projects'
 * deployments, then file bodies no snapshot names (also those a failed mark
 * left). Runs at the end of each mark's transaction, after the mark's own
 * rows name its files, so deleting a project needs no clean-up of its own.
 */
async function removeUnused(tx: Tx): Promise<void> {
  await tx.ruleSnapshot.deleteMany({ where: { deployments: { none: {} } } });
  await tx.ruleFile.deleteMany({ where: { iptables: { none: {} }, ip6tables: { none: {} }, nftables: { none: {} } } });
}

/** The snapshot with this hash: the stored one, or a new one whose entities name files already stored. */
async function snapshotId(engine: Engine, tx: Tx, hash: string, entries: SnapshotEntry[]): Promise<number> {
  const existing = await tx.ruleSnapshot.findUnique({ where: { hash }, select: { id: true } });
  if (existing) return existing.id;
  const snapshot = await tx.ruleSnapshot.create({ data: { hash, entityCount: entries.length }, select: { id: true } });
  for (const batch of chunks(entries, ENTITY_BATCH)) {
    const sql = `INSERT INTO "SnapshotEntity" ("snapshotId", "entityId", "entityName", "iptablesHash", "ip6tablesHash", "nftablesHash") VALUES ${valuesList(engine, batch.length, 6)}`;
    const args = batch.flatMap((e) => [
      snapshot.id,
      e.id,
      e.name,
      e.hashes.iptables,
      e.hashes.ip6tables,
      e.hashes.nftables,
    ]);
    await tx.$executeRawUnsafe(sql, ...args);
  }
  return snapshot.id;
}

/**
 * Records a deployment of the project with the files of its entities; null
 * when the project is gone. The deployment, its snapshot and its entities are
 * written in one transaction: all or nothing. File bodies are stored before
 * it, in short statements of their own, so the transaction (which on SQLite
 * holds the database) writes only small rows; a body stored for a mark that
 * then fails is removed by the next mark. When another mark's clean-up
 * removes a body between the two steps, the foreign key refuses the
 * transaction and the mark starts again.
 */
export async function createDeployment(db: Database, input: NewDeployment): Promise<DeploymentRow | null> {
  const texts = new Map<string, string>();
  const entries: SnapshotEntry[] = input.entities.map((entity) => {
    const hashes = {} as Record<RulesFileKind, string>;
    for (const kind of RULES_FILE_KINDS) {
      const text = entity.files[kind];
      const hash = fileHash(text);
      texts.set(hash, text);
      hashes[kind] = hash;
    }
    return { id: entity.id, name: entity.name, hashes };
  });
  const hash = snapshotHash(entries);
  for (let attempt = 1; ; attempt++) {
    const known = await db.run((c) => c.ruleSnapshot.findUnique({ where: { hash }, select: { id: true } }));
    if (!known) await storeFiles(db, texts);
    try {
      return await db.transaction(async (tx) => {
        if (db.engine === "postgresql") await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${MARK_LOCK})`);
        const project = await tx.project.findUnique({ where: { id: input.projectId }, select: { id: true } });
        if (!project) return null;
        const row = await tx.deployment.create({
          data: {
            projectId: input.projectId,
            actor: input.actor,
            note: input.note,
            snapshotId: await snapshotId(db.engine, tx, hash, entries),
          },
          select: deploymentSelect,
        });
        await removeUnused(tx);
        return toRow(row);
      });
    } catch (error) {
      if (attempt < MARK_TRIES && isForeignKeyFailure(error)) continue;
      throw error;
    }
  }
}
