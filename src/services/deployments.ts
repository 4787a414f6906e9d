// "Mark as deployed" and the rule diff (docs/usage.md "Deployments and rule
// diff"): generates the three files of every entity of a project as they are
// now, stores them with a deployment, and compares a deployment with now or
// with another deployment. The web pages and the command line share it.
import { createDeployment } from "../data/deployment-store.js";
import {
  type DeploymentRow,
  fileHash,
  getDeployment,
  latestDeployment,
  ruleFileTexts,
  type SnapshotEntry,
  snapshotEntries,
} from "../data/deployments.js";
import type { Database } from "../data/engine.js";
import { openProjectRules } from "../data/rules.js";
import { RULES_FILE_KINDS, type RulesFileKind } from "../domain/archive-names.js";
import { diffRuleFiles, type EntityRuleFiles, type RuleSetDiff } from "../domain/rule-diff.js";
import { entityFileText } from "./rules-archive.js";

/** Resolves on the next turn of the event loop: generating a huge project's files must not stall the server. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Entities generated between two turns of the event loop. */
const GENERATE_BATCH = 50;

export interface RulesOptions {
  /** The day (`YYYY-MM-DD`, UTC) whose expired flows are left out; today by default. */
  today?: string;
}

/** Every entity of the project with its files as generated now (id order); null when the project is gone. */
export async function currentRuleFiles(
  db: Database,
  projectId: number,
  options: RulesOptions = {},
): Promise<EntityRuleFiles[] | null> {
  const rules = await openProjectRules(db, projectId, undefined, options);
  if (!rules) return null;
  const out: EntityRuleFiles[] = [];
  for await (const entity of rules.inputs()) {
    const files = {} as Record<RulesFileKind, string>;
    for (const kind of RULES_FILE_KINDS) files[kind] = entityFileText(entity, kind);
    out.push({ id: entity.id, name: entity.name, files });
    if (out.length % GENERATE_BATCH === 0) await nextTurn();
  }
  return out;
}

export interface MarkInput {
  projectId: number;
  actor: string;
  note: string;
}

/** Marks the project as deployed with its files as they are now; null when the project is gone. */
export async function markDeployed(
  db: Database,
  input: MarkInput,
  options: RulesOptions = {},
): Promise<DeploymentRow | null> {
  const entities = await currentRuleFiles(db, input.projectId, options);
  if (!entities) return null;
  return createDeployment(db, { ...input, entities });
}

/** One side of a diff: a stored deployment, or the files generated now. */
interface Side {
  entries: SnapshotEntry[];
  /** Bodies already in memory, by entity id (the files generated now). */
  texts: Map<number, Record<RulesFileKind, string>>;
}

async function deploymentSide(db: Database, deployment: DeploymentRow): Promise<Side> {
  return { entries: await snapshotEntries(db, deployment.snapshotId), texts: new Map() };
}

function currentSide(files: EntityRuleFiles[]): Side {
  const entries = files.map((f) => ({
    id: f.id,
    name: f.name,
    hashes: Object.fromEntries(RULES_FILE_KINDS.map((k) => [k, fileHash(f.files[k])])) as Record<RulesFileKind, string>,
  }));
  return { entries, texts: new Map(files.map((f) => [f.id, f.files])) };
}

/**
 * Both sides as the domain diff reads them. Only the stored bodies that can
 * differ are read: a file whose hash is the same on both sides is the same
 * file, so it gets one text on both sides (the one in memory, or "" when
 * neither side holds it: its bytes are not shown).
 */
async function filesOfSides(db: Database, a: Side, b: Side): Promise<[EntityRuleFiles[], EntityRuleFiles[]]> {
  const byId = (side: Side) => new Map(side.entries.map((e) => [e.id, e]));
  const [ea, eb] = [byId(a), byId(b)];
  const wanted: string[] = [];
  const collect = (side: Side, other: Map<number, SnapshotEntry>) => {
    for (const e of side.entries) {
      if (side.texts.has(e.id)) continue;
      for (const k of RULES_FILE_KINDS) if (other.get(e.id)?.hashes[k] !== e.hashes[k]) wanted.push(e.hashes[k]);
    }
  };
  collect(a, eb);
  collect(b, ea);
  const stored = await ruleFileTexts(db, wanted);
  const build = (side: Side, otherSide: Side, other: Map<number, SnapshotEntry>): EntityRuleFiles[] =>
    side.entries.map((e) => {
      const files = {} as Record<RulesFileKind, string>;
      for (const k of RULES_FILE_KINDS) {
        const mine = side.texts.get(e.id)?.[k];
        const same = other.get(e.id)?.hashes[k] === e.hashes[k];
        const text = mine ?? (same ? otherSide.texts.get(e.id)?.[k] : undefined) ?? stored.get(e.hashes[k]);
        if (text === undefined && !same) throw new Error(`stored rule file ${e.hashes[k]} is missing`);
        files[k] = text ?? "";
      }
      return { id: e.id, name: e.name, files };
    });
  return [build(a, b, eb), build(b, a, ea)];
}

/** The end of a diff: a deployment, or the rules as they are now. */
export type DiffTarget = DeploymentRow | "now";

export interface ProjectDiff {
  from: DeploymentRow;
  to: DiffTarget;
  diff: RuleSetDiff;
}

/** A diff asked for a deployment this project does not have (unknown, or another project's). */
export class UnknownDeployment extends Error {
  constructor(readonly deploymentId: number) {
    super(`no deployment ${deploymentId} in this project`);
  }
}

/**
 * The deployments a diff compares: `from` (default: the latest) and `to`
 * (default: now), both of this project; null when it was never marked.
 * Throws UnknownDeployment for a number the project does not have.
 */
export async function resolveDiffEnds(
  db: Database,
  projectId: number,
  fromId: number | undefined,
  toId: number | "now" | undefined,
): Promise<{ from: DeploymentRow; to: DiffTarget } | null> {
  const find = async (id: number) => {
    const found = await getDeployment(db, projectId, id);
    if (!found) throw new UnknownDeployment(id);
    return found;
  };
  const from = fromId === undefined ? await latestDeployment(db, projectId) : await find(fromId);
  if (!from) return null;
  const to = toId === undefined || toId === "now" ? "now" : await find(toId);
  return { from, to };
}

/** The diff from a deployment to now or to another deployment; null when the project is gone. */
export async function projectRuleDiff(
  db: Database,
  projectId: number,
  from: DeploymentRow,
  to: DiffTarget,
  options: RulesOptions = {},
): Promise<RuleSetDiff | null> {
  const before = await deploymentSide(db, from);
  let after: Side;
  if (to === "now") {
    const files = await currentRuleFiles(db, projectId, options);
    if (!files) return null;
    after = currentSide(files);
  } else {
    after = await deploymentSide(db, to);
  }
  const [a, b] = await filesOfSides(db, before, after);
  return diffRuleFiles(a, b);
}
