// The ip6tables-restore file of the next version (src/domain/ip6tables.ts).
//
// Golden files: test/golden/ip6tables/<case>.rules, cases from
// test/support/firewall-v2.ts; refresh on purpose with
//   UPDATE_GOLDEN=1 npx vitest run test/unit/ip6tables.test.ts
// Kernel checks (root, network namespaces): test/e2e/xtables-v2-kernel.test.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateEntityIp6Rules, ICMPV6_ANY_NOTE } from "../../src/domain/ip6tables.js";
import type { FirewallInput } from "../../src/domain/types.js";
import { CASES, entity, ep4, ep6, expectOnlyRequestedXtables, flow, inputArb } from "../support/firewall-v2.js";
import { expectGolden } from "../support/golden.js";

const ND_MLD_INPUT = [133, 134, 135, 136, 130, 131, 132, 143].map(
  (type) => `-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type ${type} -j ACCEPT`,
);

describe("golden files (test/golden/ip6tables)", () => {
  for (const [name, input] of Object.entries(CASES)) {
    it(`${name}.rules matches byte for byte and holds only the requested rules`, () => {
      const output = generateEntityIp6Rules(input);
      expectGolden(`ip6tables/${name}.rules`, output);
      expectOnlyRequestedXtables(input, "ipv6", output);
    });
  }
});

describe("generateEntityIp6Rules", () => {
  it("gives an entity without IPv6 flows the defaults, the standing rules and ICMPv6 ND and MLD under a comment why", () => {
    const output = generateEntityIp6Rules({
      entity,
      incoming: [flow("TCP", 22, ep4("10.0.0.2"), ep4("10.0.0.1"))],
    });
    expect(output).toBe(
      [
        '# Conntrackt rules for entity "e" (project "p", location "l")',
        "*filter",
        ":INPUT DROP [0:0]",
        ":FORWARD DROP [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        "# Accept all incoming traffic on loopback interface.",
        "-A INPUT -i lo -j ACCEPT",
        "# Accept all incoming related traffic.",
        "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
        "# Accept all incoming ICMPv6 neighbour discovery and multicast listener discovery (RFC 4890): without them" +
          " the host drops off an IPv6 network, at once for neighbour discovery, after a few minutes behind an" +
          " MLD-snooping switch.",
        ...ND_MLD_INPUT,
        "COMMIT",
        "",
      ].join("\n"),
    );
  });

  it("writes hosts without prefix, networks with it, in canonical form, ordered as 128-bit numbers", () => {
    const d = ep6("fd00::1");
    const output = generateEntityIp6Rules({
      entity,
      incoming: [
        flow("TCP", 22, ep6("fd00::10"), d),
        flow("TCP", 22, ep6("FD00:0:0::9"), d),
        flow("TCP", 22, ep6("fd00::", 16), d),
        flow("TCP", 22, ep6("fd00::", 8), d),
        flow("TCP", 22, ep6("2001:db8::", 32), d),
        flow("ICMPv6", 128, ep6("::", 0), d),
      ],
    });
    expect(output.split("\n").filter((line) => line.startsWith("-A INPUT -s"))).toEqual([
      "-A INPUT -s 2001:db8::/32 -d fd00::1 -p tcp -m tcp --dport 22 -j ACCEPT",
      "-A INPUT -s fd00::/8 -d fd00::1 -p tcp -m tcp --dport 22 -j ACCEPT",
      "-A INPUT -s fd00::/16 -d fd00::1 -p tcp -m tcp --dport 22 -j ACCEPT",
      "-A INPUT -s fd00::9 -d fd00::1 -p tcp -m tcp --dport 22 -j ACCEPT",
      "-A INPUT -s fd00::10 -d fd00::1 -p tcp -m tcp --dport 22 -j ACCEPT",
      "-A INPUT -s ::/0 -d fd00::1 -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j ACCEPT",
    ]);
  });

  it("comments out ICMPv6 type 255, as the IPv4 file does ICMP type 255", () => {
    const output = generateEntityIp6Rules({
      entity,
      incoming: [flow("ICMPv6", 255, ep6("fd00::2"), ep6("fd00::1"), "odd")],
    });
    expect(output).toContain(
      `\n\n# odd\n${ICMPV6_ANY_NOTE}-A INPUT -s fd00::2 -d fd00::1 -p ipv6-icmp -m icmp6 --icmpv6-type 255 -j ACCEPT\nCOMMIT\n`,
    );
  });

  it("with restrictOutgoing accepts ND and MLD on the way out too", () => {
    const lines = generateEntityIp6Rules({ entity, restrictOutgoing: true, incoming: [] }).split("\n");
    expect(lines).toContain(":OUTPUT DROP [0:0]");
    for (const line of ND_MLD_INPUT) expect(lines).toContain(line.replace("-A INPUT", "-A OUTPUT"));
    expect(lines).toContain("-A OUTPUT -o lo -j ACCEPT");
  });

  it("writes only the requested rules, whatever the names, descriptions and families", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        expectOnlyRequestedXtables(input, "ipv6", generateEntityIp6Rules(input));
      }),
      { numRuns: 300 },
    );
  });

  it("does not depend on the order of the flows", () => {
    const input = CASES.duplicates as FirewallInput;
    const expected = generateEntityIp6Rules(input);
    fc.assert(
      fc.property(fc.shuffledSubarray(input.incoming, { minLength: input.incoming.length }), (incoming) => {
        expect(generateEntityIp6Rules({ ...input, incoming })).toBe(expected);
      }),
      { numRuns: 50 },
    );
  });
});
