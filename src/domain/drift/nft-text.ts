// The generated nftables file (src/domain/nftables.ts, docs/rules.md) read
// into the compared part, for the model's side of a drift check. It reads the
// subset that generator writes — the table, chains with their heads, rules of
// interface, ct state, address, port and type matches and `accept` — turning
// each rule into the expressions `nft -j` would print, so one reader
// (src/domain/drift/nft-rule.ts) serves both sides. Anything else is a bug in
// the generator or here, not user input: a plain Error.

import { nftChainHead } from "./nft-render.js";
import { readNftExpressions } from "./nft-rule.js";
import type { ChainHead, ReadRule, ReadRuleset } from "./types.js";

const CHAIN_OPEN = /^chain (\w+) \{$/;
const CHAIN_LINE = /^chain (\w+) \{ (.*) \}$/;
const HEAD = /^type (\w+) hook (\w+) priority filter; policy (accept|drop);$/;

/** Splits a rule line into words; a quoted string and a `{ … }` set are one word each. */
function words(line: string): string[] {
  return line.match(/"[^"]*"|\{[^}]*\}|\S+/g) ?? [];
}

/** A value as nft -j prints it: a set, a prefix, a range, a number or a name. */
function value(word: string): unknown {
  if (word.startsWith("{")) {
    return {
      set: word
        .slice(1, -1)
        .split(",")
        .map((part) => value(part.trim())),
    };
  }
  if (word.startsWith('"')) return word.slice(1, -1);
  const slash = word.indexOf("/");
  if (slash > 0) return { prefix: { addr: word.slice(0, slash), len: Number(word.slice(slash + 1)) } };
  if (/^[0-9]+-[0-9]+$/.test(word)) return { range: word.split("-").map(Number) };
  return /^[0-9]+$/.test(word) ? Number(word) : word;
}

const PAYLOADS = new Set([
  "ip saddr",
  "ip daddr",
  "ip6 saddr",
  "ip6 daddr",
  "tcp dport",
  "udp dport",
  "icmp type",
  "icmpv6 type",
]);

/** The expressions of one generated rule line. */
function expressions(line: string, where: string): unknown[] {
  const list = words(line);
  const out: unknown[] = [];
  const match = (left: unknown, right: unknown, op = "==") => out.push({ match: { op, left, right } });
  for (let i = 0; i < list.length; i++) {
    const word = list[i] as string;
    const next = list[i + 1];
    const pair = `${word} ${next}`;
    if (word === "accept" || word === "drop") out.push({ [word]: null });
    else if (["iif", "oif", "iifname", "oifname"].includes(word) && next !== undefined) {
      match({ meta: { key: word } }, value(next));
      i++;
    } else if (pair === "ct state" && list[i + 2] !== undefined) {
      match({ ct: { key: "state" } }, (list[i + 2] as string).split(","), "in");
      i += 2;
    } else if (PAYLOADS.has(pair) && list[i + 2] !== undefined) {
      match({ payload: { protocol: word, field: next } }, value(list[i + 2] as string));
      i += 2;
    } else {
      throw new Error(
        `generated nftables file, ${where}: ${JSON.stringify(word)} is outside what the drift check reads`,
      );
    }
  }
  return out;
}

/** Reads the generated nftables file. */
export function readNftFileRuleset(text: string): ReadRuleset {
  const chains: ChainHead[] = [];
  const rules: ReadRule[] = [];
  let chain: string | null = null;
  let inTable = false;
  const addChain = (name: string, head: string, where: string) => {
    const parts = HEAD.exec(head);
    if (parts === null) throw new Error(`generated nftables file, ${where}: an unexpected chain head ${head}`);
    const [, type = "", hook = "", policy = ""] = parts;
    chains.push({ name, line: nftChainHead({ name, base: { type, hook, prio: 0, policy } }), hooked: true });
  };
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    const where = `line ${index + 1}`;
    if (line === "" || line.startsWith("#")) continue;
    if (!inTable) {
      if (line === "table inet conntrackt {") inTable = true;
      else if (line !== "table inet conntrackt" && line !== "delete table inet conntrackt") {
        throw new Error(`generated nftables file, ${where}: an unexpected line outside the table`);
      }
      continue;
    }
    const single = CHAIN_LINE.exec(line);
    const open = CHAIN_OPEN.exec(line);
    if (chain === null && single !== null) addChain(single[1] ?? "", single[2] ?? "", where);
    else if (chain === null && open !== null) chain = open[1] ?? "";
    else if (chain === null && line === "}") inTable = false;
    else if (chain !== null && line === "}") chain = null;
    else if (chain !== null && line.startsWith("type ")) addChain(chain, line, where);
    else if (chain !== null) {
      rules.push({ chain, where, text: line, reading: readNftExpressions(expressions(line, where), where) });
    } else throw new Error(`generated nftables file, ${where}: an unexpected line in the table`);
  }
  return { format: "nftables", chains, rules };
}
