// The drift check on a real kernel (docs/drift.md; root, else skipped with the
// reason): an entity's three generated files loaded into a network namespace
// and listed back with iptables-save, ip6tables-save and nft -j list ruleset
// are in sync; after one rule is added and one deleted there, each check
// reports exactly that extra and that missing rule, nothing else. Random
// hostile inputs loaded and listed back are in sync too. The pure checks:
// test/unit/drift-*.test.ts, on fixtures captured the same way.
import { existsSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDrift, type GeneratedFiles } from "../../src/domain/drift/check.js";
import { generateEntityIp6Rules } from "../../src/domain/ip6tables.js";
import { generateEntityRules } from "../../src/domain/iptables.js";
import { generateEntityNftRules } from "../../src/domain/nftables.js";
import type { FirewallInput } from "../../src/domain/types.js";
import { CASES, inputArb } from "../support/firewall-v2.js";
import { deleteNamespace, inNamespace, kernelSkipReason, newNamespace } from "../support/firewall-v2-kernel.js";

const reason = kernelSkipReason([
  ["iptables-nft-restore", "--version"],
  ["ip6tables-nft-restore", "--version"],
  ["nft", "--version"],
]);
if (reason !== null) console.warn(`drift kernel checks skipped: ${reason}`);
const legacyMissing = existsSync("/usr/sbin/iptables-legacy-restore") ? null : "iptables-legacy is not installed";

const filesOf = (input: FirewallInput): GeneratedFiles => ({
  iptables: generateEntityRules(input),
  ip6tables: generateEntityIp6Rules(input),
  nftables: generateEntityNftRules(input),
});

describe.skipIf(reason !== null)(
  `drift check in a network namespace${reason === null ? "" : ` (skipped: ${reason})`}`,
  () => {
    let namespace = "";
    beforeAll(() => {
      namespace = newNamespace("drift") ?? "";
      if (namespace === "") throw new Error("ip netns add failed");
    });
    afterAll(() => deleteNamespace(namespace));

    /** Runs a command in the namespace, failing with its error output; gives its output. */
    function run(command: string[], input?: string): string {
      const result = inNamespace(namespace, command, input);
      expect(result.stderr, command.join(" ")).toBe("");
      expect(result.status, command.join(" ")).toBe(0);
      return result.stdout;
    }

    /** Loads all three files (each replaces what its tool holds) and lists them back. */
    function loadAndList(files: GeneratedFiles, variant = "nft") {
      run([`iptables-${variant}-restore`], files.iptables);
      run([`ip6tables-${variant}-restore`], files.ip6tables);
      run(["nft", "-f", "-"], files.nftables);
      return {
        iptables: run([`iptables-${variant}-save`]),
        ip6tables: run([`ip6tables-${variant}-save`]),
        nftables: run(["nft", "-j", "list", "ruleset"]),
      };
    }

    const inSync = (format: string) => ({ inSync: true, format, policies: [], missing: [], extra: [] });
    const input = CASES["restrict-outgoing"] as FirewallInput;
    const files = filesOf({
      ...input,
      incoming: [...input.incoming, ...(CASES["dual-stack"] as FirewallInput).incoming],
    });

    it("finds what the kernel holds of each file in sync with it", () => {
      const listed = loadAndList(files);
      expect(checkDrift(files, listed.iptables)).toEqual(inSync("iptables"));
      expect(checkDrift(files, listed.ip6tables)).toEqual(inSync("ip6tables"));
      expect(checkDrift(files, listed.nftables)).toEqual(inSync("nftables"));
    });

    it("reports exactly the one rule added and the one deleted, in each format", () => {
      loadAndList(files);
      const removed4 = "-A INPUT -s 192.168.1.2 -d 192.168.1.1 -p icmp -m icmp --icmp-type 8 -j ACCEPT";
      run(["iptables-nft", "-D", ...removed4.split(" ").slice(1)]);
      run(["iptables-nft", "-A", "OUTPUT", "-d", "10.99.0.1", "-p", "tcp", "--dport", "8443", "-j", "ACCEPT"]);
      const v4 = checkDrift(files, run(["iptables-nft-save"]));
      expect(v4.policies).toEqual([]);
      expect(v4.missing.map((d) => d.rule)).toEqual([removed4]);
      expect(v4.extra.map((d) => d.rule)).toEqual(["-A OUTPUT -d 10.99.0.1/32 -p tcp -m tcp --dport 8443 -j ACCEPT"]);

      const removed6 = "-A OUTPUT -s fd00:1::1 -d fd00:1::53 -p udp -m udp --dport 53 -j ACCEPT";
      run(["ip6tables-nft", "-D", ...removed6.split(" ").slice(1)]);
      run(["ip6tables-nft", "-I", "INPUT", "3", "-s", "fd00:9::/64", "-p", "udp", "--dport", "123", "-j", "DROP"]);
      const v6 = checkDrift(files, run(["ip6tables-nft-save"]));
      expect(v6.policies).toEqual([]);
      expect(v6.missing.map((d) => d.rule)).toEqual([removed6]);
      expect(v6.extra.map((d) => d.rule)).toEqual(["-A INPUT -s fd00:9::/64 -p udp -m udp --dport 123 -j DROP"]);

      const removedNft = "ip saddr 10.10.4.0/24 ip daddr 192.168.1.1 udp dport 8000-8100 accept";
      const listing = run(["nft", "-a", "list", "chain", "inet", "conntrackt", "input"]);
      const handle = listing.split("\n").find((l) => l.trim().startsWith(`${removedNft} # handle `));
      expect(handle, listing).toBeDefined();
      run(["nft", "delete", "rule", "inet", "conntrackt", "input", "handle", handle?.split(" ").at(-1) ?? ""]);
      run([
        "nft",
        "add",
        "rule",
        "inet",
        "conntrackt",
        "output",
        "ip6",
        "daddr",
        "fd00:2::/64",
        "tcp",
        "dport",
        "22",
        "accept",
      ]);
      const nft = checkDrift(files, run(["nft", "-j", "list", "ruleset"]));
      expect(nft.policies).toEqual([]);
      expect(nft.missing.map((d) => d.rule)).toEqual([removedNft]);
      expect(nft.extra.map((d) => [d.chain, d.rule])).toEqual([
        ["output", "ip6 daddr fd00:2::/64 tcp dport 22 accept"],
      ]);
    });

    it.skipIf(legacyMissing !== null)(
      `finds the legacy variant's listing in sync too${legacyMissing === null ? "" : ` (skipped: ${legacyMissing})`}`,
      () => {
        // A namespace of its own: once legacy tables exist, the nf_tables tools warn about them.
        const main = namespace;
        namespace = newNamespace("legacy") ?? "";
        try {
          expect(namespace).not.toBe("");
          const listed = loadAndList(files, "legacy");
          expect(checkDrift(files, listed.iptables)).toEqual(inSync("iptables"));
          expect(checkDrift(files, listed.ip6tables)).toEqual(inSync("ip6tables"));
        } finally {
          if (namespace !== "") deleteNamespace(namespace);
          namespace = main;
        }
      },
    );

    it("finds random hostile inputs in sync once loaded and listed back", () => {
      for (const random of fc.sample(inputArb, { numRuns: 3, seed: 22 })) {
        const generated = filesOf(random);
        const listed = loadAndList(generated);
        expect(checkDrift(generated, listed.iptables)).toEqual(inSync("iptables"));
        expect(checkDrift(generated, listed.ip6tables)).toEqual(inSync("ip6tables"));
        expect(checkDrift(generated, listed.nftables)).toEqual(inSync("nftables"));
      }
    });
  },
);
