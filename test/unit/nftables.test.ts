// The nftables file of the next version (src/domain/nftables.ts).
//
// Golden files: test/golden/nftables/<case>.nft, cases from
// test/support/firewall-v2.ts; refresh on purpose with
//   UPDATE_GOLDEN=1 npx vitest run test/unit/nftables.test.ts
// Kernel checks (root, else skipped with the reason): every golden passes
// `nft -c -f` in a fresh network namespace; loaded twice with `nft -f` beside
// another table, it leaves that table alone, gives exactly one conntrackt table
// and the policies and number of rules asked for; random hostile inputs too.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
  nftRequested,
  xtablesRequested,
} from "../support/firewall-v2.js";
import {
  deleteNamespace,
  goldenOrGenerated,
  inNamespace,
  kernelSkipReason,
  newNamespace,
} from "../support/firewall-v2-kernel.js";
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

const kernelReason = kernelSkipReason([["nft", "--version"]]);
if (kernelReason !== null) console.warn(`nftables kernel checks skipped: ${kernelReason}`);

describe.skipIf(kernelReason !== null)(
  `nft in network namespaces${kernelReason === null ? "" : ` (skipped: ${kernelReason})`}`,
  () => {
    let dir = "";
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), "ct-nft-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** Runs check in a fresh namespace, deleted afterwards. */
    function withNamespace(label: string, check: (namespace: string) => void): void {
      const namespace = newNamespace(label);
      if (namespace === null) expect.fail("ip netns add failed");
      try {
        check(namespace);
      } finally {
        deleteNamespace(namespace);
      }
    }

    function fileOf(name: string, text: string): string {
      const file = path.join(dir, `${name}.nft`);
      writeFileSync(file, text);
      return file;
    }

    /** Loads the file twice beside another table and checks the ruleset the kernel then holds. */
    function expectLoadsTwiceExactly(namespace: string, input: FirewallInput, file: string): void {
      const other = inNamespace(namespace, ["nft", "add table inet other; add chain inet other keep"]);
      expect(other.stderr).toBe("");
      for (const round of [1, 2]) {
        const load = inNamespace(namespace, ["nft", "-f", file]);
        expect(load.stderr, `load ${round}`).toBe("");
        expect(load.status, `load ${round}`).toBe(0);
      }
      const list = inNamespace(namespace, ["nft", "-j", "list", "ruleset"]);
      expect(list.status).toBe(0);
      const items = (JSON.parse(list.stdout) as { nftables: Record<string, Record<string, unknown>>[] }).nftables;
      const tables = items.flatMap((item) => (item.table ? [`${item.table.family} ${item.table.name}`] : []));
      expect(tables.sort()).toEqual(["inet conntrackt", "inet other"]);
      const chains = items.flatMap((item) => (item.chain?.table === "conntrackt" ? [item.chain] : []));
      const policies = Object.fromEntries(chains.map((chain) => [chain.name, chain.policy]));
      const restrict = input.restrictOutgoing === true;
      expect(policies).toEqual({ input: "drop", forward: "drop", output: restrict ? "drop" : "accept" });
      const ruleCount = (chain: string) =>
        items.filter((item) => item.rule?.table === "conntrackt" && item.rule?.chain === chain).length;
      expect(ruleCount("input")).toBe(3 + nftRequested(input.incoming).size);
      expect(ruleCount("forward")).toBe(0);
      expect(ruleCount("output")).toBe(restrict ? 3 + nftRequested(input.outgoing ?? []).size : 0);
      expect(items.some((item) => item.chain?.table === "other" && item.chain?.name === "keep")).toBe(true);
    }

    for (const [name, input] of Object.entries(CASES)) {
      it(`${name}.nft passes nft -c -f in a fresh namespace, and loads twice leaving one conntrackt table`, () => {
        const file = fileOf(
          name,
          goldenOrGenerated(`nftables/${name}.nft`, () => generateEntityNftRules(input)),
        );
        withNamespace("check", (namespace) => {
          const check = inNamespace(namespace, ["nft", "-c", "-f", file]);
          expect(check.stderr).toBe("");
          expect(check.status).toBe(0);
        });
        withNamespace("load", (namespace) => expectLoadsTwiceExactly(namespace, input, file));
      });
    }

    it("loads random hostile inputs with exactly the requested rules", () => {
      withNamespace("hostile", (namespace) => {
        fc.sample(inputArb, { numRuns: 25, seed: 20262 }).forEach((input, index) => {
          expectLoadsTwiceExactly(namespace, input, fileOf(`hostile-${index}`, generateEntityNftRules(input)));
        });
      });
    });
  },
);
