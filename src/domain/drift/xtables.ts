// iptables-save and ip6tables-save output, and the generated restore files
// (the same syntax), read into the compared part (docs/drift.md): the
// filter table's INPUT, FORWARD and OUTPUT chains with their policies and rules.
// Other tables and chains are read only far enough to know the text is whole:
// every table ends in COMMIT, every rule's chain is declared, quotes close.
// Comment lines, counters (`[0:0]`, `[5:300] -A …`) and blank lines are skipped.
import { DriftInputError, type Family, type ReadRule, type ReadRuleset } from "./types.js";
import { readXtablesOptions, tokenizeXtables } from "./xtables-rule.js";

/** The chains compared, in the order the files list them. */
export const XTABLES_CHAINS = ["INPUT", "FORWARD", "OUTPUT"] as const;

const CHAIN_LINE = /^:(\S+) (\S+)(?: \[\d+:\d+\])?$/;
const COUNTERS = /^\[\d+:\d+\] +/;

/** The start of a line for a message, cut short. */
export function quoteLine(line: string): string {
  const shown = line.length > 60 ? `${line.slice(0, 60)}…` : line;
  return JSON.stringify(shown);
}

/** Reads a save or restore text of one family; throws DriftInputError naming the line for text that is not one. */
export function readXtablesRuleset(text: string, family: Family): ReadRuleset {
  const tool = family === "ipv4" ? "iptables-save" : "ip6tables-save";
  const seen = new Set<string>();
  let table: { name: string; chains: Map<string, string>; line: number } | null = null;
  const heads = new Map<string, string>();
  const rules: ReadRule[] = [];
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const trimmed = (lines[index] as string).trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const where = `line ${index + 1}`;
    const fail = (message: string) => new DriftInputError(`${where}: ${message}`);
    if (trimmed.startsWith("*")) {
      if (table !== null) throw fail(`table ${trimmed} starts before the COMMIT of *${table.name}`);
      const name = trimmed.slice(1);
      if (!/^[a-z]+$/.test(name)) throw fail(`${quoteLine(trimmed)} is not a table name`);
      if (seen.has(name)) throw fail(`table *${name} appears twice`);
      seen.add(name);
      table = { name, chains: new Map(), line: index + 1 };
      continue;
    }
    if (table === null) {
      throw fail(`${quoteLine(trimmed)} is outside a table: ${tool} output has *TABLE, chains, rules and COMMIT`);
    }
    if (trimmed === "COMMIT") {
      table = null;
      continue;
    }
    const chain = CHAIN_LINE.exec(trimmed);
    if (chain !== null) {
      const [, name = "", policy = ""] = chain;
      if (!["ACCEPT", "DROP", "-"].includes(policy)) throw fail(`chain ${name} has the policy ${policy}`);
      if (table.chains.has(name)) throw fail(`chain ${name} is declared twice`);
      table.chains.set(name, policy);
      if (table.name === "filter" && (XTABLES_CHAINS as readonly string[]).includes(name)) {
        heads.set(name, `:${name} ${policy}`);
      }
      continue;
    }
    const ruleText = trimmed.replace(COUNTERS, "");
    if (!ruleText.startsWith("-A ")) {
      throw fail(`${quoteLine(trimmed)} is not ${tool} output (a chain, a -A rule or COMMIT)`);
    }
    const words = tokenizeXtables(ruleText, where);
    const name = words[1] ?? "";
    if (!table.chains.has(name)) throw fail(`rule for chain ${name}, which the table *${table.name} does not declare`);
    if (table.name !== "filter" || !(XTABLES_CHAINS as readonly string[]).includes(name)) continue;
    rules.push({ chain: name, where, text: ruleText, reading: readXtablesOptions(words.slice(2), family, where) });
  }
  if (table !== null) {
    throw new DriftInputError(
      `the text ends inside table *${table.name} (line ${table.line}) without COMMIT: is it cut off?`,
    );
  }
  const chains = XTABLES_CHAINS.flatMap((name) => {
    const line = heads.get(name);
    return line === undefined ? [] : [{ name, line, hooked: true }];
  });
  return { format: family === "ipv4" ? "iptables" : "ip6tables", chains, rules };
}
