// Kernel checks of the nftables file of the next version (src/domain/nftables.ts),
// kept out of the fast unit run (root, else skipped with the reason): every
// golden passes `nft -c -f` in a fresh network namespace; loaded twice with
// `nft -f` beside another table, it leaves that table alone, gives exactly one
// conntrackt table and the policies and number of rules asked for; random
// hostile inputs too, in three namespaces side by side. The generator's pure
// tests: test/unit/nftables.test.ts; real traffic: dual-stack-kernel.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateEntityNftRules } from "../../src/domain/nftables.js";
import type { FirewallInput } from "../../src/domain/types.js";
import { CASES, inputArb, nftRequested } from "../support/firewall-v2.js";
import {
  deleteNamespace,
  goldenOrGenerated,
  inNamespaceAsync,
  inParallelNamespaces,
  kernelSkipReason,
  newNamespace,
} from "../support/firewall-v2-kernel.js";

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
    async function withNamespace(label: string, check: (namespace: string) => Promise<void>): Promise<void> {
      const namespace = newNamespace(label);
      if (namespace === null) expect.fail("ip netns add failed");
      try {
        await check(namespace);
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
    async function expectLoadsTwiceExactly(namespace: string, input: FirewallInput, file: string): Promise<void> {
      const other = await inNamespaceAsync(namespace, ["nft", "add table inet other; add chain inet other keep"]);
      expect(other.stderr).toBe("");
      for (const round of [1, 2]) {
        const load = await inNamespaceAsync(namespace, ["nft", "-f", file]);
        expect(load.stderr, `load ${round}`).toBe("");
        expect(load.code, `load ${round}`).toBe(0);
      }
      const list = await inNamespaceAsync(namespace, ["nft", "-j", "list", "ruleset"]);
      expect(list.code).toBe(0);
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
      it(`${name}.nft passes nft -c -f in a fresh namespace, and loads twice leaving one conntrackt table`, async () => {
        const file = fileOf(
          name,
          goldenOrGenerated(`nftables/${name}.nft`, () => generateEntityNftRules(input)),
        );
        await withNamespace("check", async (namespace) => {
          const check = await inNamespaceAsync(namespace, ["nft", "-c", "-f", file]);
          expect(check.stderr).toBe("");
          expect(check.code).toBe(0);
        });
        await withNamespace("load", (namespace) => expectLoadsTwiceExactly(namespace, input, file));
      });
    }

    it("loads random hostile inputs with exactly the requested rules", async () => {
      const inputs = fc.sample(inputArb, { numRuns: 25, seed: 20262 });
      await inParallelNamespaces("hostile", inputs, 3, (namespace, input, index) =>
        expectLoadsTwiceExactly(namespace, input, fileOf(`hostile-${index}`, generateEntityNftRules(input))),
      );
    });
  },
);
