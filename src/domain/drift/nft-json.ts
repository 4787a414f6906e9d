// `nft -j list ruleset` output read into the compared part (docs/drift.md):
// the chains and rules of the table `inet conntrackt`, which the generated
// file owns. Other tables (iptables-nft's `ip filter` among them), sets and the
// metainfo are skipped; what the conntrackt table holds must have the shape nft
// prints, or the text is refused with the reason.

import { nftChainHead, renderNftExpressions } from "./nft-render.js";
import { onlyKey, readNftExpressions } from "./nft-rule.js";
import { type ChainHead, DriftInputError, type ReadRule, type ReadRuleset } from "./types.js";

/** The table the generated nftables file defines (docs/rules.md). */
export const NFT_TABLE = { family: "inet", name: "conntrackt" } as const;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const ours = (item: Record<string, unknown>, nameKey: "name" | "table") =>
  item.family === NFT_TABLE.family && item[nameKey] === NFT_TABLE.name;

/** Reads the JSON text nft -j prints; throws DriftInputError for anything else. */
export function readNftJsonRuleset(text: string): ReadRuleset {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new DriftInputError(`the text is not valid JSON (${(error as Error).message}): is it cut off?`);
  }
  if (!isObject(root) || !Array.isArray(root.nftables)) {
    throw new DriftInputError('the JSON has no "nftables" list, which nft -j list ruleset prints');
  }
  const chains: ChainHead[] = [];
  const rules: ReadRule[] = [];
  for (const [index, entry] of root.nftables.entries()) {
    const kind = onlyKey(entry);
    const item = kind === null || !isObject(entry) ? null : entry[kind];
    if (kind === null || !isObject(item)) {
      throw new DriftInputError(`nftables[${index}] is not an object with one key, as nft -j prints them`);
    }
    if (kind === "chain" && ours(item, "table")) chains.push(readChain(item, index, chains));
    if (kind === "rule" && ours(item, "table")) {
      const chain = item.chain;
      const where = typeof item.handle === "number" ? `handle ${item.handle}` : `nftables[${index}]`;
      if (typeof chain !== "string" || !chains.some((c) => c.name === chain)) {
        throw new DriftInputError(`${where}: a rule of a chain the table does not list before it`);
      }
      rules.push({
        chain,
        where,
        text: renderNftExpressions(item.expr),
        reading: readNftExpressions(item.expr, where),
      });
    }
  }
  return { format: "nftables", chains, rules };
}

function readChain(item: Record<string, unknown>, index: number, seen: ChainHead[]): ChainHead {
  const { name, type, hook, prio, policy } = item;
  if (typeof name !== "string") throw new DriftInputError(`nftables[${index}]: a chain without a name`);
  if (seen.some((c) => c.name === name)) throw new DriftInputError(`nftables[${index}]: chain ${name} appears twice`);
  if (hook === undefined) return { name, line: nftChainHead({ name }), hooked: false };
  const typeOk = typeof type === "string" && typeof hook === "string" && typeof prio === "number";
  if (!typeOk || (policy !== "accept" && policy !== "drop")) {
    throw new DriftInputError(`nftables[${index}]: chain ${name} has a hook without type, priority or policy`);
  }
  return { name, line: nftChainHead({ name, base: { type, hook, prio, policy } }), hooked: true };
}
