// The first version's iptables-restore cases and inputs (test/golden/iptables),
// shared by the generator's pure tests (test/unit/iptables.test.ts) and its
// kernel checks (test/e2e/iptables-kernel.test.ts).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { formatIpv4, prefixToNetmask } from "../../src/domain/ipv4.js";
import type { Endpoint, EntityRulesInput, IncomingFlow } from "../../src/domain/types.js";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const goldenDir = path.join(projectRoot, "test", "golden", "iptables");
export const CASES = [
  "worked-example",
  "no-incoming",
  "subnets",
  "descriptions",
  "duplicates",
  "hostile",
  "oversized",
  "icmp-types",
];

export function readCase(name: string): EntityRulesInput {
  return JSON.parse(readFileSync(path.join(goldenDir, `${name}.json`), "utf8")) as EntityRulesInput;
}

/** iptables reads ICMP type 255 as "any type", so such a flow must never become a rule. */
export const isIcmpAny = (flow: IncomingFlow) => flow.protocol === "ICMP" && flow.port === 255;

/** Rule lines the data asks for, written independently of the generator (inputs are canonical). */
export function requestedRuleLines(input: EntityRulesInput): Set<string> {
  const address = (e: Endpoint) => (e.netmask === "255.255.255.255" ? e.address : `${e.address}/${e.netmask}`);
  const lines = new Set<string>();
  for (const flow of input.incoming.filter((f) => !isIcmpAny(f))) {
    const p = flow.protocol.toLowerCase();
    const match = p === "icmp" ? `--icmp-type ${flow.port}` : `--dport ${flow.port}`;
    lines.add(`-A INPUT -s ${address(flow.source)} -d ${address(flow.destination)} -p ${p} -m ${p} ${match} -j ACCEPT`);
  }
  return lines;
}

export const ep = (address: string, netmask = "255.255.255.255"): Endpoint => ({ address, netmask });

/** Hostile text: any code point, lone surrogates, and a high share of line breakers and rule fragments. */
const hostileText = fc.string({
  unit: fc.oneof(
    fc.constantFrom("\n", "\r", "\t", "\0", "\x7f", "\x85", "\u2028", "\u2029", "\u202e", '"', "\\", "#", " "),
    fc.constantFrom("-A INPUT -j ACCEPT", "COMMIT", "*filter", ":INPUT ACCEPT [0:0]", "日", "é", "🔥"),
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  ),
  maxLength: 60,
});
const endpointArb = fc
  .record({ address: fc.integer({ min: 0, max: 0xffffffff }), prefix: fc.constantFrom(0, 8, 16, 24, 25, 32, 32, 32) })
  .map(({ address, prefix }) => ep(formatIpv4(address), prefixToNetmask(prefix)));
const portArb = {
  TCP: fc.constantFrom(1, 22, 53, 80, 443, 8080, 65535),
  UDP: fc.constantFrom(1, 53, 123, 514, 65535),
  ICMP: fc.constantFrom(0, 3, 8, 254, 255),
};
// The first version's protocols: ICMPv6 joins IPv6 ends (test/support/firewall-v2.ts).
const flowArb: fc.Arbitrary<IncomingFlow> = fc
  .constantFrom("TCP" as const, "UDP" as const, "ICMP" as const)
  .chain((protocol) =>
    fc.record({
      protocol: fc.constant(protocol),
      port: portArb[protocol],
      description: hostileText,
      source: endpointArb,
      destination: endpointArb,
    }),
  );
export const inputArb: fc.Arbitrary<EntityRulesInput> = fc.record({
  entity: fc.record({ name: hostileText, project: hostileText, location: hostileText }),
  incoming: fc.array(flowArb, { maxLength: 12 }),
});
