// The interchange document's validation (docs/cli.md): every problem names the
// JSON path of the item and the rule it breaks; version 1 reads as it always
// did, version 2 adds IPv6, ranges, restrictOutgoing and the flow owner fields.
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
    expect(minimal.doc.projects[0]?.entities[0]?.restrictOutgoing).toBe(false);
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
    iface(d, 1).address = "192.168.1.0";
    iface(d, 1).netmask = "/24";
    const result = parseInterchange(d);
    expect(result.ok && result.doc.projects[0]?.entities[1]?.interfaces[0]?.netmask).toBe("255.255.255.0");
  });

  it("refuses host bits under the netmask and offers the network (192.168.1.1/24 would mean the whole network)", () => {
    const d = doc();
    iface(d, 1).netmask = "255.255.255.0";
    expect(problems(d)).toEqual([
      "projects[0].entities[1].interfaces[0].address: Address 192.168.1.1 has host bits set for the prefix /24: the network is 192.168.1.0/24 (a single host is /32).",
    ]);
  });

  it("reports every structural problem with its path", () => {
    const d = doc({ format: "other", version: 3 });
    iface(d, 0).address = "192.168.1.300";
    (comm(d) as Record<string, unknown>).port = "22";
    (comm(d) as Record<string, unknown>).protocol = "SCTP";
    must(must(d.projects[0]).entities[0]).name = "bad\nname";
    const list = problems(d);
    expect(list).toContain('format: format must be "conntrackt"');
    expect(list).toContain(
      "version: version must be 1 or 2 (this Conntrackt reads version 1 and 2 documents and writes version 2)",
    );
    expect(list).toContain(
      'projects[0].entities[0].interfaces[0].address: Address must be an IPv4 address such as 192.168.1.10 or an IPv6 address such as fd00::10, not "192.168.1.300".',
    );
    expect(list).toContain("projects[0].communications[0].port: port must be a number");
    expect(list).toContain(
      'projects[0].communications[0].protocol: Protocol must be one of TCP, UDP, ICMP, ICMPv6, not "SCTP".',
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
      "projects[0].communications[1]: a communication with the same source, destination, protocol and port or range already exists at projects[0].communications[0]",
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

/** The docs/cli.md example as a version 2 document, with an IPv6 interface on each entity. */
function doc2() {
  const d = doc({ version: 2 });
  for (const entity of must(d.projects[0]).entities) {
    entity.interfaces.push({ name: "eth0-v6", description: "", address: "", netmask: "" });
  }
  const [app1, db1] = must(d.projects[0]).entities;
  must(must(app1).interfaces[1]).address = "fd00:77::10";
  must(must(db1).interfaces[1]).address = "fd00:77::21";
  return d;
}

const v2comm = (d: ReturnType<typeof doc>) => comm(d) as Record<string, unknown>;

describe("version 1", () => {
  it("reads as before: every version 2 field takes its default", () => {
    const result = parseInterchange(doc());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.doc.version).toBe(1);
    expect(result.doc.projects[0]?.communications[0]).toEqual({
      source: { entity: "app1", interface: "eth0" },
      destination: { entity: "db1", interface: "eth0" },
      protocol: "TCP",
      port: 5432,
      portEnd: 5432,
      description: "Application database",
      requestedBy: "",
      reference: "",
      expires: null,
    });
  });

  it("refuses what only version 2 can hold, saying to write version 2", () => {
    const d = doc();
    Object.assign(iface(d, 0), { address: "fd00::10", netmask: "" });
    v2comm(d).portEnd = 5433;
    (must(must(d.projects[0]).entities[1]) as Record<string, unknown>).restrictOutgoing = true;
    expect(problems(d)).toEqual([
      'projects[0].entities[0].interfaces[0].address: Address fd00::10 is an IPv6 address, which a version 1 document cannot hold: write "version": 2 to use it.',
      'projects[0].entities[1]: field "restrictOutgoing" of version 2 in a version 1 document: write "version": 2 to use it',
      'projects[0].communications[0]: field "portEnd" of version 2 in a version 1 document: write "version": 2 to use it',
    ]);
    const icmpv6 = doc();
    comm(icmpv6).protocol = "ICMPv6";
    comm(icmpv6).port = 128;
    expect(problems(icmpv6)).toEqual([
      'projects[0].communications[0].protocol: ICMPv6 needs IPv6 ends, which a version 1 document cannot hold: write "version": 2 to use it.',
    ]);
  });
});

describe("version 2", () => {
  it("reads IPv6 in any RFC 4291 form, stored RFC 5952 with the prefix as text; CIDR text too", () => {
    const d = doc2();
    must(must(must(d.projects[0]).entities[0]).interfaces[1]).address = "FD00:0077:0:0:0:0:0:10";
    must(must(must(d.projects[0]).entities[1]).interfaces[1]).address = "fd00:77:9::/64";
    Object.assign(iface(d, 1), { address: "10.10.4.0/24", netmask: "" });
    const result = parseInterchange(d);
    if (!result.ok) expect.fail(JSON.stringify(result.problems));
    const [app1, db1] = result.doc.projects[0]?.entities ?? [];
    expect(app1?.interfaces[1]).toMatchObject({ address: "fd00:77::10", netmask: "128" });
    expect(db1?.interfaces[1]).toMatchObject({ address: "fd00:77:9::", netmask: "64" });
    expect(db1?.interfaces[0]).toMatchObject({ address: "10.10.4.0", netmask: "255.255.255.0" });
  });

  it("reads every version 2 field and fills the absent ones", () => {
    const d = doc2();
    (must(must(d.projects[0]).entities[0]) as Record<string, unknown>).restrictOutgoing = true;
    Object.assign(v2comm(d), {
      port: 8000,
      portEnd: 8100,
      requestedBy: "  Alice Martin ",
      reference: "CHG-1234",
      expires: "2027-03-31",
    });
    must(d.projects[0]).communications.push({
      source: { entity: "app1", interface: "eth0-v6" },
      destination: { entity: "db1", interface: "eth0-v6" },
      protocol: "ICMPv6",
      port: 128,
      description: "",
    });
    const result = parseInterchange(d);
    if (!result.ok) expect.fail(JSON.stringify(result.problems));
    const project = result.doc.projects[0];
    expect(project?.entities.map((e) => e.restrictOutgoing)).toEqual([true, false]);
    expect(project?.communications[0]).toMatchObject({
      port: 8000,
      portEnd: 8100,
      requestedBy: "Alice Martin",
      reference: "CHG-1234",
      expires: "2027-03-31",
    });
    expect(project?.communications[1]).toMatchObject({
      protocol: "ICMPv6",
      port: 128,
      portEnd: 128,
      requestedBy: "",
      reference: "",
      expires: null,
    });
  });

  it("checks ports, ranges, dates and names with the forms' wording", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ port: 8100, portEnd: 8000 }, 'portEnd: Port range must go from a lower to a higher port, not "8100-8000"'],
      [{ portEnd: 70000 }, "portEnd: TCP port must be between 1 and 65535."],
      [{ portEnd: "8100" }, "portEnd: portEnd must be a number"],
      [{ protocol: "ICMP", port: 8, portEnd: 9 }, "portEnd: ICMP takes one ICMP type, not a range"],
      [
        { expires: "2027-02-30" },
        'expires: Expires must be a calendar date written YYYY-MM-DD, such as 2027-03-31, not "2027-02-30".',
      ],
      [{ expires: 20270331 }, "expires: expires must be a date string YYYY-MM-DD or null"],
      [{ requestedBy: "a\tb" }, "requestedBy: Requested by must not contain control characters"],
      [{ reference: "x".repeat(101) }, "reference: Reference must be at most 100 characters."],
    ];
    for (const [fields, message] of cases) {
      const d = doc2();
      Object.assign(v2comm(d), fields);
      const found = problems(d);
      expect(found, JSON.stringify(fields)).toHaveLength(1);
      expect(found[0], JSON.stringify(fields)).toContain(message);
    }
    const d = doc2();
    (must(must(d.projects[0]).entities[0]) as Record<string, unknown>).restrictOutgoing = "yes";
    expect(problems(d)).toEqual(["projects[0].entities[0].restrictOutgoing: restrictOutgoing must be true or false"]);
  });

  it("refuses IPv6 mistakes with the field rules' messages", () => {
    const cases: [string, string, string][] = [
      [
        "fd77:9::5",
        "64",
        "address: Address fd77:9::5 has host bits set for the prefix /64: the network is fd77:9::/64",
      ],
      ["fd00::10", "255.255.255.0", "netmask: Netmask of an IPv6 address must be a prefix length such as 64 or /64"],
      [
        "::ffff:10.0.0.1",
        "",
        "address: Address is an IPv4-mapped IPv6 address (::ffff:10.0.0.1): use the IPv4 form 10.0.0.1.",
      ],
      ["fd00::/64", "48", 'netmask: Netmask "48" differs from the prefix /64 given in Address'],
    ];
    for (const [address, netmask, message] of cases) {
      const d = doc2();
      Object.assign(must(must(must(d.projects[0]).entities[0]).interfaces[1]), { address, netmask });
      const found = problems(d);
      expect(found, address).toHaveLength(1);
      expect(found[0], address).toContain(`projects[0].entities[0].interfaces[1].${message}`);
    }
  });

  it("joins two ends of one family only, ICMP to IPv4 and ICMPv6 to IPv6", () => {
    const mixed = doc2();
    comm(mixed).destination.interface = "eth0-v6";
    expect(problems(mixed)).toEqual([
      "projects[0].communications[0].destination.interface: Source and destination must both be IPv4 or both IPv6.",
    ]);
    const icmp = doc2();
    Object.assign(comm(icmp), {
      protocol: "ICMP",
      port: 8,
      source: { entity: "app1", interface: "eth0-v6" },
      destination: { entity: "db1", interface: "eth0-v6" },
    });
    expect(problems(icmp)).toEqual([
      "projects[0].communications[0].protocol: ICMP needs IPv4 ends: for IPv6 ends, choose ICMPv6.",
    ]);
    const icmpv6 = doc2();
    Object.assign(comm(icmpv6), { protocol: "ICMPv6", port: 128 });
    expect(problems(icmpv6)).toEqual([
      "projects[0].communications[0].protocol: ICMPv6 needs IPv6 ends: for IPv4 ends, choose ICMP.",
    ]);
  });

  it("tells a range from a single port, and refuses the same range twice", () => {
    const d = doc2();
    const p = must(d.projects[0]);
    Object.assign(v2comm(d), { port: 8000, portEnd: 8100 });
    p.communications.push({ ...must(p.communications[0]), portEnd: 8000 } as (typeof p.communications)[number], {
      ...must(p.communications[0]),
      description: "again",
    });
    expect(problems(d)).toEqual([
      "projects[0].communications[2]: a communication with the same source, destination, protocol and port or range already exists at projects[0].communications[0]",
    ]);
  });
});
