// The kernel side of the next version's firewall tests: network namespaces,
// the `iptables -S` form of a flow and the restore-file checks used by
// test/e2e/xtables-v2-kernel.test.ts and nftables-kernel.test.ts (random
// inputs in a few namespaces side by side). Root only: otherwise
// kernelSkipReason gives the reason and the callers skip, saying it.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatIpv4, parseIpv4, prefixLength, prefixToMaskValue } from "../../src/domain/ipv4.js";
import { formatIpv6, ipv6PrefixMask, parseIpv6 } from "../../src/domain/ipv6.js";
import type { Endpoint, FirewallFlow, FirewallInput } from "../../src/domain/types.js";
import {
  CASES,
  type Family,
  familyOf,
  inputArb,
  isLeftOut,
  xtablesMatch,
  xtablesRequested,
  xtablesStanding,
} from "./firewall-v2.js";
import { goldenRoot } from "./golden.js";
import { runCommand } from "./kernel-lab.js";

/** Runs a command inside a namespace, optionally with stdin. */
export function inNamespace(namespace: string, command: string[], input?: string) {
  return spawnSync("ip", ["netns", "exec", namespace, ...command], { input, encoding: "utf8" });
}

/** Why kernel checks needing the given commands cannot run here, or null when they can. */
export function kernelSkipReason(tools: string[][]): string | null {
  if (process.getuid?.() !== 0) return "not running as root";
  for (const tool of tools) {
    const run = spawnSync(tool[0] ?? "", tool.slice(1), { encoding: "utf8" });
    if (run.error || run.status !== 0)
      return `${tool.join(" ")} failed or is missing (apt-get install -y iptables nftables)`;
  }
  const probe = newNamespace("probe");
  if (probe === null) return "ip netns add failed";
  deleteNamespace(probe);
  return null;
}

/** Adds a fresh namespace `ct-RANDOM-label` and returns its name, or null when that fails. */
export function newNamespace(label: string): string | null {
  const name = `ct-${randomBytes(3).toString("hex")}-${label}`;
  const add = spawnSync("ip", ["netns", "add", name], { encoding: "utf8" });
  return add.status === 0 ? name : null;
}

export function deleteNamespace(name: string): void {
  spawnSync("ip", ["netns", "del", name]);
}

/** The rule of a flow as `iptables -S` / `ip6tables -S` lists it: networks with prefixes, /0 left out. */
export function kernelListedLine(f: FirewallFlow, chain: "INPUT" | "OUTPUT"): string {
  const end = (option: string, e: Endpoint) => {
    if (familyOf(e) === "ipv6") {
      const prefix = Number(e.netmask);
      return prefix === 0
        ? ""
        : `${option} ${formatIpv6((parseIpv6(e.address) ?? 0n) & ipv6PrefixMask(prefix))}/${prefix} `;
    }
    const prefix = prefixLength(e.netmask) ?? -1;
    const network = ((parseIpv4(e.address) ?? 0) & prefixToMaskValue(prefix)) >>> 0;
    return prefix === 0 ? "" : `${option} ${formatIpv4(network)}/${prefix} `;
  };
  return `-A ${chain} ${end("-s", f.source)}${end("-d", f.destination)}${xtablesMatch(f)} -j ACCEPT`;
}

/** Runs a command inside a namespace without waiting for it: several namespaces can work at once. */
export function inNamespaceAsync(namespace: string, command: string[], input?: string) {
  return runCommand("ip", ["netns", "exec", namespace, ...command], input);
}

/**
 * Checks every item in one of `count` fresh namespaces at a time (each
 * namespace takes its share in order), then deletes them: random-input loops
 * that load rules one after another finish sooner side by side.
 */
export async function inParallelNamespaces<T>(
  label: string,
  items: readonly T[],
  count: number,
  check: (namespace: string, item: T, index: number) => Promise<void>,
): Promise<void> {
  const namespaces: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const namespace = newNamespace(`${label}${i}`);
      if (namespace === null) throw new Error("ip netns add failed");
      namespaces.push(namespace);
    }
    await Promise.all(
      namespaces.map(async (namespace, lane) => {
        for (let index = lane; index < items.length; index += count) await check(namespace, items[index] as T, index);
      }),
    );
  } finally {
    for (const namespace of namespaces) deleteNamespace(namespace);
  }
}

/** Reads a golden file when it exists (the kernel checks load exactly what is committed), else generates the text. */
export function goldenOrGenerated(name: string, generate: () => string): string {
  const file = path.join(goldenRoot, name);
  return existsSync(file) ? readFileSync(file, "utf8") : generate();
}

/**
 * The kernel checks of a restore file (root only, else skipped with the
 * reason): every golden passes `--test` of the nf_tables variant and, when
 * installed, of the legacy variant; loaded for real in a throwaway namespace,
 * golden and random hostile files give exactly the policies and rules asked for.
 */
export function describeXtablesKernel(family: Family, generate: (input: FirewallInput) => string, ext: string): void {
  const tool = family === "ipv4" ? "iptables" : "ip6tables";
  const legacy = `/usr/sbin/${tool}-legacy-restore`;
  const reason = kernelSkipReason([[`${tool}-nft-restore`, "--version"]]);
  if (reason !== null) console.warn(`${tool} kernel checks skipped: ${reason}`);
  const legacyMissing = existsSync(legacy) ? null : `${legacy} is not installed`;
  const goldenDir = family === "ipv4" ? "iptables-v2" : "ip6tables";

  describe.skipIf(reason !== null)(
    `${tool}-restore in a network namespace${reason === null ? "" : ` (skipped: ${reason})`}`,
    () => {
      let namespace = "";
      beforeAll(() => {
        namespace = newNamespace(family) ?? "";
        if (namespace === "") throw new Error("ip netns add failed");
      });
      afterAll(() => deleteNamespace(namespace));

      async function expectKernelHoldsExactly(ns: string, input: FirewallInput, text: string): Promise<void> {
        const load = await inNamespaceAsync(ns, [`${tool}-nft-restore`], text);
        expect(load.stderr).toBe("");
        expect(load.code).toBe(0);
        const list = await inNamespaceAsync(ns, [`${tool}-nft`, "-S"]);
        expect(list.code).toBe(0);
        const listed = list.stdout.trimEnd().split("\n");
        const restrict = input.restrictOutgoing === true;
        expect(listed.filter((line) => line.startsWith("-P "))).toEqual([
          "-P INPUT DROP",
          "-P FORWARD DROP",
          `-P OUTPUT ${restrict ? "DROP" : "ACCEPT"}`,
        ]);
        const standing = xtablesStanding(family, restrict).filter((line) => line.startsWith("-A "));
        for (const chain of ["INPUT", "OUTPUT"] as const) {
          const flows = chain === "INPUT" ? input.incoming : restrict ? (input.outgoing ?? []) : [];
          const own = flows.filter((f) => familyOf(f.source) === family && !isLeftOut(f));
          const rules = listed.filter((line) => line.startsWith(`-A ${chain} `));
          const chainStanding = standing.filter((line) => line.startsWith(`-A ${chain} `));
          expect(rules.slice(0, chainStanding.length)).toEqual(chainStanding);
          expect(rules.length).toBe(chainStanding.length + xtablesRequested(flows, family, chain).size);
          expect(new Set(rules.slice(chainStanding.length))).toEqual(
            new Set(own.map((f) => kernelListedLine(f, chain))),
          );
        }
        expect(listed.filter((line) => line.startsWith("-A ") && !/^-A (INPUT|OUTPUT) /.test(line))).toEqual([]);
      }

      for (const [name, input] of Object.entries(CASES)) {
        const text = () => goldenOrGenerated(`${goldenDir}/${name}.${ext}`, () => generate(input));
        it(`${name}.${ext} passes ${tool}-nft-restore --test and loads exactly the requested rules`, async () => {
          const test = inNamespace(namespace, [`${tool}-nft-restore`, "--test"], text());
          expect(test.stderr).toBe("");
          expect(test.status).toBe(0);
          await expectKernelHoldsExactly(namespace, input, text());
        });
        it.skipIf(legacyMissing !== null)(
          `${name}.${ext} passes ${tool}-legacy-restore --test${legacyMissing === null ? "" : ` (skipped: ${legacyMissing})`}`,
          () => {
            const test = inNamespace(namespace, [legacy, "--test"], text());
            expect(test.stderr).toBe("");
            expect(test.status).toBe(0);
          },
        );
      }

      it("loads random hostile inputs with exactly the requested rules", async () => {
        const inputs = fc.sample(inputArb, { numRuns: 25, seed: 20261 });
        await inParallelNamespaces(family, inputs, 3, (ns, input) =>
          expectKernelHoldsExactly(ns, input, generate(input)),
        );
      });
    },
  );
}
