// The interchange document's validation (docs/cli.md): every problem names the
// JSON path of the item and the rule it breaks.
import { describe, expect, it } from "vitest";
import { formatPath, parseInterchange, parseInterchangeText } from "../../src/validation/interchange.js";

function doc(overrides: Record<string, unknown> = {}) {
  return {
    format: "conntrackt",
    version: 1,
    locations: [{ name: "Main site", description: "" }],
    projects: [
      {
        name: "Acme",
        description: "",
        entities: [
          {
            name: "app1",
            description: "",
            location: "Main site",
            interfaces: [{ name: "eth0", description: "", address: "192.168.1.10", netmask: "255.255.255.255" }],
          },
          {
            name: "db1",
            description: "",
            location: "Main site",
            interfaces: [{ name: "eth0", description: "", address: "192.168.1.1", netmask: "255.255.255.255" }],
          },
        ],
        communications: [
          {
            source: { entity: "app1", interface: "eth0" },
            destination: { entity: "db1", interface: "eth0" },
            protocol: "TCP",
            port: 5432,
            description: "Application database",
          },
        ],
      },
    ],
    ...overrides,
  };
}

/** The item, or a failed test: keeps the cases short without non-null assertions. */
function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("fixture item missing");
  return value;
}

const iface = (d: ReturnType<typeof doc>, entity: number) =>
  must(must(must(d.projects[0]).entities[entity]).interfaces[0]);
const comm = (d: ReturnType<typeof doc>) => must(must(d.projects[0]).communications[0]);

function problems(value: unknown): string[] {
  const result = parseInterchange(value);
  return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
}

describe("interchange validation", () => {
  it("accepts the docs/cli.md example and fills in defaults", () => {
    const result = parseInterchange(doc());
    expect(result.ok).toBe(true);
    const minimal = parseInterchange({
      format: "conntrackt",
      version: 1,
      projects: [{ name: "P", entities: [{ name: "e", location: "L", interfaces: [{ address: "10.0.0.1" }] }] }],
    });
    expect(minimal.ok).toBe(true);
    if (!minimal.ok) return;
    expect(minimal.doc.projects[0]?.entities[0]?.interfaces[0]).toEqual({
      name: "eth0",
      description: "",
      address: "10.0.0.1",
      netmask: "255.255.255.255",
    });
    expect(minimal.undeclaredLocations.get("L")).toBe("projects[0].entities[0].location");
  });

  it("names the JSON path and the rule of a bad netmask", () => {
    const d = doc();
    iface(d, 1).netmask = "255.0.255.0";
    expect(problems(d)).toEqual([
      'projects[0].entities[1].interfaces[0].netmask: Netmask must be a contiguous netmask such as 255.255.255.0 or a prefix length such as /24, not "255.0.255.0".',
    ]);
  });

  it("stores a prefix netmask as the dotted mask", () => {
    const d = doc();
    iface(d, 1).netmask = "/24";
    const result = parseInterchange(d);
    expect(result.ok && result.doc.projects[0]?.entities[1]?.interfaces[0]?.netmask).toBe("255.255.255.0");
  });

  it("reports every structural problem with its path", () => {
    const d = doc({ format: "other", version: 2 });
    iface(d, 0).address = "192.168.1.300";
    (comm(d) as Record<string, unknown>).port = "22";
    (comm(d) as Record<string, unknown>).protocol = "SCTP";
    must(must(d.projects[0]).entities[0]).name = "bad\nname";
    const list = problems(d);
    expect(list).toContain('format: format must be "conntrackt"');
    expect(list.some((p) => p.startsWith("version: version must be 1"))).toBe(true);
    expect(list).toContain(
      'projects[0].entities[0].interfaces[0].address: Address must be a dotted IPv4 address such as 192.168.1.10, not "192.168.1.300".',
    );
    expect(list).toContain("projects[0].communications[0].port: port must be a number");
    expect(list).toContain(
      'projects[0].communications[0].protocol: Protocol must be one of TCP, UDP, ICMP, not "SCTP".',
    );
    expect(list).toContain(
      "projects[0].entities[0].name: Name must not contain control characters (line breaks, tabs…).",
    );
  });

  it("refuses unknown fields, so a misspelt key is not silently ignored", () => {
    const d = doc();
    (iface(d, 0) as Record<string, unknown>).netmsk = "255.255.255.0";
    expect(problems(d)).toEqual(['projects[0].entities[0].interfaces[0]: unknown field "netmsk"']);
  });

  it("checks port ranges per protocol", () => {
    const d = doc();
    comm(d).port = 0;
    expect(problems(d)).toEqual(["projects[0].communications[0].port: TCP port must be between 1 and 65535."]);
    comm(d).protocol = "icmp";
    comm(d).port = 256;
    expect(problems(d)).toEqual([
      "projects[0].communications[0].port: ICMP type must be between 0 and 255 (for ICMP, the port is the ICMP type).",
    ]);
    comm(d).port = 0;
    expect(problems(d)).toEqual([]);
  });

  it("checks uniqueness and references between items", () => {
    const d = doc();
    const p = must(d.projects[0]);
    d.locations.push({ name: "Main site", description: "again" });
    p.entities.push({ ...must(p.entities[1]), location: "Main site" });
    must(p.entities[0]).interfaces.push({
      name: "eth0",
      description: "",
      address: "192.168.1.10",
      netmask: "255.255.255.255",
    });
    p.communications.push(
      { ...must(p.communications[0]), description: "twice" },
      { ...must(p.communications[0]), source: { entity: "nope", interface: "eth0" } },
      { ...must(p.communications[0]), destination: { entity: "db1", interface: "eth9" } },
      { ...must(p.communications[0]), destination: { entity: "app1", interface: "eth0" } },
    );
    expect(problems(d)).toEqual([
      'locations[1].name: location name "Main site" is already used by locations[0].name',
      'projects[0].entities[0].interfaces[1].name: interface name "eth0" is already used by projects[0].entities[0].interfaces[0].name',
      "projects[0].entities[0].interfaces[1].address: address and netmask 192.168.1.10/255.255.255.255 is already used by projects[0].entities[0].interfaces[0].address",
      'projects[0].entities[2].name: entity name "db1" is already used by projects[0].entities[1].name',
      "projects[0].communications[1]: a communication with the same source, destination, protocol and port already exists at projects[0].communications[0]",
      'projects[0].communications[2].source.entity: project "Acme" has no entity named "nope"',
      'projects[0].communications[3].destination.interface: entity "db1" has no interface named "eth9"',
      'projects[0].communications[4].destination.entity: source and destination must be interfaces of two different entities (both are "app1")',
    ]);
  });

  it("reports broken JSON at the document root", () => {
    const result = parseInterchangeText("{ not json");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.path).toBe("(document)");
    expect(parseInterchangeText(`\uFEFF${JSON.stringify(doc())}`).ok).toBe(true);
  });

  it("formats zod paths as JSON paths", () => {
    expect(formatPath(["projects", 0, "entities", 3, "interfaces", 0, "netmask"])).toBe(
      "projects[0].entities[3].interfaces[0].netmask",
    );
    expect(formatPath([])).toBe("(document)");
  });
});
