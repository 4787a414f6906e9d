// The seeded data set generator (scripts/dataset.ts, docs/development.md):
// deterministic by seed, the preset sizes, every uniqueness rule of the
// interchange document (docs/cli.md), valid through parseInterchange in plain
// and hostile mode, and hostile mode really hostile; the presets' bytes pinned,
// since other tests and the benchmarks rely on them. The --dual-stack version 2
// document: test/unit/dataset-dual-stack.test.ts. The command line itself
// (child processes): test/integration/dataset-cli.test.ts.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type DatasetDocument,
  DatasetUsageError,
  generateDataset,
  PRESET_NAMES,
  PRESETS,
  parseDatasetArgs,
  serializeDataset,
} from "../../scripts/dataset.js";
import { parseIpv4 } from "../../src/domain/ipv4.js";
import { parseInterchange } from "../../src/validation/interchange.js";
import { expectGolden } from "../support/golden.js";

const fromArgs = (args: string[]) => generateDataset(parseDatasetArgs(args));

const PRIVATE = [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const;
const isPrivate = (address: number) =>
  PRIVATE.some(([base, prefix]) => address >>> (32 - prefix) === (parseIpv4(base) as number) >>> (32 - prefix));

function expectValid(doc: DatasetDocument): void {
  const parsed = parseInterchange(doc);
  if (!parsed.ok) expect.fail(JSON.stringify(parsed.problems.slice(0, 5)));
  // Validation trims and normalises nothing away from names: they are stored as generated.
  expect(parsed.doc.projects.map((p) => p.entities.map((e) => e.name))).toEqual(
    doc.projects.map((p) => p.entities.map((e) => e.name)),
  );
}

/** Every rule the import checks, plus the generator's own promises (private, distinct addresses). */
function expectWellFormed(doc: DatasetDocument): void {
  const locations = doc.locations.map((l) => l.name);
  expect(new Set(locations).size).toBe(locations.length);
  for (const project of doc.projects) {
    const names = project.entities.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    const interfaces = new Map<string, Set<string>>();
    for (const entity of project.entities) {
      expect(locations).toContain(entity.location);
      expect(new Set(entity.interfaces.map((i) => i.name)).size).toBe(entity.interfaces.length);
      expect(new Set(entity.interfaces.map((i) => `${i.address}/${i.netmask}`)).size).toBe(entity.interfaces.length);
      for (const iface of entity.interfaces) {
        const address = parseIpv4(iface.address) as number;
        const mask = parseIpv4(iface.netmask) as number;
        expect(isPrivate(address), iface.address).toBe(true);
        expect((address & ~mask) >>> 0, `${iface.address}/${iface.netmask} has host bits`).toBe(0);
      }
      interfaces.set(entity.name, new Set(entity.interfaces.map((i) => i.name)));
    }
    const flows = project.communications.map((c) => {
      expect(c.source.entity).not.toBe(c.destination.entity);
      expect(interfaces.get(c.source.entity)?.has(c.source.interface)).toBe(true);
      expect(interfaces.get(c.destination.entity)?.has(c.destination.interface)).toBe(true);
      expect(["TCP", "UDP", "ICMP"]).toContain(c.protocol);
      if (c.protocol === "ICMP") expect(c.port >= 0 && c.port <= 255).toBe(true);
      else expect(c.port >= 1 && c.port <= 65535).toBe(true);
      return JSON.stringify([c.source, c.destination, c.protocol, c.port]);
    });
    expect(new Set(flows).size).toBe(flows.length);
  }
}

describe("determinism", () => {
  it("gives the same bytes for the same options and seed", () => {
    for (const args of [
      ["--preset", "large"],
      ["--nasty", "--seed", "42"],
      ["--projects", "3", "--subnets", "0.5"],
    ]) {
      expect(serializeDataset(fromArgs(args))).toBe(serializeDataset(fromArgs(args)));
    }
  });

  it("gives other data for another seed", () => {
    const one = serializeDataset(fromArgs(["--preset", "medium", "--seed", "1"]));
    const two = serializeDataset(fromArgs(["--preset", "medium", "--seed", "2"]));
    expect(two).not.toBe(one);
  });

  it("keeps location names whatever the seed, so several documents share their locations", () => {
    for (const nasty of [false, true]) {
      const a = generateDataset({ locations: 5, seed: 1, nasty }).locations.map((l) => l.name);
      const b = generateDataset({ locations: 3, seed: 9, nasty }).locations.map((l) => l.name);
      expect(b).toEqual(a.slice(0, 3));
    }
    expect(generateDataset({ locations: 2 }).locations.map((l) => l.name)).toEqual(["Location 1", "Location 2"]);
  });
});

describe("the presets' bytes, which other tests and the benchmarks rely on", () => {
  it("writes the small preset as test/golden/dataset/small.json", () => {
    expectGolden("dataset/small.json", serializeDataset(fromArgs(["--preset", "small"])));
  });

  it.each([
    [["--preset", "medium"], "75b0c4b0b82c6483eb62b052213c1456220c64a3879c336d968bbb75105aba7a"],
    [["--preset", "large"], "8fb70835ba138309e381518fe139b0b87de4e41b76e0ade4a8759e19e8c84db6"],
    [["--preset", "huge"], "00bf54aba23487110a9e37a688281ce3c45a94cc36000d3cb1fa50f94bd50c0a"],
    [["--nasty"], "d38f16f584fde81cf744eefb7fd74854b67e2f8db901e1d11998a2c2deca6558"],
    [
      ["--nasty", "--projects", "2", "--entities", "25", "--interfaces", "3", "--subnets", "0.3", "--seed", "7"],
      "736023dbde0a9f86e6339d362f09ba48e9f4b5dfb7c8540bc2a4988dcdba17f0",
    ],
  ])("%j keeps its SHA-256", (args, sha256) => {
    expect(
      createHash("sha256")
        .update(serializeDataset(fromArgs(args)))
        .digest("hex"),
    ).toBe(sha256);
  });
});

describe("sizes", () => {
  it.each(PRESET_NAMES)("preset %s has its documented counts", (preset) => {
    const doc = fromArgs(["--preset", preset]);
    const sizes = PRESETS[preset];
    expect(doc.locations).toHaveLength(sizes.locations);
    expect(doc.projects).toHaveLength(sizes.projects);
    for (const project of doc.projects) {
      expect(project.entities).toHaveLength(sizes.entities);
      expect(project.communications).toHaveLength(sizes.communications);
      for (const entity of project.entities) expect(entity.interfaces).toHaveLength(sizes.interfaces);
      const subnets = project.entities.filter((e) => e.interfaces.every((i) => i.netmask !== "255.255.255.255"));
      expect(subnets).toHaveLength(Math.round(sizes.entities * sizes.subnets));
    }
  });

  it("documents the sizes the task and the benchmarks rely on", () => {
    expect(PRESETS.small).toMatchObject({ projects: 1, locations: 2, entities: 10, communications: 30 });
    expect(PRESETS.medium).toMatchObject({ projects: 1, locations: 5, entities: 80, communications: 400 });
    expect(PRESETS.large).toMatchObject({
      projects: 1,
      locations: 10,
      entities: 300,
      interfaces: 2,
      communications: 3000,
    });
    expect(PRESETS.huge).toMatchObject({ projects: 1, locations: 20, entities: 2000, communications: 20000 });
  });

  it("lets each option override the preset", () => {
    const doc = fromArgs([
      "--preset",
      "large",
      "--projects",
      "2",
      "--locations",
      "3",
      "--entities",
      "7",
      "--interfaces",
      "3",
      "--communications",
      "11",
      "--subnets",
      "0.5",
    ]);
    expect(doc.locations).toHaveLength(3);
    expect(doc.projects.map((p) => [p.entities.length, p.communications.length])).toEqual([
      [7, 11],
      [7, 11],
    ]);
    expect(doc.projects[0]?.entities.every((e) => e.interfaces.length === 3)).toBe(true);
    const subnets = doc.projects[0]?.entities.filter((e) => e.interfaces[0]?.netmask !== "255.255.255.255");
    expect(subnets).toHaveLength(4);
  });

  it.each([
    [["--entities=-1"], /--entities must be a whole number/],
    [["--entities", "many"], /--entities must be a whole number/],
    [["--subnets", "2"], /--subnets must be a fraction from 0 to 1/],
    [["--subnets", ""], /--subnets must be a fraction/],
    [["--seed", "1.5"], /--seed must be a whole number/],
    [["--preset"], /argument missing/],
    [["extra"], /Unexpected argument/],
    [["--locations", "0"], /entities need at least one location/],
    [["--entities", "1", "--communications", "1"], /do not fit/],
    [["--entities", "3000000", "--interfaces", "2"], /at most 5,000,000 interfaces/],
  ])("refuses %j with a clear message", (args, message) => {
    expect(() => fromArgs(args)).toThrow(DatasetUsageError);
    expect(() => fromArgs(args)).toThrow(message);
  });
});

describe("validity and realism", () => {
  it.each(PRESET_NAMES)("preset %s passes parseInterchange and every uniqueness rule", (preset) => {
    const doc = fromArgs(["--preset", preset]);
    expectValid(doc);
    expectWellFormed(doc);
  });

  it.each([1, 2, 3, 7, 1234])("--nasty with seed %i passes parseInterchange", (seed) => {
    const doc = fromArgs(["--nasty", "--preset", "medium", "--seed", String(seed)]);
    expectValid(doc);
    expectWellFormed(doc);
  });

  it("--nasty with several projects, interfaces and subnets passes parseInterchange", () => {
    const doc = fromArgs(["--nasty", "--projects", "3", "--entities", "40", "--interfaces", "3", "--subnets", "0.3"]);
    expectValid(doc);
    expectWellFormed(doc);
  });

  it("uses the three protocols with a skewed mix of service ports and random ones", () => {
    const flows = fromArgs(["--preset", "large"]).projects.flatMap((p) => p.communications);
    const byProtocol = (protocol: string) => flows.filter((c) => c.protocol === protocol);
    const tcp = byProtocol("TCP");
    expect(tcp.length).toBeGreaterThan(byProtocol("UDP").length);
    expect(byProtocol("UDP").length).toBeGreaterThan(byProtocol("ICMP").length);
    expect(byProtocol("ICMP").length).toBeGreaterThan(0);
    const https = tcp.filter((c) => c.port === 443).length;
    expect(https / tcp.length).toBeGreaterThan(0.1);
    expect(new Set(tcp.map((c) => c.port)).size).toBeGreaterThan(100);
    expect(new Set(byProtocol("ICMP").map((c) => c.port))).toContain(8);
    // Some entities receive far more than others, as servers do.
    const incoming = new Map<string, number>();
    for (const c of flows) incoming.set(c.destination.entity, (incoming.get(c.destination.entity) ?? 0) + 1);
    const most = Math.max(...incoming.values());
    expect(most).toBeGreaterThan((5 * flows.length) / 300);
  });

  it("draws addresses from all three private ranges and gives subnets their network address", () => {
    const doc = fromArgs(["--preset", "large", "--subnets", "0.3"]);
    const interfaces = doc.projects.flatMap((p) => p.entities.flatMap((e) => e.interfaces));
    for (const prefix of ["10.", "172.16.", "192.168."]) {
      expect(
        interfaces.some((i) => i.address.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }
    const subnets = interfaces.filter((i) => i.netmask !== "255.255.255.255");
    expect(subnets.length).toBeGreaterThan(100);
    expect(subnets.some((i) => i.netmask === "255.255.255.0")).toBe(true);
    expect(new Set(subnets.map((i) => i.netmask)).size).toBeGreaterThan(2);
    expect(new Set(interfaces.map((i) => `${i.address}/${i.netmask}`)).size).toBe(interfaces.length);
  });
});

describe("--nasty", () => {
  const doc = fromArgs(["--nasty"]);
  const names = [
    ...doc.locations.map((l) => l.name),
    ...doc.projects.flatMap((p) => [
      p.name,
      ...p.entities.flatMap((e) => [e.name, ...e.interfaces.map((i) => i.name)]),
    ]),
  ];
  const descriptions = [
    ...doc.locations.map((l) => l.description),
    ...doc.projects.flatMap((p) => [
      p.description,
      ...p.entities.flatMap((e) => [e.description, ...e.interfaces.map((i) => i.description)]),
      ...p.communications.map((c) => c.description),
    ]),
  ];

  it.each([
    ["a double quote", '"'],
    ["a backslash", "\\"],
    ["a hash", "#"],
    ["a rule", "-A INPUT -j ACCEPT"],
    ["COMMIT", "COMMIT"],
    ["DOT-breaking text", '"]; '],
    ["a script tag", "<script>"],
    ["an HTML entity", "&amp;"],
    ["an emoji", "🔥"],
    ["right-to-left text", "שלום"],
    ["a parent directory", "../"],
  ])("puts %s in names", (_what, text) => {
    expect(names.some((n) => n.includes(text))).toBe(true);
  });

  it.each([
    ["a line feed", "\n"],
    ["a carriage return", "\r"],
    ["a tab", "\t"],
    ["a rule on a line of its own", "\n-A INPUT -j ACCEPT\n"],
    ["COMMIT on a line of its own", "\nCOMMIT\n"],
    ["a line separator", "\u2028"],
    ["a right-to-left override", "\u202e"],
    ["a zero-width joiner", "\u200d"],
  ])("puts %s in descriptions", (_what, text) => {
    expect(descriptions.some((d) => d.includes(text))).toBe(true);
  });

  it("writes a description of the largest allowed length and names of at most 100 characters", () => {
    expect(Math.max(...descriptions.map((d) => d.length))).toBeGreaterThan(9_990);
    expect(Math.max(...descriptions.map((d) => d.length))).toBeLessThanOrEqual(10_000);
    expect(Math.max(...names.map((n) => n.length))).toBeLessThanOrEqual(100);
    expect(names.every((n) => n === n.trim() && n.length > 0)).toBe(true);
  });

  it("leaves the network as it is without --nasty", () => {
    const plain = fromArgs([]);
    const shape = (d: DatasetDocument) =>
      d.projects.map((p) => ({
        addresses: p.entities.map((e) => e.interfaces.map((i) => `${i.address}/${i.netmask}`)),
        flows: p.communications.map((c) => `${c.protocol} ${c.port}`),
      }));
    expect(shape(doc)).toEqual(shape(plain));
  });
});
