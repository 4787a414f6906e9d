// The lookup structures behind "Can it reach?" (src/domain/reach.ts): built
// once per project model, so one question costs a few map lookups instead of
// a scan of every flow (docs/benchmarks.md: 1,000 questions on the huge data
// set well under a second).
//
// - Interfaces by family and prefix length, keyed by network address: the
//   interfaces holding an address are found with one lookup per prefix length
//   present in the project (at most 33 or 129), not one per interface.
// - Flows by (interface, protocol) at each end — the destination interface for
//   INPUT rules, the source interface for OUTPUT rules — and within that by
//   port: single ports in a map, ranges in a short list.

import type { AnalysisModel } from "./analysis-model.js";
import { type ReadFlow, type ReadInterface, type ReadModel, readModel } from "./analysis-model.js";
import type { Protocol } from "./constants.js";
import type { Family } from "./firewall.js";

/** The flows of one interface and protocol at one end. */
export interface FlowBucket {
  all: ReadFlow[];
  byPort: Map<number, ReadFlow[]>;
  ranges: ReadFlow[];
}

export interface ReachIndex {
  read: ReadModel;
  /** Per family, prefix lengths longest first, each with its interfaces by network address. */
  interfaces: Record<Family, { prefix: number; byFirst: Map<bigint, ReadInterface[]> }[]>;
  /** Key `interfaceId protocol`: flows whose destination interface it is (INPUT rules of its entity). */
  incoming: Map<string, FlowBucket>;
  /** Key `interfaceId protocol`: flows whose source interface it is (OUTPUT rules of its entity). */
  outgoing: Map<string, FlowBucket>;
}

export const bucketKey = (interfaceId: number, protocol: Protocol) => `${interfaceId} ${protocol}`;

function addFlow(buckets: Map<string, FlowBucket>, key: string, flow: ReadFlow): void {
  let bucket = buckets.get(key);
  if (bucket === undefined) {
    bucket = { all: [], byPort: new Map(), ranges: [] };
    buckets.set(key, bucket);
  }
  bucket.all.push(flow);
  if (flow.row.portEnd !== flow.row.port) {
    bucket.ranges.push(flow);
    return;
  }
  const list = bucket.byPort.get(flow.row.port);
  if (list === undefined) bucket.byPort.set(flow.row.port, [flow]);
  else list.push(flow);
}

/** Reads the model for `today` and indexes it. */
export function buildReachIndex(model: AnalysisModel, today: string): ReachIndex {
  const read = readModel(model, today);
  const groups: Record<Family, Map<number, Map<bigint, ReadInterface[]>>> = { ipv4: new Map(), ipv6: new Map() };
  for (const item of read.interfaces.values()) {
    const { family, prefix, first } = item.network;
    let byFirst = groups[family].get(prefix);
    if (byFirst === undefined) {
      byFirst = new Map();
      groups[family].set(prefix, byFirst);
    }
    const list = byFirst.get(first);
    if (list === undefined) byFirst.set(first, [item]);
    else list.push(item);
  }
  const sorted = (family: Family) =>
    [...groups[family].entries()].sort((a, b) => b[0] - a[0]).map(([prefix, byFirst]) => ({ prefix, byFirst }));
  const incoming = new Map<string, FlowBucket>();
  const outgoing = new Map<string, FlowBucket>();
  for (const flow of read.flows) {
    addFlow(incoming, bucketKey(flow.destination.row.id, flow.row.protocol), flow);
    addFlow(outgoing, bucketKey(flow.source.row.id, flow.row.protocol), flow);
  }
  return { read, interfaces: { ipv4: sorted("ipv4"), ipv6: sorted("ipv6") }, incoming, outgoing };
}

/** Every interface whose network holds the address, most specific (longest prefix) first. */
export function interfacesHolding(index: ReachIndex, family: Family, address: bigint): ReadInterface[] {
  const bits = family === "ipv4" ? 32 : 128;
  const out: ReadInterface[] = [];
  for (const { prefix, byFirst } of index.interfaces[family]) {
    const hostBits = BigInt(bits - prefix);
    const first = (address >> hostBits) << hostBits;
    const found = byFirst.get(first);
    if (found !== undefined) out.push(...found);
  }
  return out;
}

/** The flows of a bucket whose port range holds port. */
export function flowsAtPort(bucket: FlowBucket | undefined, port: number): ReadFlow[] {
  if (bucket === undefined) return [];
  const single = bucket.byPort.get(port) ?? [];
  const ranged = bucket.ranges.filter((flow) => flow.row.port <= port && port <= flow.row.portEnd);
  return ranged.length === 0 ? single : [...single, ...ranged];
}
