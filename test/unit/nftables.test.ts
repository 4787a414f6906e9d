// The nftables file of the next version (src/domain/nftables.ts).
//
// Golden files: test/golden/nftables/<case>.nft, cases from
// test/support/firewall-v2.ts; refresh on purpose with
//   UPDATE_GOLDEN=1 npx vitest run test/unit/nftables.test.ts
// Kernel checks (root, network namespaces): test/e2e/nftables-kernel.test.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateEntityIp6Rules } from "../../src/domain/ip6tables.js";
import { generateEntityRules } from "../../src/domain/iptables.js";
import { generateEntityNftRules, NFT_ANY_NOTE } from "../../src/domain/nftables.js";
import type { FirewallInput } from "../../src/domain/types.js";
import {
  CASES,
  entity,
  ep4,
  ep6,
  expectOnlyRequestedNft,
  flow,
  inputArb,
  NFT_ND_MLD,
  xtablesRequested,
} from "../support/firewall-v2.js";
import { expectGolden } from "../support/golden.js";

describe("golden files (test/golden/nftables)", () => {
  for (const [name, input] of Object.entries(CASES)) {
    it(`${name}.nft matches byte for byte and holds only the requested rules`, () => {
      const output = generateEntityNftRules(input);
      expectGolden(`nftables/${name}.nft`, output);
      expectOnlyRequestedNft(input, output);
    });
  }
});

describe("generateEntityNftRules", () => {
  it("gives an entity without flows the skeleton: one inet table declared, deleted and defined", () => {
    expect(generateEntityNftRules({ entity, incoming: [] })).toBe(
      [
        "#!/usr/sbin/nft -f",
        '# Conntrackt rules for entity "e" (project "p", location "l")',
        "table inet conntrackt",
        "delete table inet conntrackt",
        "table inet conntrackt {",
        "    chain input {",
        "        type filter hook input priority filter; policy drop;",
        "        # Accept all incoming traffic on loopback interface.",
        '        iif "lo" accept',
        "        # Accept all incoming related traffic.",
        "        ct state established,related accept",
        "        # Accept all incoming ICMPv6 neighbour discovery and multicast listener discovery (RFC 4890): without" +
          " them the host drops off an IPv6 network, at once for neighbour discovery, after a few minutes behind an" +
          " MLD-snooping switch.",
        `        ${NFT_ND_MLD}`,
        "    }",
        "    chain forward { type filter hook forward priority filter; policy drop; }",
        "    chain output { type filter hook output priority filter; policy accept; }",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("writes both families with prefixes, host bits cleared, ranges with a dash, in the iptables order", () => {
    const output = generateEntityNftRules({
      entity,
      incoming: [
        flow("ICMP", 8, ep4("192.168.1.2"), ep4("192.168.1.1")),
        flow("UDP", [8000, 8100], ep6("fd00:1::2"), ep6("fd00:1::1")),
        flow("TCP", 22, ep4("10.10.4.7", "255.255.255.0"), ep4("192.168.1.1")),
        flow("TCP", 22, ep6("fd00:4::", 64), ep6("fd00:1::1")),
        flow("ICMPv6", 128, ep6("::", 0), ep6("fd00:1::1")),
      ],
    });
    expect(output.split("\n").filter((line) => /^ {8}ip6? saddr/.test(line))).toEqual([
      "        ip saddr 10.10.4.0/24 ip daddr 192.168.1.1 tcp dport 22 accept",
      "        ip6 saddr fd00:4::/64 ip6 daddr fd00:1::1 tcp dport 22 accept",
      "        ip6 saddr fd00:1::2 ip6 daddr fd00:1::1 udp dport 8000-8100 accept",
      "        ip saddr 192.168.1.2 ip daddr 192.168.1.1 icmp type 8 accept",
      "        ip6 saddr ::/0 ip6 daddr fd00:1::1 icmpv6 type 128 accept",
    ]);
  });

  it("comments out type 255 of ICMP and ICMPv6, as the iptables files do", () => {
    const output = generateEntityNftRules({
      entity,
      incoming: [
        flow("ICMP", 255, ep4("10.0.0.2"), ep4("10.0.0.1"), "odd"),
        flow("ICMPv6", 255, ep6("fd00::2"), ep6("fd00::1"), "odd"),
      ],
    });
    expect(output).toContain(
      `\n\n        # odd\n        ${NFT_ANY_NOTE}ip saddr 10.0.0.2 ip daddr 10.0.0.1 icmp type 255 accept\n` +
        `        ${NFT_ANY_NOTE}ip6 saddr fd00::2 ip6 daddr fd00::1 icmpv6 type 255 accept\n    }\n`,
    );
  });

  it("enforces the flows of the iptables and ip6tables files together, whatever the input", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const nft = generateEntityNftRules(input);
        expectOnlyRequestedNft(input, nft);
        // Same flows: every flow the restore files write is a rule here, and the other way round.
        const restoreRules = (text: string) => text.split("\n").filter((l) => /^-A (INPUT|OUTPUT) -s /.test(l)).length;
        const wanted = (family: "ipv4" | "ipv6") =>
          xtablesRequested(input.incoming, family, "INPUT").size +
          (input.restrictOutgoing ? xtablesRequested(input.outgoing ?? [], family, "OUTPUT").size : 0);
        expect(restoreRules(generateEntityRules(input))).toBe(wanted("ipv4"));
        expect(restoreRules(generateEntityIp6Rules(input))).toBe(wanted("ipv6"));
        const leftOutNft = nft.split("\n").filter((l) => l.trimStart().startsWith(NFT_ANY_NOTE)).length;
        const leftOutRestore = [generateEntityRules(input), generateEntityIp6Rules(input)]
          .join("\n")
          .split("\n")
          .filter((l) => l.startsWith("# Left out")).length;
        expect(leftOutNft).toBe(leftOutRestore);
      }),
      { numRuns: 300 },
    );
  });

  it("does not depend on the order of the flows", () => {
    for (const name of ["duplicates", "dual-stack", "restrict-outgoing"]) {
      const input = CASES[name] as FirewallInput;
      const expected = generateEntityNftRules(input);
      fc.assert(
        fc.property(
          fc.shuffledSubarray(input.incoming, { minLength: input.incoming.length }),
          fc.shuffledSubarray(input.outgoing ?? [], { minLength: input.outgoing?.length ?? 0 }),
          (incoming, outgoing) => {
            expect(generateEntityNftRules({ ...input, incoming, outgoing })).toBe(expected);
          },
        ),
        { numRuns: 50 },
      );
    }
  });
});
