// The iptables-restore file of the next version (src/domain/iptables.ts): port
// ranges, IPv6 flows left to the ip6tables file, restrictOutgoing, and the
// input checks every format shares. The first version's bytes stay proved by
// test/unit/iptables.test.ts and test/golden/iptables/.
//
// Golden files: test/golden/iptables-v2/<case>.rules, cases from
// test/support/firewall-v2.ts; refresh on purpose with
//   UPDATE_GOLDEN=1 npx vitest run test/unit/iptables-v2.test.ts
// Kernel checks (root, network namespaces): test/e2e/xtables-v2-kernel.test.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateEntityIp6Rules } from "../../src/domain/ip6tables.js";
import { generateEntityRules, ruleLine } from "../../src/domain/iptables.js";
import { generateEntityNftRules } from "../../src/domain/nftables.js";
import type { FirewallFlow, FirewallInput } from "../../src/domain/types.js";
import {
  CASES,
  entity,
  ep4,
  ep6,
  expectOnlyRequestedXtables,
  familyOf,
  flow,
  inputArb,
} from "../support/firewall-v2.js";
import { expectGolden } from "../support/golden.js";

describe("golden files (test/golden/iptables-v2)", () => {
  for (const [name, input] of Object.entries(CASES)) {
    it(`${name}.rules matches byte for byte and holds only the requested rules`, () => {
      const output = generateEntityRules(input);
      expectGolden(`iptables-v2/${name}.rules`, output);
      expectOnlyRequestedXtables(input, "ipv4", output);
    });
  }
});

describe("generateEntityRules, next version", () => {
  const s = ep4("10.0.0.2");
  const d = ep4("10.0.0.1");

  it("writes a range as --dport FIRST:LAST and a range of one port like a single port", () => {
    expect(ruleLine(flow("TCP", [8000, 8100], s, d))).toBe(
      "-A INPUT -s 10.0.0.2 -d 10.0.0.1 -p tcp -m tcp --dport 8000:8100 -j ACCEPT",
    );
    expect(ruleLine(flow("UDP", [1, 65535], s, d))).toContain("-p udp -m udp --dport 1:65535 ");
    expect(ruleLine(flow("UDP", [53, 53], s, d))).toBe(ruleLine(flow("UDP", 53, s, d)));
  });

  it("sorts by protocol, first port, then last port, then addresses", () => {
    const output = generateEntityRules({
      entity,
      incoming: [
        flow("UDP", 1, s, d),
        flow("TCP", [80, 90], s, d),
        flow("TCP", [80, 81], ep4("10.0.0.3"), d),
        flow("TCP", 80, ep4("10.0.0.9"), d),
        flow("TCP", [79, 100], s, d),
      ],
    });
    expect(output.split("\n").filter((line) => line.startsWith("-A INPUT -s"))).toEqual([
      "-A INPUT -s 10.0.0.2 -d 10.0.0.1 -p tcp -m tcp --dport 79:100 -j ACCEPT",
      "-A INPUT -s 10.0.0.9 -d 10.0.0.1 -p tcp -m tcp --dport 80 -j ACCEPT",
      "-A INPUT -s 10.0.0.3 -d 10.0.0.1 -p tcp -m tcp --dport 80:81 -j ACCEPT",
      "-A INPUT -s 10.0.0.2 -d 10.0.0.1 -p tcp -m tcp --dport 80:90 -j ACCEPT",
      "-A INPUT -s 10.0.0.2 -d 10.0.0.1 -p udp -m udp --dport 1 -j ACCEPT",
    ]);
  });

  it("writes the first version's bytes: IPv6 flows, and outgoing flows without restrictOutgoing, change nothing", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const plain: FirewallInput = {
          entity: input.entity,
          incoming: input.incoming.filter((f) => familyOf(f.source) === "ipv4"),
        };
        const off = { ...input, restrictOutgoing: false };
        expect(generateEntityRules(off)).toBe(generateEntityRules(plain));
        expect(generateEntityRules({ ...plain, restrictOutgoing: false, outgoing: [] })).toBe(
          generateEntityRules(plain),
        );
      }),
      { numRuns: 200 },
    );
  });

  it("with restrictOutgoing drops by default and accepts loopback, answers and the outgoing IPv4 flows", () => {
    const output = generateEntityRules({
      entity,
      restrictOutgoing: true,
      incoming: [],
      outgoing: [flow("TCP", 443, d, ep4("0.0.0.0", "0.0.0.0"), "web"), flow("TCP", 443, ep6("fd00::1"), ep6("::", 0))],
    });
    expect(output).toBe(
      [
        '# Conntrackt rules for entity "e" (project "p", location "l")',
        "*filter",
        ":INPUT DROP [0:0]",
        ":FORWARD DROP [0:0]",
        ":OUTPUT DROP [0:0]",
        "# Accept all incoming traffic on loopback interface.",
        "-A INPUT -i lo -j ACCEPT",
        "# Accept all incoming related traffic.",
        "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
        "# Accept all outgoing traffic on loopback interface.",
        "-A OUTPUT -o lo -j ACCEPT",
        "# Accept all outgoing related traffic.",
        "-A OUTPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
        "",
        "# web",
        "-A OUTPUT -s 10.0.0.1 -d 0.0.0.0/0.0.0.0 -p tcp -m tcp --dport 443 -j ACCEPT",
        "COMMIT",
        "",
      ].join("\n"),
    );
  });

  it("writes only the requested rules, whatever the names, descriptions and families", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        expectOnlyRequestedXtables(input, "ipv4", generateEntityRules(input));
      }),
      { numRuns: 300 },
    );
  });

  it("does not depend on the order of the flows", () => {
    for (const name of ["duplicates", "dual-stack", "restrict-outgoing"]) {
      const input = CASES[name] as FirewallInput;
      const expected = generateEntityRules(input);
      fc.assert(
        fc.property(
          fc.shuffledSubarray(input.incoming, { minLength: input.incoming.length }),
          fc.shuffledSubarray(input.outgoing ?? [], { minLength: input.outgoing?.length ?? 0 }),
          (incoming, outgoing) => {
            expect(generateEntityRules({ ...input, incoming, outgoing })).toBe(expected);
          },
        ),
        { numRuns: 50 },
      );
    }
  });

  it("does not modify its input", () => {
    const input = CASES["restrict-outgoing"] as FirewallInput;
    const copy = structuredClone(input);
    generateEntityRules(input);
    expect(input).toEqual(copy);
  });
});

describe("checked input, the same in every format", () => {
  const v4 = flow("TCP", 22, ep4("10.0.0.2"), ep4("10.0.0.1"));
  const v6 = flow("TCP", 22, ep6("fd00::2"), ep6("fd00::1"));
  const generators = [generateEntityRules, generateEntityIp6Rules, generateEntityNftRules];

  it.each([
    [v4, { portEnd: 21 }, /incoming\[0\]\.portEnd must be a port from 22 \(the port\) to 65535: 21/],
    [v4, { portEnd: 65536 }, /incoming\[0\]\.portEnd/],
    [v4, { portEnd: 30.5 }, /incoming\[0\]\.portEnd/],
    [v4, { protocol: "ICMP", port: 8, portEnd: 9 }, /incoming\[0\]\.portEnd must be absent or equal to port: ICMP/],
    [v6, { protocol: "ICMPv6", port: 256 }, /incoming\[0\]\.port must be a ICMPv6 type from 0 to 255: 256/],
    [v6, { protocol: "ICMP", port: 8 }, /incoming\[0\]\.protocol ICMP needs IPv4 ends/],
    [v4, { protocol: "ICMPv6", port: 128 }, /incoming\[0\]\.protocol ICMPv6 needs IPv6 ends/],
    [v4, { protocol: "icmpv6" }, /incoming\[0\]\.protocol must be one of TCP, UDP, ICMP, ICMPv6: "icmpv6"/],
    [v4, { destination: ep6("fd00::1") }, /incoming\[0\]\.destination is an IPv6 address but the source is not/],
    [
      v6,
      { source: ep6("fd00::1", 64) },
      /incoming\[0\]\.source\.address has host bits set past the prefix \/64: the network is fd00::\/64/,
    ],
    [
      v6,
      { source: ep4("fd00::2", "255.255.255.255") },
      /incoming\[0\]\.source\.netmask of an IPv6 address must be a prefix length/,
    ],
    [v6, { source: ep4("fd00::2", "/128") }, /incoming\[0\]\.source\.netmask of an IPv6 address/],
    [v6, { source: ep6("fd00::2", 129) }, /incoming\[0\]\.source\.netmask of an IPv6 address/],
    [v6, { source: ep6("fe80::1%eth0") }, /incoming\[0\]\.source\.address is not a dotted IPv4 address: .*zone index/],
    [v6, { source: ep6("::ffff:10.0.0.1") }, /incoming\[0\]\.source\.address .*IPv4-mapped/],
    [v4, { source: ep4("10.0.0.2", "24") }, /incoming\[0\]\.source\.netmask is not a contiguous dotted IPv4 netmask/],
  ])("refuses %j changed by %j", (base, change, message) => {
    const bad = { ...base, ...change } as FirewallFlow;
    for (const generate of generators) {
      expect(() => generate({ entity, incoming: [bad] })).toThrow(message);
      const outgoing = message.source.replace("incoming", "outgoing");
      expect(() => generate({ entity, incoming: [], outgoing: [bad] })).toThrow(new RegExp(outgoing));
    }
  });

  it("refuses a restrictOutgoing that is not a boolean and an outgoing that is not a list", () => {
    for (const generate of generators) {
      const bad = { entity, incoming: [], restrictOutgoing: "yes" } as unknown as FirewallInput;
      expect(() => generate(bad)).toThrow(/restrictOutgoing must be true or false: "yes"/);
      expect(() => generate({ entity, incoming: [], outgoing: {} } as unknown as FirewallInput)).toThrow(
        /outgoing must be a list of flows/,
      );
    }
  });
});
