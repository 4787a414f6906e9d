// The exact comparisons behind the project report (src/domain/report.ts):
// identical rules, flows covered by a broader one, shared and nested
// networks. Everything is compared as numbers — networks as first..last
// address ranges of one family, ports as first..last — never as text, so
// `10.0.0.1/255.255.255.0` (first version data) is the network 10.0.0.0/24 and
// an IPv6 address is the same however it was spelt.
//
// Decisions:
// - A rule lives in one file: a flow's INPUT rule in its destination entity's
//   files, its OUTPUT rule in its source entity's when that entity restricts
//   outgoing traffic. Duplicates and coverage are only looked for within one
//   file, since a rule in another host's file does nothing for this one.
// - Flow A is covered by B when both are enforced, in the same destination
//   entity's INPUT rules, of one protocol, B's source and destination networks
//   hold A's, B's ports hold A's, and they are not identical (that is a
//   duplicate). When A's source restricts outgoing traffic, B must also leave
//   from that entity, or A's OUTPUT rule is still needed.
// - Networks overlap when one holds the other (CIDR blocks never overlap
//   otherwise); only networks (not single hosts) of different entities count:
//   a server recorded inside its subnet is normal. Equal networks are a shared
//   address instead.

import type { AnalysisEntity } from "./analysis-model.js";
import {
  containsNetwork,
  isHost,
  type Network,
  type ReadFlow,
  type ReadInterface,
  type ReadModel,
  sameNetwork,
} from "./analysis-model.js";

const networkKey = (n: Network) => `${n.family} ${n.first} ${n.prefix}`;
const ruleKey = (f: ReadFlow) =>
  `${networkKey(f.source.network)} ${networkKey(f.destination.network)} ${f.row.protocol} ${f.row.port} ${f.row.portEnd}`;

function groupBy<T>(items: Iterable<T>, key: (item: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    const list = groups.get(k);
    if (list === undefined) groups.set(k, [item]);
    else list.push(item);
  }
  return groups;
}

const byId = (a: ReadFlow, b: ReadFlow) => a.row.id - b.row.id;

export interface DuplicateGroup {
  chain: "INPUT" | "OUTPUT";
  entity: AnalysisEntity;
  flows: ReadFlow[];
}

/** Communications that give the same rule in one file (expired ones are in no file). */
export function duplicateGroups(read: ReadModel): DuplicateGroup[] {
  const inFiles = read.flows.filter((f) => f.state !== "expired");
  const groups: DuplicateGroup[] = [];
  const seen = new Set<string>();
  const collect = (chain: DuplicateGroup["chain"], owner: (f: ReadFlow) => AnalysisEntity | null) => {
    const byRule = groupBy(inFiles, (f) => {
      const entity = owner(f);
      return entity === null ? null : `${entity.id} ${ruleKey(f)}`;
    });
    for (const flows of byRule.values()) {
      if (flows.length < 2) continue;
      flows.sort(byId);
      const ids = flows.map((f) => f.row.id).join(" ");
      if (seen.has(ids)) continue;
      seen.add(ids);
      groups.push({ chain, entity: owner(flows[0] as ReadFlow) as AnalysisEntity, flows });
    }
  };
  collect("INPUT", (f) => f.destination.entity);
  collect("OUTPUT", (f) => (f.source.entity.restrictOutgoing ? f.source.entity : null));
  return groups.sort((a, b) => byId(a.flows[0] as ReadFlow, b.flows[0] as ReadFlow));
}

const holds = (b: ReadFlow, a: ReadFlow) =>
  containsNetwork(b.source.network, a.source.network) &&
  containsNetwork(b.destination.network, a.destination.network) &&
  b.row.port <= a.row.port &&
  a.row.portEnd <= b.row.portEnd;

/** Every enforced flow some broader enforced flow makes redundant, with those flows. */
export function coveredFlows(read: ReadModel): { flow: ReadFlow; broader: ReadFlow[] }[] {
  const groups = groupBy(
    read.flows.filter((f) => f.enforced),
    (f) => `${f.destination.entity.id} ${f.row.protocol} ${f.family}`,
  );
  const out: { flow: ReadFlow; broader: ReadFlow[] }[] = [];
  for (const flows of groups.values()) {
    if (flows.length < 2) continue;
    const keys = new Map(flows.map((f) => [f, ruleKey(f)]));
    for (const a of flows) {
      const broader = flows.filter(
        (b) =>
          b !== a &&
          holds(b, a) &&
          keys.get(a) !== keys.get(b) &&
          (!a.source.entity.restrictOutgoing || b.source.entity.id === a.source.entity.id),
      );
      if (broader.length > 0) out.push({ flow: a, broader: broader.sort(byId) });
    }
  }
  return out.sort((x, y) => byId(x.flow, y.flow));
}

/** Interfaces of two or more entities with the same network (or host address), each group by id. */
export function sharedNetworks(read: ReadModel): ReadInterface[][] {
  const groups = groupBy(read.interfaces.values(), (i) => networkKey(i.network));
  return [...groups.values()]
    .filter((group) => new Set(group.map((i) => i.entity.id)).size > 1)
    .map((group) => group.sort((a, b) => a.row.id - b.row.id))
    .sort((a, b) => (a[0]?.row.id ?? 0) - (b[0]?.row.id ?? 0));
}

/** Pairs [outer, inner] of networks of different entities where outer holds inner and they differ. */
export function nestedNetworks(read: ReadModel): [ReadInterface, ReadInterface][] {
  const networks = [...read.interfaces.values()]
    .filter((i) => !isHost(i.network))
    .sort(
      (a, b) =>
        a.network.family.localeCompare(b.network.family) ||
        (a.network.first < b.network.first ? -1 : a.network.first > b.network.first ? 1 : 0) ||
        a.network.prefix - b.network.prefix ||
        a.row.id - b.row.id,
    );
  const pairs: [ReadInterface, ReadInterface][] = [];
  // The networks holding the current one: each on the stack holds the next.
  const stack: ReadInterface[] = [];
  for (const item of networks) {
    while (stack.length > 0) {
      const top = stack.at(-1) as ReadInterface;
      if (top.network.family === item.network.family && top.network.last >= item.network.first) break;
      stack.pop();
    }
    for (const outer of stack) {
      if (outer.entity.id !== item.entity.id && !sameNetwork(outer.network, item.network)) {
        pairs.push([outer, item]);
      }
    }
    stack.push(item);
  }
  return pairs.sort(
    (a, b) => Math.min(a[0].row.id, a[1].row.id) - Math.min(b[0].row.id, b[1].row.id) || a[1].row.id - b[1].row.id,
  );
}
