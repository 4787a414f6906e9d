// The data set generator's --dual-stack version 2 document (scripts/dataset.ts,
// scripts/dataset/dual-stack.ts; docs/development.md): valid through
// parseInterchange in plain and hostile mode, IPv6 only under fd00::/16 in
// canonical form with no host bits, flows within one family with the right
// ICMP, ranges, the showcase flows whatever the seed, restrictOutgoing, and
// Expires dates that have expired only when a day is given.
import { describe, expect, it } from "vitest";
import {
  DatasetUsageError,
  type DualStackDocument,
  generateDataset,
  parseDatasetArgs,
  serializeDataset,
} from "../../scripts/dataset.js";
import { addDays } from "../../src/domain/expiry.js";
import { formatIpv6, hasHostBits, parseIpv6 } from "../../src/domain/ipv6.js";
import { parseInterchange } from "../../src/validation/interchange.js";
import { datasetDocument } from "../support/dataset.js";
import { expectGolden } from "../support/golden.js";

const ULA_FD00 = 0xfd00n << 112n;
const isFd00 = (value: bigint) => value >> 112n === ULA_FD00 >> 112n;

function expectValid(doc: DualStackDocument): void {
  const parsed = parseInterchange(doc);
  if (!parsed.ok) expect.fail(JSON.stringify(parsed.problems.slice(0, 5)));
  // The document is already in the stored form: reading it changes nothing but
  // the line ends of hostile descriptions (stored as LF, docs/usage.md).
  const stored = JSON.parse(JSON.stringify(doc), (key, value) =>
    key === "description" && typeof value === "string" ? value.replace(/\r\n?/g, "\n").trim() : value,
  );
  expect(parsed.doc).toEqual(stored);
}

/** The family of every interface, checked on the way: IPv6 under fd00::/16, canonical, no host bits. */
function families(doc: DualStackDocument): Map<string, "ipv4" | "ipv6"> {
  const out = new Map<string, "ipv4" | "ipv6">();
  for (const project of doc.projects) {
    for (const entity of project.entities) {
      for (const iface of entity.interfaces) {
        const key = JSON.stringify([project.name, entity.name, iface.name]);
        if (!iface.address.includes(":")) {
          out.set(key, "ipv4");
          continue;
        }
        const value = parseIpv6(iface.address);
        expect(value, iface.address).not.toBeNull();
        expect(isFd00(value as bigint), iface.address).toBe(true);
        expect(formatIpv6(value as bigint)).toBe(iface.address);
        expect(iface.netmask).toMatch(/^(48|56|64|128)$/);
        expect(hasHostBits(value as bigint, Number(iface.netmask)), `${iface.address}/${iface.netmask}`).toBe(false);
        out.set(key, "ipv6");
      }
    }
  }
  return out;
}

function expectFamiliesMatch(doc: DualStackDocument): void {
  const family = families(doc);
  for (const project of doc.projects) {
    for (const c of project.communications) {
      const from = family.get(JSON.stringify([project.name, c.source.entity, c.source.interface]));
      const to = family.get(JSON.stringify([project.name, c.destination.entity, c.destination.interface]));
      expect(from).toBeDefined();
      expect(to, JSON.stringify(c)).toBe(from);
      if (c.protocol === "ICMP") expect(from).toBe("ipv4");
      if (c.protocol === "ICMPv6") expect(from).toBe("ipv6");
      if (c.protocol === "TCP" || c.protocol === "UDP") {
        expect(c.port >= 1 && c.port <= c.portEnd && c.portEnd <= 65535, JSON.stringify(c)).toBe(true);
      } else {
        expect(c.portEnd).toBe(c.port);
      }
    }
  }
}

describe("--dual-stack", () => {
  it("writes the small preset as test/golden/dataset/small-dual-stack.json, the same from the flags and the API", () => {
    const doc = generateDataset({ preset: "small", dualStack: true });
    expectGolden("dataset/small-dual-stack.json", serializeDataset(doc));
    expect(serializeDataset(generateDataset(parseDatasetArgs(["--dual-stack"])))).toBe(serializeDataset(doc));
    expect(datasetDocument({ preset: "small", dualStack: true, seed: 1 })).toEqual(doc);
  });

  it("is deterministic by seed", () => {
    const a = serializeDataset(datasetDocument({ preset: "medium", dualStack: true, seed: 4 }));
    expect(serializeDataset(datasetDocument({ preset: "medium", dualStack: true, seed: 4 }))).toBe(a);
    expect(serializeDataset(datasetDocument({ preset: "medium", dualStack: true, seed: 5 }))).not.toBe(a);
  });

  it.each([
    ["small", false],
    ["medium", false],
    ["large", false],
    ["medium", true],
  ] as const)("preset %s (nasty: %s) passes parseInterchange as version 2, families matching", (preset, nasty) => {
    const doc = datasetDocument({ preset, dualStack: true, nasty, seed: 2, today: "2026-06-01" });
    expect(doc.version).toBe(2);
    expectValid(doc);
    expectFamiliesMatch(doc);
  });

  it("keeps the preset's sizes: entities, flows, interfaces per family", () => {
    const doc = datasetDocument({ preset: "large", dualStack: true });
    const project = doc.projects[0];
    expect(project?.entities).toHaveLength(300);
    expect(project?.communications).toHaveLength(3000);
    for (const entity of project?.entities ?? []) expect([2, 4]).toContain(entity.interfaces.length);
    const stacks = (project?.entities ?? []).map((e) => new Set(e.interfaces.map((i) => i.address.includes(":"))));
    expect(stacks.filter((s) => s.size === 2).length).toBeGreaterThan(150);
    expect(stacks.some((s) => s.size === 1 && s.has(true))).toBe(true);
    expect(stacks.some((s) => s.size === 1 && s.has(false))).toBe(true);
  });

  it.each([1, 2, 3, 9, 77])("starts every project with the showcase flows (seed %i)", (seed) => {
    const doc = datasetDocument({ preset: "small", dualStack: true, seed });
    const project = doc.projects[0];
    if (!project) throw new Error("no project");
    const entity = new Map(project.entities.map((e) => [e.name, e]));
    const addressOf = (end: { entity: string; interface: string }) =>
      entity.get(end.entity)?.interfaces.find((i) => i.name === end.interface);
    const isNetwork = (end: { entity: string; interface: string }) => {
      const i = addressOf(end);
      return i !== undefined && i.netmask !== "128" && i.netmask !== "255.255.255.255";
    };
    const kinds = project.communications.slice(0, 10).map((c) => ({
      family: addressOf(c.source)?.address.includes(":") ? "ipv6" : "ipv4",
      what: `${c.protocol} ${c.port}-${c.portEnd}`,
      restricting: entity.get(c.source.entity)?.restrictOutgoing === true,
      fromNetwork: isNetwork(c.source),
      toHost: !isNetwork(c.destination),
    }));
    expect(kinds.slice(0, 8)).toEqual([
      { family: "ipv6", what: "TCP 443-443", restricting: true, fromNetwork: false, toHost: true },
      { family: "ipv4", what: "TCP 22-22", restricting: true, fromNetwork: false, toHost: true },
      { family: "ipv6", what: "TCP 22-22", restricting: false, fromNetwork: true, toHost: true },
      { family: "ipv4", what: "UDP 53-53", restricting: false, fromNetwork: true, toHost: true },
      expect.objectContaining({ family: "ipv4", what: "TCP 8000-8100", toHost: true }),
      expect.objectContaining({ family: "ipv6", what: "UDP 10000-20000", toHost: true }),
      expect.objectContaining({ family: "ipv4", what: "ICMP 8-8", toHost: true }),
      expect.objectContaining({ family: "ipv6", what: "ICMPv6 128-128", toHost: true }),
    ]);
    expect(project.entities.filter((e) => e.restrictOutgoing).length).toBeGreaterThanOrEqual(1);
  });

  it("draws ranges, ICMPv6 types, restricting hosts and owners at realistic shares", () => {
    const doc = datasetDocument({ preset: "large", dualStack: true });
    const flows = doc.projects.flatMap((p) => p.communications);
    const share = (test: (c: (typeof flows)[number]) => boolean) => flows.filter(test).length / flows.length;
    expect(share((c) => c.portEnd > c.port)).toBeGreaterThan(0.02);
    expect(share((c) => c.portEnd > c.port)).toBeLessThan(0.1);
    expect(new Set(flows.filter((c) => c.protocol === "ICMPv6").map((c) => c.port))).toContain(128);
    expect(share((c) => c.requestedBy !== "")).toBeGreaterThan(0.25);
    expect(share((c) => c.reference !== "")).toBeGreaterThan(0.2);
    expect(share((c) => c.expires !== null)).toBeGreaterThan(0.1);
    const restricting = doc.projects.flatMap((p) => p.entities).filter((e) => e.restrictOutgoing);
    expect(restricting.length).toBeGreaterThan(5);
    expect(restricting.length).toBeLessThan(40);
  });

  it("has no expired flow without a day; with one, some expired before it and some expiring within 14 days", () => {
    const far = datasetDocument({ preset: "medium", dualStack: true }).projects.flatMap((p) => p.communications);
    const dates = far.flatMap((c) => (c.expires === null ? [] : [c.expires]));
    expect(dates.length).toBeGreaterThan(0);
    expect(dates.every((d) => d >= "2090-01-01" && d < "2100-01-01")).toBe(true);

    const today = "2026-06-01";
    const near = datasetDocument({ preset: "medium", dualStack: true, today }).projects.flatMap(
      (p) => p.communications,
    );
    const expires = near.flatMap((c) => (c.expires === null ? [] : [c.expires]));
    expect(expires.filter((d) => d < today).length).toBeGreaterThan(0);
    expect(expires.filter((d) => d >= today && d <= addDays(today, 14)).length).toBeGreaterThan(0);
    expect(expires.filter((d) => d > addDays(today, 14)).length).toBeGreaterThan(0);
    // A few, not most.
    expect(expires.filter((d) => d < today).length).toBeLessThan(near.length * 0.1);
  });

  it.each([
    [["--today", "2026-06-01"], /--today needs --dual-stack/],
    [["--dual-stack", "--today", "2026-02-30"], /today must be a date YYYY-MM-DD/],
    [["--dual-stack", "--today", "tomorrow"], /today must be a date YYYY-MM-DD/],
    [["--dual-stack", "--locations", "70000"], /at most 65,535 locations/],
  ])("refuses %j with a clear message", (args, message) => {
    expect(() => generateDataset(parseDatasetArgs(args))).toThrow(DatasetUsageError);
    expect(() => generateDataset(parseDatasetArgs(args))).toThrow(message);
  });
});
