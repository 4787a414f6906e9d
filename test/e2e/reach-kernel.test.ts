// Differential proof of "Can it reach?" (docs/usage.md) on a real kernel: for a
// seeded dual-stack project (test/support/analysis-model.ts: four subnets in
// a corporate network, hosts inside and outside them, port ranges, both
// families, a host restricting outgoing traffic, a flow expired on the day and
// one on its last day, ICMP type 255), written to a SQLite database, the reach
// function answers from the model src/data/analysis.ts loads, and the kernel
// answers from the iptables and ip6tables files of every entity, produced by
// the real path (src/data/rules.ts and the generators), each loaded into the
// namespace of its machine in the lab of test/support/kernel-lab.ts.
//
// Each probe's addresses are put on the machine of the entity holding them
// most specifically (found here by scanning every interface, not by the reach
// code), or on an "outside" machine without a firewall. Probes: every
// recorded flow (ranges at their first, middle and last port), near misses
// (the port past either end, the other protocol, a source just outside the
// network), random sources inside and outside the recorded networks, and the
// restricting host to every destination. Left out: two addresses of one
// subnet entity, which the lab puts on one machine (loopback) while they are
// two hosts. The verdict must equal what the kernel does: zero disagreements.
// Last, with every firewall flushed, every probe passes, so the drops came
// from the rules and not from the lab. The counts are printed.
//
// Needs root, `ip netns` with veth and bridge, ping, iptables-nft and
// python3 for ICMP types ping cannot send; otherwise skipped with the reason.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAnalysisModel } from "../../src/data/analysis.js";
import { openDatabase } from "../../src/data/engine.js";
import { loadProjectRules } from "../../src/data/rules.js";
import type { AnalysisModel } from "../../src/domain/analysis-model.js";
import type { Protocol } from "../../src/domain/constants.js";
import { generateEntityIp6Rules } from "../../src/domain/ip6tables.js";
import { generateEntityRules } from "../../src/domain/iptables.js";
import { buildReachIndex, reach } from "../../src/domain/reach.js";
import { saveModel } from "../support/analysis-db.js";
import { dualStackProject } from "../support/analysis-model.js";
import { createTestDatabase } from "../support/app.js";
import { isRawIcmp, KernelLab, labSkipReason, type ProbeResult, PYTHON } from "../support/kernel-lab.js";
import { mapLimit } from "../support/map-limit.js";
import { type Address, ownerOf, planReachProbes, type ReachProbe } from "../support/reach-probes.js";

const SEED = 7;
const TODAY = "2026-12-02";
const PROBE_CONCURRENCY = 64;
/** Rounds and concurrency of re-sending probes that timed out where they should pass (a loaded machine). */
const RETRY_ROUNDS = 3;
const RETRY_CONCURRENCY = 8;

const reason = labSkipReason([
  { run: ["iptables-nft-restore", "--version"], install: "iptables" },
  { run: ["ip6tables-nft-restore", "--version"], install: "iptables" },
  { run: [PYTHON, "-c", "import socket"], install: "python3-minimal" },
]);
if (reason !== null) console.warn(`reach kernel proof skipped: ${reason}`);

const machineKey = (entityId: number | null) => (entityId === null ? "outside" : `e${entityId}`);
const show = (p: ReachProbe) => `${p.kind}: ${p.from.text} -> ${p.to.text} ${p.protocol}:${p.port}`;

describe.skipIf(reason !== null)(
  `reach verdicts against the kernel${reason === null ? "" : ` (skipped: ${reason})`}`,
  () => {
    let lab: KernelLab | undefined;
    let drop: (() => Promise<void>) | undefined;
    let model: AnalysisModel;
    let probes: ReachProbe[] = [];
    let skipped = 0;
    const verdicts: ("allowed" | "denied")[] = [];
    let kernel: ProbeResult[] = [];
    let retried = 0;
    const phases: string[] = [];
    let flushed = false;
    const files = new Map<number, { iptables: string; ip6tables: string }>();

    beforeAll(async () => {
      let mark = performance.now();
      const phase = (name: string) => {
        phases.push(`${name} ${((performance.now() - mark) / 1000).toFixed(1)} s`);
        mark = performance.now();
      };
      const database = await createTestDatabase("sqlite");
      drop = database.drop;
      const db = await openDatabase(database.url);
      try {
        const projectId = await saveModel(db, dualStackProject(SEED, TODAY).model);
        model = (await loadAnalysisModel(db, projectId)) as AnalysisModel;
        for (const { id, input } of await loadProjectRules(db, projectId, undefined, { today: TODAY })) {
          files.set(id, { iptables: generateEntityRules(input), ip6tables: generateEntityIp6Rules(input) });
        }
      } finally {
        await db.close();
      }
      phase("database, model and files");
      const plan = planReachProbes(model, SEED);
      probes = plan.probes;
      skipped = plan.skipped;
      const index = buildReachIndex(model, TODAY);
      for (const p of probes) {
        const outcome = reach(index, {
          family: p.family,
          from: p.from.value,
          to: p.to.value,
          protocol: p.protocol,
          port: p.port,
        });
        if (!outcome.ok) throw new Error(`${show(p)}: ${outcome.message}`);
        verdicts.push(outcome.answer.verdict);
      }

      // Every address on the machine of the entity holding it; ports served where probes go.
      const machines = new Map<string, { addresses: Set<string>; tcp: Set<number>; udp: Set<number>; raw: boolean }>();
      const machine = (a: Address) => {
        const key = machineKey(ownerOf(model, a));
        let m = machines.get(key);
        if (m === undefined) {
          m = { addresses: new Set(), tcp: new Set(), udp: new Set(), raw: false };
          machines.set(key, m);
        }
        m.addresses.add(a.text);
        return m;
      };
      for (const p of probes) {
        machine(p.from);
        const to = machine(p.to);
        if (p.protocol === "TCP") to.tcp.add(p.port);
        if (p.protocol === "UDP") to.udp.add(p.port);
        if (isRawIcmp(p)) to.raw = true;
      }
      phase("probes and verdicts");
      lab = await KernelLab.create(
        [...machines].map(([key, m]) => ({
          key,
          addresses: [...m.addresses],
          tcp: [...m.tcp].sort((a, b) => a - b),
          udp: [...m.udp].sort((a, b) => a - b),
          rawIcmp: m.raw,
        })),
      );
      const loads = [...machines.keys()]
        .filter((key) => key !== "outside")
        .flatMap((key) => {
          const own = files.get(Number(key.slice(1)));
          if (own === undefined) throw new Error(`no files for entity ${key}`);
          return [
            { key, tool: "iptables-nft-restore", text: own.iptables },
            { key, tool: "ip6tables-nft-restore", text: own.ip6tables },
          ];
        });
      phase("lab");
      await Promise.all(loads.map(({ key, tool, text }) => must(key, [tool], text)));
      phase("loading the files");
      kernel = await probeAll();
      phase("probing");
    }, 120_000);

    afterAll(async () => {
      lab?.close();
      await drop?.();
    });

    const theLab = () => {
      if (lab === undefined) throw new Error("the lab was not built");
      return lab;
    };

    async function must(key: string, command: string[], input?: string): Promise<void> {
      const result = await theLab().run(key, command, input);
      expect(result.stderr, `${key}: ${command.join(" ")}`).toBe("");
      expect(result.code, `${key}: ${command.join(" ")}`).toBe(0);
    }

    /** Forgets every neighbour (ARP and neighbour discovery go through the loaded firewalls), then probes at once. */
    async function probeAll(): Promise<ProbeResult[]> {
      const keys = theLab().machines.map((m) => m.key);
      await Promise.all(keys.map((key) => must(key, ["ip", "neigh", "flush", "all"])));
      const results = await mapLimit(probes, PROBE_CONCURRENCY, sendProbe);
      // A timeout proves a drop only on an idle machine: probes that should pass and timed out are
      // sent again a few at a time. A real drop times out every time; a pass is never retried.
      for (let round = 0; round < RETRY_ROUNDS; round++) {
        const again = probes.flatMap((_p, i) =>
          results[i]?.detail === "timeout" && (flushed || verdicts[i] === "allowed") ? [i] : [],
        );
        if (again.length === 0) break;
        retried += again.length;
        const second = await mapLimit(again, RETRY_CONCURRENCY, (i) => sendProbe(probes[i] as ReachProbe));
        again.forEach((i, n) => {
          results[i] = second[n] as ProbeResult;
        });
      }
      return results;
    }

    function sendProbe(p: ReachProbe): Promise<ProbeResult> {
      return theLab().probe(machineKey(ownerOf(model, p.from)), {
        protocol: p.protocol,
        from: p.from.text,
        to: p.to.text,
        port: p.port,
      });
    }

    it("asks at least 300 questions of every kind, both verdicts, both families", () => {
      expect(probes.length).toBeGreaterThanOrEqual(300);
      const count = (test: (p: ReachProbe, i: number) => boolean) => probes.filter(test).length;
      for (const kind of new Set(probes.map((p) => p.kind))) {
        const allowed = count((p, i) => p.kind === kind && verdicts[i] === "allowed");
        const denied = count((p, i) => p.kind === kind && verdicts[i] === "denied");
        console.log(`${kind}: ${allowed} allowed, ${denied} denied`);
      }
      const tally = (family: string, protocol: Protocol) =>
        count((p) => p.family === family && p.protocol === protocol);
      console.log(
        `reach kernel proof, seed ${SEED}, files of ${TODAY}: ${probes.length} probes ` +
          `(${count((_p, i) => verdicts[i] === "allowed")} allowed, ${count((_p, i) => verdicts[i] === "denied")} denied; ` +
          `IPv4 TCP ${tally("ipv4", "TCP")}, UDP ${tally("ipv4", "UDP")}, ICMP ${tally("ipv4", "ICMP")}; ` +
          `IPv6 TCP ${tally("ipv6", "TCP")}, UDP ${tally("ipv6", "UDP")}, ICMPv6 ${tally("ipv6", "ICMPv6")}); ` +
          `${skipped} left out (two hosts of one subnet entity); ${retried} probe(s) sent again after a timeout`,
      );
      console.log(`time: ${phases.join(", ")}`);
      for (const family of ["ipv4", "ipv6"]) {
        for (const verdict of ["allowed", "denied"]) {
          expect(
            count((p, i) => p.family === family && verdicts[i] === verdict),
            `${family} ${verdict}`,
          ).toBeGreaterThan(20);
        }
      }
      // The restricting host's OUTPUT and the expired flow both decide some answers.
      expect(count((p, i) => p.kind === "from the restricting host" && verdicts[i] === "denied")).toBeGreaterThan(0);
      expect(model.communications.some((c) => c.expires !== null && c.expires < TODAY)).toBe(true);
    });

    it("gives the kernel's answer to every probe: zero disagreements", () => {
      const disagreements = probes.flatMap((p, i) => {
        const result = kernel[i] as ProbeResult;
        const dropped = !result.ok && (result.detail === "timeout" || result.detail === "EPERM");
        if (!result.ok && !dropped) return [`lab failure on ${show(p)}: ${result.detail}`];
        const kernelVerdict = result.ok ? "allowed" : "denied";
        return kernelVerdict === verdicts[i]
          ? []
          : [`${show(p)}: reach ${verdicts[i]}, kernel ${kernelVerdict} (${result.detail})`];
      });
      expect(disagreements).toEqual([]);
    });

    it("with every firewall flushed, every probe passes: the drops came from the rules", async () => {
      for (const m of theLab().machines) {
        if (m.key === "outside") continue;
        await must(m.key, ["iptables-nft", "-P", "OUTPUT", "ACCEPT"]);
        await must(m.key, ["iptables-nft", "-P", "INPUT", "ACCEPT"]);
        await must(m.key, ["ip6tables-nft", "-P", "OUTPUT", "ACCEPT"]);
        await must(m.key, ["ip6tables-nft", "-P", "INPUT", "ACCEPT"]);
        await must(m.key, ["iptables-nft", "-F"]);
        await must(m.key, ["ip6tables-nft", "-F"]);
      }
      flushed = true;
      const before = retried;
      const open = await probeAll();
      console.log(`firewalls flushed: ${probes.length} probes, ${retried - before} sent again after a timeout`);
      expect(open.flatMap((r, i) => (r.ok ? [] : [`${show(probes[i] as ReachProbe)}: ${r.detail}`]))).toEqual([]);
    }, 60_000);
  },
);
