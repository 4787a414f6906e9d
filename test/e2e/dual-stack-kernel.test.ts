// Proof on a real kernel that the three files of every entity (docs/rules.md)
// do what the project records, for a generated dual-stack project: hosts, IPv4
// and IPv6 networks as sources, port ranges, ICMP and ICMPv6, an entity that
// restricts outgoing traffic, and flows expired on the day of the files.
//
// The document (test/support/dataset.ts) is imported into a fresh SQLite
// database and the files produced through the real path: loadProjectRules
// (src/data/rules.ts) and the three generators. Every file must pass
// `iptables-restore --test` / `ip6tables-restore --test` (nf_tables and legacy)
// and `nft -c -f`. Then each entity's machine in a network namespace lab
// (test/support/kernel-lab.ts) loads (a) its iptables and ip6tables files, (b)
// its nftables file, and the probes of test/support/kernel-probes.ts run from
// every machine at once: every recorded flow passes (a range at its first,
// middle and last port; IPv6 flows only once neighbour discovery passes the
// firewalls), the port past a range, another protocol, the other family, a
// source outside the flow and expired flows are dropped, and a machine that
// restricts outgoing traffic cannot open a connection to a bystander without
// a firewall while the others can. Last, with every firewall flushed, every
// probe passes: the drops came from the rules, not from the lab. The probe
// matrix is printed for docs/rules.md.
//
// Needs root, `ip netns` with veth and bridge, ping, iptables (nf_tables and
// legacy), nftables, and python3 when a flow has an ICMP type other than echo
// request (raw sockets); otherwise skipped with the reason.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/data/engine.js";
import { loadProjectRules } from "../../src/data/rules.js";
import { generateEntityIp6Rules } from "../../src/domain/ip6tables.js";
import { generateEntityRules } from "../../src/domain/iptables.js";
import { generateEntityNftRules } from "../../src/domain/nftables.js";
import { createTestDatabase } from "../support/app.js";
import { datasetDocument, loadDataset } from "../support/dataset.js";
import { isRawIcmp, KernelLab, labSkipReason, type ProbeResult, PYTHON } from "../support/kernel-lab.js";
import { BYSTANDER, type PlannedProbe, planProbes, servedPorts } from "../support/kernel-probes.js";
import { mapLimit } from "../support/map-limit.js";

/** The data set and the day the files are generated on (a few of its flows expired before it). */
const REQUEST = { preset: "small", dualStack: true, seed: 24, today: "2026-06-01" } as const;
const PROBE_CONCURRENCY = 160;
/** Expected drops give up after DEFAULT_TIMEOUT_MS (1 s); probes expected to pass may take this long. */
const PASS_TIMEOUT_MS = 5000;

const document = datasetDocument(REQUEST);
const project = document.projects[0];
if (project === undefined) throw new Error("the data set has no project");
const plan = planProbes(project, REQUEST.today);
const rawIcmp = plan.probes.some((p) => isRawIcmp(p.request));

const reason = labSkipReason([
  { run: ["iptables-nft-restore", "--version"], install: "iptables" },
  { run: ["ip6tables-nft-restore", "--version"], install: "iptables" },
  { run: ["iptables-legacy-restore", "--version"], install: "iptables" },
  { run: ["ip6tables-legacy-restore", "--version"], install: "iptables" },
  { run: ["nft", "--version"], install: "nftables" },
  ...(rawIcmp ? [{ run: [PYTHON, "-c", "import socket"], install: "python3-minimal" }] : []),
]);
if (reason !== null) console.warn(`dual-stack kernel proof skipped: ${reason}`);

interface EntityFiles {
  name: string;
  iptables: string;
  ip6tables: string;
  nft: string;
}

const describeProbe = (p: PlannedProbe, result?: ProbeResult) =>
  `${p.kind}: ${p.from.entity ?? p.from.key} ${p.request.from} -> ${p.to.entity ?? p.to.key} ${p.request.to} ` +
  `${p.request.protocol}:${p.request.port}${result ? ` (${result.detail})` : ""}`;

/** Probes the oracle got wrong: passed when it must be dropped or the reverse; a drop is a timeout (EPERM from the sender's own OUTPUT). */
function wrongOutcomes(results: ProbeResult[]): string[] {
  return plan.probes.flatMap((p, i) => {
    const result = results[i] as ProbeResult;
    if (p.expected) return result.ok ? [] : [`recorded but blocked: ${describeProbe(p, result)}`];
    const silent = result.detail === "timeout" || (result.detail === "EPERM" && p.from.restrictOutgoing);
    return !result.ok && silent ? [] : [`unrecorded but not dropped: ${describeProbe(p, result)}`];
  });
}

const familyOf = (p: PlannedProbe) => (p.request.to.includes(":") ? "IPv6" : "IPv4");

/** The probe matrix: per kind and family, what was expected and what each format did. */
function matrix(outcomes: Map<string, ProbeResult[]>): string {
  const rows = new Map<string, number[]>();
  plan.probes.forEach((p, i) => {
    const key = `${p.kind} (${familyOf(p)}, ${p.expected ? "pass" : "drop"})`;
    const row = rows.get(key) ?? [0, ...[...outcomes.keys()].map(() => 0)];
    row[0] = (row[0] ?? 0) + 1;
    [...outcomes.values()].forEach((results, f) => {
      if (results[i]?.ok === p.expected) row[f + 1] = (row[f + 1] ?? 0) + 1;
    });
    rows.set(key, row);
  });
  const header = ["probe (family, expected)", "probes", ...[...outcomes.keys()].map((f) => `${f}: as expected`)];
  const lines = [...rows].sort(([a], [b]) => a.localeCompare(b)).map(([key, counts]) => [key, ...counts.map(String)]);
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => (l[c] ?? "").length)));
  const format = (cells: string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(" | ")} |`;
  const recorded = new Set(plan.probes.flatMap((p) => (p.flow === undefined ? [] : [p.flow])));
  const totals = [...outcomes].map(([f, results]) => {
    const failed = new Set(plan.probes.flatMap((p, i) => (p.flow !== undefined && !results[i]?.ok ? [p.flow] : [])));
    const passed = plan.probes.filter((p, i) => p.expected && p.kind === "flow" && results[i]?.ok).length;
    const dropped = plan.probes.filter((p, i) => !p.expected && results[i]?.ok === false).length;
    const unexpected = plan.probes.filter((p, i) => !p.expected && results[i]?.ok !== false).length;
    return (
      `${f}: ${recorded.size - failed.size} of ${recorded.size} recorded flows passed (${passed} probes), ` +
      `${dropped} probes dropped as expected, ${unexpected} unrecorded probes not dropped`
    );
  });
  return [
    `Dual-stack kernel proof: ${project?.entities.length} entities, ${project?.communications.length} flows ` +
      `(${plan.leftOut} expired or left out), seed ${REQUEST.seed}, files of ${REQUEST.today}`,
    format(header),
    format(widths.map((w) => "-".repeat(w))),
    ...lines.map(format),
    ...totals,
  ].join("\n");
}

describe.skipIf(reason !== null)(
  `a generated dual-stack project's files on a real kernel${reason === null ? "" : ` (skipped: ${reason})`}`,
  () => {
    let lab: KernelLab | undefined;
    let dir = "";
    let drop: (() => Promise<void>) | undefined;
    const files = new Map<string, EntityFiles>();
    const outcomes = new Map<string, ProbeResult[]>();

    beforeAll(async () => {
      const database = await createTestDatabase("sqlite");
      drop = database.drop;
      dir = mkdtempSync(path.join(tmpdir(), "ct-dual-stack-"));
      const db = await openDatabase(database.url);
      try {
        await loadDataset(db, REQUEST);
        const projectRow = await db.run((c) => c.project.findFirstOrThrow({ where: { name: project.name } }));
        for (const { name, input } of await loadProjectRules(db, projectRow.id, undefined, { today: REQUEST.today })) {
          files.set(name, {
            name,
            iptables: generateEntityRules(input),
            ip6tables: generateEntityIp6Rules(input),
            nft: generateEntityNftRules(input),
          });
        }
      } finally {
        await db.close();
      }
      lab = await KernelLab.create(
        plan.machines.map((m) => ({
          key: m.key,
          addresses: [...m.addressOf.values()].map((a) => a.text),
          ...servedPorts(plan, m),
          rawIcmp: plan.probes.some((p) => p.to === m && isRawIcmp(p.request)),
        })),
      );
    }, 60_000);

    afterAll(async () => {
      if (outcomes.size > 0) console.log(matrix(outcomes));
      lab?.close();
      if (dir !== "") rmSync(dir, { recursive: true, force: true });
      await drop?.();
    });

    const theLab = () => {
      if (lab === undefined) throw new Error("the lab was not built");
      return lab;
    };
    const entityMachines = () => plan.machines.filter((m) => m.entity !== null);
    const filesOf = (entity: string | null) => {
      const found = files.get(entity ?? "");
      if (found === undefined) throw new Error(`no files for entity ${entity}`);
      return found;
    };

    /**
     * Forgets every neighbour first (ARP and IPv6 neighbour discovery start
     * afresh, through the firewalls just loaded), then sends every probe at once.
     */
    async function probeAll(allPass = false): Promise<ProbeResult[]> {
      await Promise.all(plan.machines.map((m) => must(m.key, ["ip", "neigh", "flush", "all"])));
      return mapLimit(plan.probes, PROBE_CONCURRENCY, (p) =>
        theLab().probe(p.from.key, p.expected || allPass ? { ...p.request, timeoutMs: PASS_TIMEOUT_MS } : p.request),
      );
    }

    async function must(key: string, command: string[], input?: string): Promise<void> {
      const result = await theLab().run(key, command, input);
      expect(result.stderr, `${key}: ${command.join(" ")}`).toBe("");
      expect(result.code, `${key}: ${command.join(" ")}`).toBe(0);
    }

    it("covers every kind of flow and of refusal the proof is about", () => {
      expect([...files.keys()].sort()).toEqual(project.entities.map((e) => e.name).sort());
      const expectedPass = plan.probes.filter((p) => p.expected);
      const networkSource = (family: "IPv4" | "IPv6") =>
        expectedPass.some(
          (p) => p.kind === "flow" && familyOf(p) === family && p.from.networkAddresses.has(p.request.from),
        );
      expect(networkSource("IPv4"), "an IPv4 network as a source").toBe(true);
      expect(networkSource("IPv6"), "an IPv6 network as a source").toBe(true);
      for (const protocol of ["TCP", "UDP", "ICMP", "ICMPv6"]) {
        expect(
          expectedPass.some((p) => p.request.protocol === protocol),
          protocol,
        ).toBe(true);
      }
      expect(
        project.communications.some((c) => (c.portEnd ?? c.port) > c.port),
        "a port range",
      ).toBe(true);
      expect(
        expectedPass.some((p) => p.from.restrictOutgoing && p.kind === "flow"),
        "restricted, recorded",
      ).toBe(true);
      expect(plan.leftOut, "an expired flow").toBeGreaterThan(0);
      const drops = new Set(plan.probes.filter((p) => !p.expected).map((p) => p.kind));
      for (const kind of [
        "past the range",
        "other protocol",
        "other family",
        "unrecorded source",
        "left out",
      ] as const) {
        expect(drops.has(kind), `a probe ${kind} that must be dropped`).toBe(true);
      }
      const bystander = plan.probes.filter((p) => p.kind === "outgoing to a bystander");
      expect(bystander.some((p) => p.from.restrictOutgoing && !p.expected)).toBe(true);
      expect(bystander.some((p) => !p.from.restrictOutgoing && p.expected)).toBe(true);
    });

    it("every file passes iptables-restore --test and ip6tables-restore --test (nf_tables and legacy) and nft -c -f", async () => {
      const checks = [...files.values()].flatMap((f, index) => {
        const nftFile = path.join(dir, `check-${index}.nft`);
        writeFileSync(nftFile, f.nft);
        return [
          { what: `${f.name} iptables-nft`, command: ["iptables-nft-restore", "--test"], input: f.iptables },
          { what: `${f.name} iptables-legacy`, command: ["iptables-legacy-restore", "--test"], input: f.iptables },
          { what: `${f.name} ip6tables-nft`, command: ["ip6tables-nft-restore", "--test"], input: f.ip6tables },
          { what: `${f.name} ip6tables-legacy`, command: ["ip6tables-legacy-restore", "--test"], input: f.ip6tables },
          { what: `${f.name} nft -c`, command: ["nft", "-c", "-f", nftFile], input: undefined },
        ];
      });
      const results = await mapLimit(checks, 8, (c) => theLab().run(BYSTANDER.key, c.command, c.input));
      const failed = checks.flatMap((c, i) => {
        const r = results[i];
        return r?.code === 0 && r.stderr === "" ? [] : [`${c.what}: ${r?.code} ${r?.stderr.trim()}`];
      });
      expect(failed).toEqual([]);
    });

    it("(a) with the iptables and ip6tables files loaded, exactly the recorded flows pass", async () => {
      await Promise.all(
        entityMachines().map(async (m) => {
          await must(m.key, ["iptables-nft-restore"], filesOf(m.entity).iptables);
          await must(m.key, ["ip6tables-nft-restore"], filesOf(m.entity).ip6tables);
        }),
      );
      const results = await probeAll();
      outcomes.set("iptables + ip6tables", results);
      expect(wrongOutcomes(results)).toEqual([]);
    }, 60_000);

    it("(b) with the nftables file loaded instead, exactly the recorded flows pass", async () => {
      await Promise.all(
        entityMachines().map(async (m) => {
          const file = path.join(dir, `${m.key}.nft`);
          writeFileSync(file, filesOf(m.entity).nft);
          await must(m.key, ["nft", "flush", "ruleset"]);
          await must(m.key, ["nft", "-f", file]);
          const tables = await theLab().run(m.key, ["nft", "list", "tables"]);
          expect(tables.stdout.trim()).toBe("table inet conntrackt");
        }),
      );
      const results = await probeAll();
      outcomes.set("nftables", results);
      expect(wrongOutcomes(results)).toEqual([]);
    }, 60_000);

    it("with every firewall flushed, every probe passes, so the drops came from the rules", async () => {
      await Promise.all(entityMachines().map((m) => must(m.key, ["nft", "flush", "ruleset"])));
      const results = await probeAll(true);
      const failed = plan.probes.flatMap((p, i) => (results[i]?.ok ? [] : [describeProbe(p, results[i])]));
      expect(failed).toEqual([]);
    }, 60_000);
  },
);
