// The drift check (docs/drift.md): what runs on a host, as iptables-save,
// ip6tables-save or `nft -j list ruleset` prints it, against the entity's
// generated file of that format. Pure: the generated files and the host text
// in, the differences out; the entity page, the command line and the API call
// checkDrift alike.
//
// Decisions:
// - Both sides are read by the same readers (the generated restore files are
//   iptables-save syntax; the generated nft file is read by a reader of the
//   subset its generator writes, into the expressions nft -j prints) and
//   reduced to normalised rules, so equivalent spellings compare equal:
//   `-s 10.0.0.5` and `10.0.0.5/32`, host bits past a mask, `-m tcp` or not,
//   option order, counters, comments, `ip6 saddr ::/0` and no address match.
// - Rules compare as sets per chain, not in order: every rule of the model
//   accepts, so their order never changes what a host lets through, and any
//   other rule on the host (a drop, a jump) is reported as extra anyway. A rule
//   written twice is one rule.
// - Compared: the chains of the model's file (filter INPUT, FORWARD, OUTPUT;
//   nft input, forward, output of `inet conntrackt`) and any other chain that
//   traffic enters by itself (an extra nft base chain). Other tables and chains
//   are not: a jump into one is an extra rule.
// - A host rule the readers do not understand is extra, shown as written with
//   the reason, and never stands in for a model rule.
// - A difference is shown as its rule line as written when the whole line
//   differs, else (part of a list or set) as one normalised line per part.
import { formatBytes, formatSizeOver } from "../csv-import.js";
import { readHostRules } from "./detect.js";
import { renderNftRule } from "./nft-render.js";
import { readNftFileRuleset } from "./nft-text.js";
import { combinations, expandRule, MAX_RULES_PER_RULE, ruleKey } from "./normalise.js";
import {
  DriftInputError,
  type DriftResult,
  type NormalRule,
  type PolicyDifference,
  type ReadRule,
  type ReadRuleset,
  type RuleDifference,
} from "./types.js";
import { readXtablesRuleset } from "./xtables.js";
import { renderXtablesRule } from "./xtables-render.js";

/** The entity's generated files, as the downloads give them. */
export interface GeneratedFiles {
  iptables: string;
  ip6tables: string;
  nftables: string;
}

/** Most UTF-8 bytes of host text checked at once (every entry point: page, command line, API). */
export const MAX_HOST_RULES_BYTES = 2 * 1024 * 1024;
/** Most normalised rules one host text may stand for. */
export const MAX_NORMAL_RULES = 200_000;

/** A rule of a compared chain with its normalised rules by key, or the reason it is not read. */
interface Expanded {
  rule: ReadRule;
  normal: Map<string, NormalRule>;
  unread?: string;
}

function expand(ruleset: ReadRuleset, chains: Set<string>): Expanded[] {
  let total = 0;
  const expanded: Expanded[] = [];
  for (const rule of ruleset.rules) {
    if (!chains.has(rule.chain)) continue;
    const { reading } = rule;
    if ("unread" in reading) {
      expanded.push({ rule, normal: new Map(), unread: reading.unread });
      continue;
    }
    const count = combinations(reading.matches);
    if (count > MAX_RULES_PER_RULE) {
      const unread = `it stands for ${count} single rules, more than ${MAX_RULES_PER_RULE}`;
      expanded.push({ rule, normal: new Map(), unread });
      continue;
    }
    total += count;
    if (total > MAX_NORMAL_RULES) {
      throw new DriftInputError(`the rules stand for more than ${MAX_NORMAL_RULES} single rules, too many to compare`);
    }
    const normal = new Map<string, NormalRule>();
    for (const n of expandRule(rule.chain, reading.matches, reading.verdict)) normal.set(ruleKey(n), n);
    expanded.push({ rule, normal });
  }
  return expanded;
}

/** The rules of one side whose normalised rules the other side lacks. */
function lacking(side: Expanded[], other: Set<string>, render: (rule: NormalRule) => string): RuleDifference[] {
  const shown = new Set<string>();
  const differences: RuleDifference[] = [];
  for (const { rule, normal, unread } of side) {
    if (unread !== undefined) {
      differences.push({ chain: rule.chain, where: rule.where, rule: rule.text, unread });
      continue;
    }
    const absent: NormalRule[] = [];
    for (const [key, n] of normal) {
      if (other.has(key) || shown.has(key)) continue;
      shown.add(key);
      absent.push(n);
    }
    if (absent.length === 0) continue;
    const whole = absent.length === normal.size;
    for (const text of whole ? [rule.text] : absent.map(render)) {
      differences.push({ chain: rule.chain, where: rule.where, rule: text });
    }
  }
  return differences;
}

/** Every normalised rule's key of one side. */
function keysOf(side: Expanded[]): Set<string> {
  const keys = new Set<string>();
  for (const { normal } of side) for (const key of normal.keys()) keys.add(key);
  return keys;
}

function modelRuleset(files: GeneratedFiles, format: DriftResult["format"]): ReadRuleset {
  const model =
    format === "nftables"
      ? readNftFileRuleset(files.nftables)
      : readXtablesRuleset(files[format], format === "iptables" ? "ipv4" : "ipv6");
  const unread = model.rules.find((rule) => "unread" in rule.reading);
  if (unread !== undefined)
    throw new Error(`the generated ${format} file has a rule the drift check cannot read: ${unread.text}`);
  return model;
}

/**
 * Compares host text with the entity's generated file of the same format.
 * Throws DriftInputError (its message says why) for text that is too large or
 * none of the three formats.
 */
export function checkDrift(files: GeneratedFiles, hostText: string): DriftResult {
  const bytes = new TextEncoder().encode(hostText).length;
  if (bytes > MAX_HOST_RULES_BYTES) {
    throw new DriftInputError(
      `the host rules are ${formatSizeOver(bytes, MAX_HOST_RULES_BYTES)}; at most ${formatBytes(MAX_HOST_RULES_BYTES)} can be checked at once`,
    );
  }
  const host = readHostRules(hostText);
  const model = modelRuleset(files, host.format);
  const names = [...model.chains.map((c) => c.name), ...host.chains.filter((c) => c.hooked).map((c) => c.name)];
  const chains = new Set(names);
  const policies: PolicyDifference[] = [];
  for (const name of chains) {
    const inModel = model.chains.find((c) => c.name === name)?.line ?? null;
    const onHost = host.chains.find((c) => c.name === name)?.line ?? null;
    if (inModel !== onHost) policies.push({ chain: name, model: inModel, host: onHost });
  }
  const render = host.format === "nftables" ? renderNftRule : renderXtablesRule;
  const modelRules = expand(model, chains);
  const hostRules = expand(host, chains);
  const missing = lacking(modelRules, keysOf(hostRules), render);
  const extra = lacking(hostRules, keysOf(modelRules), render);
  return {
    inSync: policies.length === 0 && missing.length === 0 && extra.length === 0,
    format: host.format,
    policies,
    missing,
    extra,
  };
}
