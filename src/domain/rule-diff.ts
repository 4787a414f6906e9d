// What changes on each host between two moments of a project's rules
// (docs/usage.md "Deployments and rule diff"): per entity, a unified diff of
// each generated file (IPv4, IPv6, nftables). Pure: it gets the files of
// every entity at both moments, already generated or loaded, and returns the
// structured diff (for the page) and its unified text (for the command line).
//
// Decisions beyond the documented behaviour:
// - Entities are matched by id, so a renamed entity is one changed entity
//   (`--- a/OLD-iptables.conf`, `+++ b/NEW-iptables.conf`), and an entity
//   deleted and re-created under the same name is one removed and one added.
// - File names are those of the project's archive at that moment
//   (archive-names.ts `entityStems` over that moment's entities), so a diff
//   names exactly the files a deployment would have copied.
// - An added entity's files are diffed against `/dev/null`, a removed one's
//   against `/dev/null` on the other side, as `diff -N` and git do.
// - Three lines of context, as `diff -u`. A file whose change exceeds
//   MAX_EDIT_LINES changed lines is shown as one hunk replacing the whole file:
//   the line diff costs time in proportion to the size of the change, and a
//   rewritten file reads no better as a minimal diff.
// - Order: entities by name (then id), files in the order iptables,
//   ip6tables, nftables; the unified text holds only files that differ and is
//   empty when nothing does.
import { type StructuredPatchHunk, structuredPatch } from "diff";
import { entityStems, RULES_FILE_KINDS, RULES_FILE_SUFFIX, type RulesFileKind } from "./archive-names.js";

/** Lines of unchanged text around each change. */
export const CONTEXT_LINES = 3;
/** Beyond this many changed lines a file is shown as replaced whole (module header). */
export const MAX_EDIT_LINES = 500;

/** One entity's generated files at one moment. */
export interface EntityRuleFiles {
  id: number;
  name: string;
  files: Readonly<Record<RulesFileKind, string>>;
}

export type EntityStatus = "changed" | "unchanged" | "added" | "removed";
export const ENTITY_STATUSES: readonly EntityStatus[] = ["changed", "added", "removed", "unchanged"];

export interface DiffLine {
  /** `note` is diff's `\ No newline at end of file`. */
  kind: "context" | "added" | "removed" | "note";
  text: string;
}

export interface DiffHunk {
  /** `@@ -10,7 +10,7 @@` */
  header: string;
  lines: DiffLine[];
}

export interface FileDiff {
  kind: RulesFileKind;
  /** The file's name before, or null when it did not exist (an added entity). */
  oldName: string | null;
  /** The file's name after, or null when it no longer exists (a removed entity). */
  newName: string | null;
  changed: boolean;
  added: number;
  removed: number;
  hunks: DiffHunk[];
  /** The unified diff of this file; "" when it did not change. */
  unified: string;
}

export interface EntityDiff {
  id: number;
  /** The name now, or the last name for a removed entity. */
  name: string;
  /** The name before, when it differs (a renamed entity). */
  oldName?: string;
  status: EntityStatus;
  files: FileDiff[];
}

export interface RuleSetDiff {
  entities: EntityDiff[];
  counts: Record<EntityStatus, number>;
}

/** File names of one moment's entities, by entity id and kind. */
function fileNames(entities: readonly EntityRuleFiles[]): Map<number, string> {
  return entityStems(entities.map(({ id, name }) => ({ id, name })));
}

function byId(entities: readonly EntityRuleFiles[]): Map<number, EntityRuleFiles> {
  const out = new Map<number, EntityRuleFiles>();
  for (const entity of entities) {
    for (const kind of RULES_FILE_KINDS) {
      if (typeof entity.files[kind] !== "string") {
        throw new TypeError(`entity ${entity.id}: the ${kind} file is missing`);
      }
    }
    out.set(entity.id, entity);
  }
  return out;
}

/** Both sides' files in one hunk: every old line removed, every new line added. */
function wholeFileHunk(oldText: string, newText: string): StructuredPatchHunk {
  const part = (a: string, b: string) => structuredPatch("", "", a, b, undefined, undefined, { context: 0 }).hunks;
  const removed = part(oldText, "")[0];
  const added = part("", newText)[0];
  return {
    oldStart: 1,
    oldLines: removed?.oldLines ?? 0,
    newStart: 1,
    newLines: added?.newLines ?? 0,
    lines: [...(removed?.lines ?? []), ...(added?.lines ?? [])],
  };
}

function hunksOf(oldText: string, newText: string): StructuredPatchHunk[] {
  const options = { context: CONTEXT_LINES, maxEditLength: MAX_EDIT_LINES };
  const patch = structuredPatch("", "", oldText, newText, undefined, undefined, options);
  return patch?.hunks ?? [wholeFileHunk(oldText, newText)];
}

const LINE_KINDS: Record<string, DiffLine["kind"]> = { " ": "context", "+": "added", "-": "removed", "\\": "note" };
const LINE_PREFIX: Record<DiffLine["kind"], string> = { context: " ", added: "+", removed: "-", note: "\\" };

/** `@@ -l,s +l,s @@` as diff writes it: an empty side starts one line earlier. */
function hunkHeader(h: StructuredPatchHunk): string {
  const range = (start: number, count: number) => `${count === 0 ? Math.max(start - 1, 0) : start},${count}`;
  return `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`;
}

function fileDiff(
  kind: RulesFileKind,
  before: { name: string; text: string } | null,
  after: { name: string; text: string } | null,
): FileDiff {
  const oldName = before?.name ?? null;
  const newName = after?.name ?? null;
  const oldText = before?.text ?? "";
  const newText = after?.text ?? "";
  if (before && after && oldText === newText) {
    return { kind, oldName, newName, changed: false, added: 0, removed: 0, hunks: [], unified: "" };
  }
  const hunks = hunksOf(oldText, newText).map((h) => ({
    header: hunkHeader(h),
    lines: h.lines.map((line) => ({ kind: LINE_KINDS[line.charAt(0)] ?? "context", text: line.slice(1) })),
  }));
  const count = (k: DiffLine["kind"]) => hunks.reduce((n, h) => n + h.lines.filter((l) => l.kind === k).length, 0);
  const unified = [
    `--- ${oldName === null ? "/dev/null" : `a/${oldName}`}`,
    `+++ ${newName === null ? "/dev/null" : `b/${newName}`}`,
    ...hunks.flatMap((h) => [h.header, ...h.lines.map((l) => `${LINE_PREFIX[l.kind]}${l.text}`)]),
    "",
  ].join("\n");
  return { kind, oldName, newName, changed: true, added: count("added"), removed: count("removed"), hunks, unified };
}

/**
 * The diff from `before` to `after` (each: every entity of the project at
 * that moment, with its three files). Throws a RangeError for a duplicate or
 * invalid entity id, a TypeError for a missing file.
 */
export function diffRuleFiles(before: readonly EntityRuleFiles[], after: readonly EntityRuleFiles[]): RuleSetDiff {
  const old = byId(before);
  const now = byId(after);
  const oldStems = fileNames(before);
  const newStems = fileNames(after);
  const ids = [...new Set([...old.keys(), ...now.keys()])];
  const counts: Record<EntityStatus, number> = { changed: 0, unchanged: 0, added: 0, removed: 0 };
  const entities = ids.map((id): EntityDiff => {
    const a = old.get(id);
    const b = now.get(id);
    const side = (entity: EntityRuleFiles | undefined, stems: Map<number, string>, kind: RulesFileKind) =>
      entity ? { name: `${stems.get(id)}${RULES_FILE_SUFFIX[kind]}`, text: entity.files[kind] } : null;
    const files = RULES_FILE_KINDS.map((kind) => fileDiff(kind, side(a, oldStems, kind), side(b, newStems, kind)));
    const status: EntityStatus = !a ? "added" : !b ? "removed" : files.some((f) => f.changed) ? "changed" : "unchanged";
    counts[status]++;
    const name = (b ?? a)?.name ?? "";
    const entity: EntityDiff = { id, name, status, files };
    if (a && b && a.name !== b.name) entity.oldName = a.name;
    return entity;
  });
  entities.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : x.id - y.id));
  return { entities, counts };
}

/** The unified diff of every file that differs, as `diff -u` or git would print it; "" when none does. */
export function unifiedRuleDiff(diff: RuleSetDiff): string {
  return diff.entities.flatMap((e) => e.files.map((f) => f.unified)).join("");
}

/** True when some entity was changed, added or removed. */
export function rulesDiffer(diff: RuleSetDiff): boolean {
  return diff.counts.changed + diff.counts.added + diff.counts.removed > 0;
}
