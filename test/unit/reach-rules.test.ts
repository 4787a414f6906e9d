// "Can it reach?" against the generated files themselves (docs/usage.md): for
// seeded dual-stack projects, the iptables and ip6tables files of every entity
// are generated, their `-A INPUT`/`-A OUTPUT` lines read back by a matcher
// written here from the file format (docs/rules.md), and thousands of
// questions — recorded flows, near misses, random sources — get the same
// verdict from the reach function as from those lines. The kernel does the
// same with real packets in test/e2e/reach-kernel.test.ts.
import { describe, expect, it } from "vitest";
import type { AnalysisModel } from "../../src/domain/analysis-model.js";
import type { Protocol } from "../../src/domain/constants.js";
import { generateEntityIp6Rules } from "../../src/domain/ip6tables.js";
import { generateEntityRules } from "../../src/domain/iptables.js";
import { parseIpv4, prefixLength } from "../../src/domain/ipv4.js";
import { parseIpv6 } from "../../src/domain/ipv6.js";
import { buildReachIndex, type ReachQuery, reach } from "../../src/domain/reach.js";
import { dualStackProject, entityInputs, ModelBuilder, seeded } from "../support/analysis-model.js";

const TODAY = "2026-12-02";

interface Match {
  first: bigint;
  last: bigint;
}
interface Rule {
  source: Match | null;
  destination: Match | null;
  protocol: Protocol;
  first: number;
  last: number;
}
interface HostRules {
  input: Rule[];
  output: Rule[];
  outputPolicy: "ACCEPT" | "DROP";
}

const PROTOCOL_NAMES: Record<string, Protocol> = { tcp: "TCP", udp: "UDP", icmp: "ICMP", "ipv6-icmp": "ICMPv6" };
const RULE =
  /^-A (INPUT|OUTPUT) (?:-s (\S+) )?(?:-d (\S+) )?-p (\S+) -m \S+ --(?:dport|icmp-type|icmpv6-type) (\d+)(?::(\d+))? -j ACCEPT$/;

/** `10.0.0.0/255.255.255.0`, `10.0.0.1`, `fd00::/64` as a range of numbers, from the text alone. */
function readMatch(text: string): Match {
  const [address = "", mask] = text.split("/");
  const v4 = parseIpv4(address);
  const bits = v4 === null ? 128 : 32;
  const value = v4 === null ? (parseIpv6(address) as bigint) : BigInt(v4);
  const prefix = mask === undefined ? bits : v4 === null ? Number(mask) : (prefixLength(mask) as number);
  const size = 1n << BigInt(bits - prefix);
  const first = (value / size) * size;
  return { first, last: first + size - 1n };
}

function readFile(text: string, into: HostRules): void {
  if (text.includes(":OUTPUT DROP")) into.outputPolicy = "DROP";
  for (const line of text.split("\n")) {
    const m = RULE.exec(line);
    if (m === null) continue;
    const rule: Rule = {
      source: m[2] === undefined ? null : readMatch(m[2]),
      destination: m[3] === undefined ? null : readMatch(m[3]),
      protocol: PROTOCOL_NAMES[m[4] as string] as Protocol,
      first: Number(m[5]),
      last: Number(m[6] ?? m[5]),
    };
    (m[1] === "INPUT" ? into.input : into.output).push(rule);
  }
}

/** Each entity's rules, read back from its two generated files. */
function hostRules(model: AnalysisModel): Map<number, HostRules> {
  const out = new Map<number, HostRules>();
  for (const [id, input] of entityInputs(model, TODAY)) {
    const rules: HostRules = { input: [], output: [], outputPolicy: "ACCEPT" };
    readFile(generateEntityRules(input), rules);
    readFile(generateEntityIp6Rules(input), rules);
    out.set(id, rules);
  }
  return out;
}

const within = (m: Match | null, address: bigint) => m === null || (m.first <= address && address <= m.last);
const accepts = (rules: Rule[], q: ReachQuery) =>
  rules.some(
    (r) =>
      r.protocol === q.protocol &&
      r.first <= q.port &&
      q.port <= r.last &&
      within(r.source, q.from) &&
      within(r.destination, q.to),
  );

/** The entities holding an address most specifically, found by scanning every interface. */
function ownersOf(model: AnalysisModel, address: bigint, family: "ipv4" | "ipv6"): { ids: number[]; host: boolean } {
  let best = -1;
  let ids: number[] = [];
  for (const i of model.interfaces) {
    if ((parseIpv4(i.address) !== null) !== (family === "ipv4")) continue;
    const m = readMatch(`${i.address}/${i.netmask}`);
    if (!within(m, address)) continue;
    const prefix = family === "ipv4" ? (prefixLength(i.netmask) as number) : Number(i.netmask);
    if (prefix > best) [best, ids] = [prefix, [i.entityId]];
    else if (prefix === best && !ids.includes(i.entityId)) ids.push(i.entityId);
  }
  return { ids, host: best === (family === "ipv4" ? 32 : 128) };
}

function expected(model: AnalysisModel, rules: Map<number, HostRules>, q: ReachQuery): "allowed" | "denied" {
  const to = ownersOf(model, q.to, q.family);
  const from = ownersOf(model, q.from, q.family);
  const same =
    q.from === q.to ||
    (to.ids.length === 1 && from.ids.length === 1 && to.ids[0] === from.ids[0] && to.host && from.host);
  if (same) return "allowed";
  const inputs = to.ids.every((id) => accepts(rules.get(id)?.input ?? [], q));
  const outputs = from.ids.every((id) => {
    const r = rules.get(id) as HostRules;
    return r.outputPolicy === "ACCEPT" || accepts(r.output, q);
  });
  return inputs && outputs ? "allowed" : "denied";
}

/** Questions around every recorded flow and at random, as numbers. */
function questions(model: AnalysisModel, seed: number, count: number): ReachQuery[] {
  const random = seeded(seed);
  const int = (below: number) => Math.floor(random() * below);
  const ifaces = new Map(model.interfaces.map((i) => [i.id, i]));
  const inside = (id: number) => {
    const i = ifaces.get(id);
    const m = readMatch(`${i?.address}/${i?.netmask}`);
    const span = m.last - m.first + 1n;
    return m.first + (span > 1n ? BigInt(int(Math.min(Number(span), 1_000_000))) : 0n);
  };
  const restrictingIds = new Set(model.entities.filter((e) => e.restrictOutgoing).map((e) => e.id));
  const restricting = model.interfaces.filter((i) => restrictingIds.has(i.entityId));
  const out: ReachQuery[] = [];
  while (out.length < count) {
    const c = model.communications[int(model.communications.length)];
    if (c === undefined) break;
    const family = parseIpv4(ifaces.get(c.sourceId)?.address ?? "") !== null ? "ipv4" : "ipv6";
    let from = inside(c.sourceId);
    let port = c.port + int(c.portEnd - c.port + 1);
    let protocol = c.protocol;
    const twist = int(7);
    if (twist === 1)
      port = Math.max(c.protocol.startsWith("ICMP") ? 0 : 1, port + (random() < 0.5 ? -1 : c.portEnd - c.port + 1));
    if (twist === 2) from = from ^ (1n << BigInt(int(family === "ipv4" ? 24 : 80)));
    if (twist === 3 && (protocol === "TCP" || protocol === "UDP")) protocol = protocol === "TCP" ? "UDP" : "TCP";
    // From a host that restricts outgoing traffic: its OUTPUT rules decide too.
    if (twist === 5 && restricting.length > 0) {
      const own = restricting.find((i) => (parseIpv4(i.address) !== null) === (family === "ipv4"));
      if (own !== undefined) from = readMatch(own.address).first;
    }
    if (twist === 4) from = BigInt(int(2 ** 31)) * (family === "ipv4" ? 1n : 1n << 96n);
    if (port > (protocol.startsWith("ICMP") ? 255 : 65535)) port = protocol.startsWith("ICMP") ? 255 : 65535;
    out.push({ family, from, to: inside(c.destinationId), protocol, port });
  }
  return out;
}

describe("the reach verdict equals what the generated lines accept", () => {
  for (const seed of [1, 2, 3]) {
    it(`seeded dual-stack project ${seed}: 2,000 questions`, () => {
      const model = dualStackProject(seed, TODAY).model;
      const rules = hostRules(model);
      const index = buildReachIndex(model, TODAY);
      const tally = { allowed: 0, denied: 0 };
      for (const q of questions(model, seed * 7919, 2000)) {
        const outcome = reach(index, q);
        expect(
          outcome.ok,
          JSON.stringify(q, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
        ).toBe(true);
        if (!outcome.ok) continue;
        const want = expected(model, rules, q);
        if (outcome.answer.verdict !== want) {
          throw new Error(
            `disagreement on ${JSON.stringify(outcome.answer.query)}: reach ${outcome.answer.verdict}, files ${want}`,
          );
        }
        tally[want]++;
      }
      // Both answers occur often enough for the comparison to mean something.
      expect(tally.allowed).toBeGreaterThan(300);
      expect(tally.denied).toBeGreaterThan(300);
    });
  }

  it("the matcher itself tells a network flow from a host flow", () => {
    const b = new ModelBuilder();
    const lan = b.entity("lan");
    const net = b.iface(lan, "10.1.1.0", "255.255.255.0");
    const db = b.host("db", "10.2.0.1");
    b.flow(net, db.iface, "TCP", 22);
    const rules = hostRules(b.model);
    const q = (from: string): ReachQuery => ({
      family: "ipv4",
      from: BigInt(parseIpv4(from) as number),
      to: BigInt(parseIpv4("10.2.0.1") as number),
      protocol: "TCP",
      port: 22,
    });
    expect(expected(b.model, rules, q("10.1.1.200"))).toBe("allowed");
    expect(expected(b.model, rules, q("10.1.2.1"))).toBe("denied");
  });
});
