// Kernel checks of the first version's iptables-restore file (docs/rules.md),
// kept out of the fast unit run: when running as root with iptables-restore and
// `ip netns` available, every golden output (test/golden/iptables) and a batch
// of random hostile inputs is fed to iptables-restore inside a throwaway network
// namespace: `--test` must pass, and after a real load the kernel must hold
// exactly the requested rules (random inputs in three namespaces side by side).
// Otherwise the tests are skipped with the reason.
// The generator's pure tests: test/unit/iptables.test.ts.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateEntityRules } from "../../src/domain/iptables.js";
import { formatIpv4, parseIpv4, prefixLength, prefixToMaskValue } from "../../src/domain/ipv4.js";
import type { Endpoint, EntityRulesInput, IncomingFlow } from "../../src/domain/types.js";
import { inNamespaceAsync, inParallelNamespaces, kernelSkipReason } from "../support/firewall-v2-kernel.js";
import { CASES, goldenDir, inputArb, isIcmpAny, readCase, requestedRuleLines } from "../support/iptables-cases.js";

/** The rules `iptables -S INPUT` lists for a flow: prefixes instead of masks, /0 omitted. */
function kernelRuleLine(flow: IncomingFlow): string {
  const address = (option: string, e: Endpoint) => {
    const prefix = prefixLength(e.netmask) ?? -1;
    const network = ((parseIpv4(e.address) ?? 0) & prefixToMaskValue(prefix)) >>> 0;
    return prefix === 0 ? "" : `${option} ${formatIpv4(network)}/${prefix} `;
  };
  const p = flow.protocol.toLowerCase();
  const match = p === "icmp" ? `--icmp-type ${flow.port}` : `--dport ${flow.port}`;
  return `-A INPUT ${address("-s", flow.source)}${address("-d", flow.destination)}-p ${p} -m ${p} ${match} -j ACCEPT`;
}

const kernelReason = kernelSkipReason([["iptables-restore", "--version"]]);
if (kernelReason !== null) console.warn(`iptables kernel checks skipped: ${kernelReason}`);

describe.skipIf(kernelReason !== null)(
  `iptables-restore in a network namespace${kernelReason === null ? "" : ` (skipped: ${kernelReason})`}`,
  () => {
    const namespace = `ct-${randomBytes(3).toString("hex")}-golden`;

    function restore(text: string, ...options: string[]) {
      return spawnSync("ip", ["netns", "exec", namespace, "iptables-restore", ...options], {
        input: text,
        encoding: "utf8",
      });
    }

    /** Loads the text for real in namespace ns and returns its `iptables -S`. */
    async function loadAndList(ns: string, text: string): Promise<string[]> {
      const load = await inNamespaceAsync(ns, ["iptables-restore"], text);
      expect(load.stderr).toBe("");
      expect(load.code).toBe(0);
      const list = await inNamespaceAsync(ns, ["iptables", "-S"]);
      expect(list.code).toBe(0);
      return list.stdout.trimEnd().split("\n");
    }

    async function expectKernelHoldsExactly(ns: string, input: EntityRulesInput, text: string): Promise<void> {
      const listed = await loadAndList(ns, text);
      expect(listed.filter((line) => line.startsWith("-P "))).toEqual([
        "-P INPUT DROP",
        "-P FORWARD DROP",
        "-P OUTPUT ACCEPT",
      ]);
      expect(listed.filter((line) => line.startsWith("-A ") && !line.startsWith("-A INPUT "))).toEqual([]);
      const inputRules = listed.filter((line) => line.startsWith("-A INPUT "));
      const wanted = new Set(input.incoming.filter((f) => !isIcmpAny(f)).map(kernelRuleLine));
      expect(inputRules.length).toBe(requestedRuleLines(input).size + 2);
      expect(inputRules.slice(0, 2)).toEqual([
        "-A INPUT -i lo -j ACCEPT",
        "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
      ]);
      expect(new Set(inputRules.slice(2))).toEqual(wanted);
    }

    beforeAll(() => {
      const add = spawnSync("ip", ["netns", "add", namespace], { encoding: "utf8" });
      if (add.status !== 0) throw new Error(`ip netns add ${namespace} failed: ${add.stderr}`);
    });

    afterAll(() => {
      spawnSync("ip", ["netns", "del", namespace]);
    });

    for (const name of CASES) {
      it(`${name}.rules passes iptables-restore --test and loads exactly the requested rules`, async () => {
        const rulesPath = path.join(goldenDir, `${name}.rules`);
        const text = existsSync(rulesPath) ? readFileSync(rulesPath, "utf8") : generateEntityRules(readCase(name));
        const test = restore(text, "--test");
        expect(test.stderr).toBe("");
        expect(test.status).toBe(0);
        await expectKernelHoldsExactly(namespace, readCase(name), text);
      });
    }

    it("loads random hostile inputs with exactly the requested rules", async () => {
      const samples = fc.sample(inputArb, { numRuns: 40, seed: 20240 });
      await inParallelNamespaces("v1", samples, 3, (ns, input) =>
        expectKernelHoldsExactly(ns, input, generateEntityRules(input)),
      );
    });
  },
);
