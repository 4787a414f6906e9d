// From a rule as written to the normalised rules it stands for (docs/drift.md):
// one per combination of its alternatives. A terminal rule (accept or drop)
// matching a list does what one rule per element does, so `--dports 22,80` and
// two rules for 22 and 80 normalise alike; a range or a network stays one value
// (`22:23` is not `22` plus `23`).
import type { AddressSpan, NormalRule, RuleMatches, Verdict } from "./types.js";

/** Most normalised rules one written rule may stand for; a bigger one is left unread. */
export const MAX_RULES_PER_RULE = 10_000;

/** How many normalised rules the matches stand for. */
export function combinations(matches: RuleMatches): number {
  const lists = [
    matches.families,
    matches.inInterface,
    matches.outInterface,
    matches.states,
    matches.protocols,
    matches.sources,
    matches.destinations,
    matches.ports,
    matches.icmpTypes,
  ];
  return lists.reduce((product, list) => product * (list?.length ?? 1), 1);
}

/** Every value of an optional list, or once "any" when absent. */
const each = <T>(list: T[] | undefined): (T | undefined)[] => list ?? [undefined];

/** The normalised rules of one written rule, in the order of its alternatives. */
export function expandRule(chain: string, matches: RuleMatches, verdict: Verdict): NormalRule[] {
  const rules: NormalRule[] = [];
  const fits = (span: AddressSpan | undefined, family: string) => span === undefined || span.family === family;
  for (const family of matches.families) {
    for (const inInterface of each(matches.inInterface)) {
      for (const outInterface of each(matches.outInterface)) {
        for (const state of each(matches.states)) {
          for (const protocol of each(matches.protocols)) {
            for (const source of each(matches.sources)) {
              if (!fits(source, family)) continue;
              for (const destination of each(matches.destinations)) {
                if (!fits(destination, family)) continue;
                for (const ports of each(matches.ports)) {
                  for (const icmpType of each(matches.icmpTypes)) {
                    const rule: NormalRule = { chain, family, verdict };
                    if (inInterface) rule.inInterface = inInterface;
                    if (outInterface) rule.outInterface = outInterface;
                    if (state) rule.state = state;
                    if (protocol !== undefined) rule.protocol = protocol;
                    if (source) rule.source = source;
                    if (destination) rule.destination = destination;
                    if (ports) rule.ports = ports;
                    if (icmpType !== undefined) rule.icmpType = icmpType;
                    rules.push(rule);
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return rules;
}

const span = (s: AddressSpan | undefined) => (s === undefined ? "" : `${s.first}-${s.last}`);
const device = (d: NormalRule["inInterface"]) =>
  d === undefined ? "" : `${d.byIndex ? "#" : "="}${JSON.stringify(d.name)}`;

/** Equal for two normalised rules exactly when they mean the same. */
export function ruleKey(rule: NormalRule): string {
  const ports = rule.ports === undefined ? "" : `${rule.ports.first}-${rule.ports.last}`;
  return [
    JSON.stringify(rule.chain),
    rule.family,
    device(rule.inInterface),
    device(rule.outInterface),
    rule.state ?? "",
    rule.protocol ?? "",
    span(rule.source),
    span(rule.destination),
    ports,
    rule.icmpType ?? "",
    rule.verdict,
  ].join(" ");
}
