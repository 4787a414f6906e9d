// Shared by the tests of the next version's firewall generators
// (test/unit/iptables-v2.test.ts, ip6tables.test.ts, nftables.test.ts): the
// golden cases, hostile random inputs and oracles that write the requested rule
// lines independently of the generators. Kernel helpers: firewall-v2-kernel.ts.
import fc from "fast-check";
import { expect } from "vitest";
import { formatIpv4, parseIpv4, prefixLength, prefixToMaskValue, prefixToNetmask } from "../../src/domain/ipv4.js";
import { formatIpv6, IPV6_MAX, ipv6PrefixMask, parseIpv6 } from "../../src/domain/ipv6.js";
import type { Endpoint, FirewallFlow, FirewallInput } from "../../src/domain/types.js";

export type Family = "ipv4" | "ipv6";

export const ep4 = (address: string, netmask = "255.255.255.255"): Endpoint => ({ address, netmask });
export const ep6 = (address: string, prefix = 128): Endpoint => ({ address, netmask: String(prefix) });
export const flow = (
  protocol: FirewallFlow["protocol"],
  port: number | [number, number],
  source: Endpoint,
  destination: Endpoint,
  description = "",
): FirewallFlow => {
  const [first, last] = Array.isArray(port) ? port : [port, undefined];
  return last === undefined
    ? { protocol, port: first, description, source, destination }
    : { protocol, port: first, portEnd: last, description, source, destination };
};
export const entity = { name: "e", project: "p", location: "l" };

const host4 = ep4("192.168.1.1");
const host6 = ep6("fd00:1::1");

/** The golden cases shared by the three formats (test/golden/{iptables-v2,ip6tables,nftables}/CASE.*). */
export const CASES: Record<string, FirewallInput> = {
  "no-flows": { entity: { name: "Lonely host", project: "Acme", location: "Main site" }, incoming: [] },
  "dual-stack": {
    entity: { name: "Web 1", project: "Acme", location: "Main site" },
    incoming: [
      flow("ICMPv6", 128, ep6("fd00:1::2"), host6, "Ping over IPv6"),
      flow("UDP", [8000, 8100], ep6("fd00:1::2"), host6, "Media"),
      flow("UDP", [8000, 8100], ep4("10.10.4.0", "255.255.255.0"), host4, "Media"),
      flow("TCP", 22, ep4("10.10.4.0", "255.255.255.0"), host4, "SSH"),
      flow("TCP", 22, ep6("fd00:4::", 64), host6, "SSH"),
      flow("TCP", [22, 23], ep4("192.168.1.2"), host4),
      flow("TCP", [443, 443], ep6("::", 0), host6, "HTTPS from anywhere"),
      flow("ICMP", 8, ep4("192.168.1.2"), host4, "Ping"),
      flow("ICMP", 255, ep4("192.168.1.2"), host4, "Odd type"),
      flow("ICMPv6", 255, ep6("fd00:1::2"), host6, "Odd type"),
      flow("UDP", 53, ep6("fd00:1::10"), ep6("fd00:1::9"), "numeric order"),
      flow("UDP", 53, ep6("fd00:1::9"), ep6("fd00:1::9"), "numeric order"),
    ],
  },
  "restrict-outgoing": {
    entity: { name: "Web 1", project: "Acme", location: "Main site" },
    restrictOutgoing: true,
    incoming: [
      flow("TCP", 443, ep4("0.0.0.0", "0.0.0.0"), host4, "HTTPS"),
      flow("TCP", 443, ep6("::", 0), host6, "HTTPS"),
    ],
    outgoing: [
      flow("UDP", 53, host4, ep4("192.168.1.53"), "DNS"),
      flow("UDP", 53, host6, ep6("fd00:1::53"), "DNS"),
      flow("TCP", [5432, 5433], host6, ep6("fd00:2::", 64), "Database"),
      flow("ICMP", 8, host4, ep4("10.10.4.0", "255.255.255.0")),
      flow("ICMPv6", 128, host6, ep6("fd00:2::", 64)),
      flow("ICMPv6", 255, host6, ep6("fd00:2::", 64)),
    ],
  },
  hostile: {
    entity: {
      name: 'x"\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\\',
      project: "}\n}\ntable inet conntrackt { chain input { type filter hook input priority filter; policy accept; } }",
      location: "\u2028flush ruleset\u202e",
    },
    restrictOutgoing: true,
    incoming: [
      flow("TCP", 22, ep4("10.0.0.2"), ep4("10.0.0.1"), "a\n-A INPUT -j ACCEPT\r\nCOMMIT"),
      flow("TCP", 22, ep6("fd00::2"), ep6("fd00::1"), "ends in a backslash \\"),
      flow(
        "UDP",
        [1, 65535],
        ep6("fd00::2"),
        ep6("fd00::1"),
        "}\n    }\n    chain x { type filter hook input priority -1; policy accept; }\n#",
      ),
      flow("ICMPv6", 0, ep6("fd00::2"), ep6("fd00::1"), "\x85accept\u2029ip saddr 0.0.0.0/0 accept"),
    ],
    outgoing: [flow("TCP", 80, ep4("10.0.0.1"), ep4("0.0.0.0", "0.0.0.0"), "\0\nflush ruleset\n")],
  },
  duplicates: {
    entity: { name: "Twice", project: "Acme", location: "Main site" },
    incoming: [
      flow("TCP", [8000, 8100], ep6("fd00::2"), ep6("fd00::1"), "b"),
      flow("TCP", [8000, 8100], ep6("FD00:0::2"), ep6("fd00::1"), "a"),
      flow("TCP", [8000, 8100], ep6("fd00::2"), ep6("fd00::1")),
      flow("TCP", 22, ep4("10.10.4.7", "255.255.255.0"), ep4("10.0.0.1"), "hosts"),
      flow("TCP", 22, ep4("10.10.4.0", "255.255.255.0"), ep4("10.0.0.1"), "network"),
      flow("UDP", [53, 53], ep4("10.0.0.2"), ep4("10.0.0.1")),
      flow("UDP", 53, ep4("10.0.0.2"), ep4("10.0.0.1"), "DNS"),
    ],
  },
};

/** Hostile text: any code point, lone surrogates, many line breakers and fragments of all three formats. */
export const hostileText = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      "\n",
      "\r",
      "\t",
      "\0",
      "\x7f",
      "\x85",
      "\u2028",
      "\u2029",
      "\u202e",
      '"',
      "\\",
      "#",
      " ",
      "}",
      "{",
    ),
    fc.constantFrom("-A INPUT -j ACCEPT", "COMMIT", "*filter", "flush ruleset", "} }", "policy accept;", "日", "🔥"),
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  ),
  maxLength: 60,
});

const endpoint4 = fc
  .record({ address: fc.integer({ min: 0, max: 0xffffffff }), prefix: fc.constantFrom(0, 8, 24, 25, 32, 32, 32) })
  .map(({ address, prefix }) => ep4(formatIpv4(address), prefixToNetmask(prefix)));
const endpoint6 = fc
  .record({ address: fc.bigInt({ min: 0n, max: IPV6_MAX }), prefix: fc.constantFrom(0, 48, 64, 127, 128, 128, 128) })
  // Never IPv4-mapped (::ffff:0:0/96), which src/domain/ipv6.ts refuses.
  .filter(({ address }) => address >> 32n !== 0xffffn)
  .map(({ address, prefix }) => ep6(formatIpv6(address & ipv6PrefixMask(prefix)), prefix));
const portsArb = fc.oneof(
  fc.constantFrom(1, 22, 53, 443, 65535),
  fc
    .tuple(fc.integer({ min: 1, max: 65534 }), fc.integer({ min: 1, max: 200 }))
    .map(([a, n]): [number, number] => [a, Math.min(65535, a + n)]),
);
const typeArb = fc.constantFrom(0, 3, 8, 128, 254, 255);

/** One random flow of either family, with a hostile description. */
export const flowArb: fc.Arbitrary<FirewallFlow> = fc.constantFrom<Family>("ipv4", "ipv6").chain((family) => {
  const end = family === "ipv4" ? endpoint4 : endpoint6;
  const icmp = family === "ipv4" ? "ICMP" : "ICMPv6";
  return fc
    .oneof(
      fc.tuple(fc.constantFrom("TCP" as const, "UDP" as const), portsArb, end, end, hostileText),
      fc.tuple(fc.constant(icmp), typeArb, end, end, hostileText),
    )
    .map(([protocol, port, source, destination, description]) =>
      flow(protocol, port, source, destination, description),
    );
});

/** A random input of both families, outgoing flows and restrictOutgoing either way, hostile names. */
export const inputArb: fc.Arbitrary<FirewallInput> = fc.record({
  entity: fc.record({ name: hostileText, project: hostileText, location: hostileText }),
  restrictOutgoing: fc.boolean(),
  incoming: fc.array(flowArb, { maxLength: 10 }),
  outgoing: fc.array(flowArb, { maxLength: 6 }),
});

/** The family of an end, from its address (inputs here are canonical). */
export const familyOf = (end: Endpoint): Family => (parseIpv4(end.address) === null ? "ipv6" : "ipv4");
/** The address in canonical text: IPv6 in RFC 5952 form (a golden case spells one differently). */
const canonical = (e: Endpoint) => (familyOf(e) === "ipv4" ? e.address : formatIpv6(parseIpv6(e.address) ?? 0n));
/** Type 255 is left out of every format. */
export const isLeftOut = (f: FirewallFlow) => (f.protocol === "ICMP" || f.protocol === "ICMPv6") && f.port === 255;
const portText = (f: FirewallFlow, separator: string) =>
  f.portEnd === undefined || f.portEnd === f.port ? `${f.port}` : `${f.port}${separator}${f.portEnd}`;
const ND_MLD = [133, 134, 135, 136, 130, 131, 132, 143];

/** The iptables/ip6tables match of a flow, written from the format description (docs/rules.md). */
export function xtablesMatch(f: FirewallFlow): string {
  if (f.protocol === "ICMP") return `-p icmp -m icmp --icmp-type ${f.port}`;
  if (f.protocol === "ICMPv6") return `-p ipv6-icmp -m icmp6 --icmpv6-type ${f.port}`;
  const p = f.protocol.toLowerCase();
  return `-p ${p} -m ${p} --dport ${portText(f, ":")}`;
}

/** The rule lines a restore file must hold for the flows of one family in one chain. */
export function xtablesRequested(flows: FirewallFlow[], family: Family, chain: "INPUT" | "OUTPUT"): Set<string> {
  const text = (e: Endpoint) =>
    e.netmask === (family === "ipv4" ? "255.255.255.255" : "128") ? canonical(e) : `${canonical(e)}/${e.netmask}`;
  const lines = new Set<string>();
  for (const f of flows.filter((x) => familyOf(x.source) === family && !isLeftOut(x))) {
    lines.add(`-A ${chain} -s ${text(f.source)} -d ${text(f.destination)} ${xtablesMatch(f)} -j ACCEPT`);
  }
  return lines;
}

/** The command lines every restore file starts with (header and comments aside). */
export function xtablesStanding(family: Family, restrictOutgoing: boolean): string[] {
  const nd = (chain: string) => ND_MLD.map((t) => `-A ${chain} -p ipv6-icmp -m icmp6 --icmpv6-type ${t} -j ACCEPT`);
  return [
    "*filter",
    ":INPUT DROP [0:0]",
    ":FORWARD DROP [0:0]",
    `:OUTPUT ${restrictOutgoing ? "DROP" : "ACCEPT"} [0:0]`,
    "-A INPUT -i lo -j ACCEPT",
    "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
    ...(family === "ipv6" ? nd("INPUT") : []),
    ...(restrictOutgoing
      ? [
          "-A OUTPUT -o lo -j ACCEPT",
          "-A OUTPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
          ...(family === "ipv6" ? nd("OUTPUT") : []),
        ]
      : []),
  ];
}

/** iptables-restore reads lines into a buffer of this many bytes (including the newline and NUL). */
const IPTABLES_LINE_BUFFER = 10240;

/** Every line is one line, fits the read buffer, and every comment line starts `# ` and a non-space. */
function expectSafeLines(lines: string[]): void {
  for (const line of lines) {
    expect(line).not.toMatch(/[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u);
    expect(Buffer.byteLength(line, "utf8") + 2).toBeLessThanOrEqual(IPTABLES_LINE_BUFFER);
    if (line.trimStart().startsWith("#") && !line.startsWith("#!")) expect(line.trimStart()).toMatch(/^# \S/u);
  }
}

/** Checks that a restore file holds the standing lines and exactly the requested rules, nothing else. */
export function expectOnlyRequestedXtables(input: FirewallInput, family: Family, output: string): void {
  expect(output.endsWith("\nCOMMIT\n")).toBe(true);
  const lines = output.slice(0, -1).split("\n");
  expect(lines[0]).toMatch(/^# Conntrackt rules for entity "/);
  expectSafeLines(lines);
  const restrict = input.restrictOutgoing === true;
  const commands = lines.filter((line) => line !== "" && !line.startsWith("#"));
  const standing = xtablesStanding(family, restrict);
  expect(commands.slice(0, standing.length)).toEqual(standing);
  expect(commands.at(-1)).toBe("COMMIT");
  const rules = commands.slice(standing.length, -1);
  expect(rules.length).toBe(new Set(rules).size);
  const wanted = [...xtablesRequested(input.incoming, family, "INPUT")];
  if (restrict) wanted.push(...xtablesRequested(input.outgoing ?? [], family, "OUTPUT"));
  expect([...rules].sort()).toEqual(wanted.sort());
}

/** The nft text of an end: the host address, or the network (host bits cleared) and prefix. */
function nftEnd(e: Endpoint): string {
  if (familyOf(e) === "ipv6") return e.netmask === "128" ? canonical(e) : `${canonical(e)}/${e.netmask}`;
  const prefix = prefixLength(e.netmask) ?? -1;
  const network = formatIpv4(((parseIpv4(e.address) ?? 0) & prefixToMaskValue(prefix)) >>> 0);
  return prefix === 32 ? network : `${network}/${prefix}`;
}

/** The nft rule lines a chain must hold for the flows (both families). */
export function nftRequested(flows: FirewallFlow[]): Set<string> {
  const lines = new Set<string>();
  for (const f of flows.filter((x) => !isLeftOut(x))) {
    const ip = familyOf(f.source) === "ipv4" ? "ip" : "ip6";
    const match =
      f.protocol === "ICMP"
        ? `icmp type ${f.port}`
        : f.protocol === "ICMPv6"
          ? `icmpv6 type ${f.port}`
          : `${f.protocol.toLowerCase()} dport ${portText(f, "-")}`;
    lines.add(`${ip} saddr ${nftEnd(f.source)} ${ip} daddr ${nftEnd(f.destination)} ${match} accept`);
  }
  return lines;
}

export const NFT_ND_MLD =
  "icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-query, mld-listener-report, mld-listener-done, mld2-listener-report } accept";

/** Checks that an nft file is the skeleton with exactly the requested rules in each chain, nothing else. */
export function expectOnlyRequestedNft(input: FirewallInput, output: string): void {
  expect(output.endsWith("}\n")).toBe(true);
  const lines = output.slice(0, -1).split("\n");
  expect(lines[0]).toBe("#!/usr/sbin/nft -f");
  expect(lines[1]).toMatch(/^# Conntrackt rules for entity "/);
  expectSafeLines(lines);
  const commands = lines.map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));
  const restrict = input.restrictOutgoing === true;
  const chainRules = (name: string, device: string) => [
    `chain ${name} {`,
    `type filter hook ${name} priority filter; policy drop;`,
    `${device} "lo" accept`,
    "ct state established,related accept",
    NFT_ND_MLD,
  ];
  const head = ["table inet conntrackt", "delete table inet conntrackt", "table inet conntrackt {"];
  expect(commands.slice(0, 3)).toEqual(head);
  const inputHead = chainRules("input", "iif");
  expect(commands.slice(3, 3 + inputHead.length)).toEqual(inputHead);
  const inputEnd = commands.indexOf("}", 3);
  const inputRules = commands.slice(3 + inputHead.length, inputEnd);
  expect(inputRules.length).toBe(new Set(inputRules).size);
  expect(new Set(inputRules)).toEqual(nftRequested(input.incoming));
  const rest = commands.slice(inputEnd + 1);
  expect(rest[0]).toBe("chain forward { type filter hook forward priority filter; policy drop; }");
  if (!restrict) {
    expect(rest.slice(1)).toEqual(["chain output { type filter hook output priority filter; policy accept; }", "}"]);
    return;
  }
  const outputHead = chainRules("output", "oif");
  expect(rest.slice(1, 1 + outputHead.length)).toEqual(outputHead);
  expect(rest.slice(-2)).toEqual(["}", "}"]);
  const outputRules = rest.slice(1 + outputHead.length, -2);
  expect(outputRules.length).toBe(new Set(outputRules).size);
  expect(new Set(outputRules)).toEqual(nftRequested(input.outgoing ?? []));
}
