// CSV import, the pure part: parsing, header names, field rules with line
// numbers (IPv6, CIDR text, host bits, ranges, ICMPv6, families, owner and
// expiry), and the plan against a project's current state, with the matching
// of an end that names a network without its netmask.
import { describe, expect, it } from "vitest";
import {
  type CsvImportState,
  csvColumnOf,
  parseCsv,
  planCsvImport,
  planCsvImportSteps,
  readCsvRows,
} from "../../src/domain/csv-import.js";
import { readCsvImport } from "../../src/validation/csv-import.js";

const HEADER =
  "source entity,source address,source netmask,destination entity,destination address,destination netmask,protocol,port,description,source location,destination location";

const empty: CsvImportState = { entities: [], communications: [], locations: ["Main site"] };

function plan(text: string, state: CsvImportState = empty, defaultLocation?: string) {
  const read = readCsvImport(text);
  expect(read.errors).toEqual([]);
  return planCsvImport(read.rows, state, { allowNewLocations: true, ...(defaultLocation ? { defaultLocation } : {}) });
}

describe("parseCsv", () => {
  it("reads quotes, doubled quotes, line breaks inside quotes, CRLF and a BOM", () => {
    const { records, error } = parseCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\r\n\r\n"multi\nline",z\n');
    expect(error).toBeNull();
    expect(records).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["x, y", 'say "hi"'] },
      { line: 4, fields: ["multi\nline", "z"] },
    ]);
  });

  it("detects semicolon and tab separators from the header", () => {
    expect(parseCsv("a;b;c\n1;2,5;3").records[1]?.fields).toEqual(["1", "2,5", "3"]);
    expect(parseCsv("a\tb\n1\t2").records[1]?.fields).toEqual(["1", "2"]);
  });

  it("reports an unclosed quote on the line where it starts", () => {
    expect(parseCsv('a,b\n1,"open\n2,3\n').error).toEqual({ line: 2, message: "a quoted field is never closed" });
    expect(parseCsv('a,b\n"x"y,2\n').error).toEqual({ line: 2, message: "unexpected text after a closing quote" });
  });
});

describe("CSV header", () => {
  it("accepts common variants of the column names, case-insensitively", () => {
    expect(csvColumnOf("source_entity")).toBe("source entity");
    expect(csvColumnOf("Source entity")).toBe("source entity");
    expect(csvColumnOf("SourceEntity")).toBe("source entity");
    expect(csvColumnOf("src_ip")).toBe("source address");
    expect(csvColumnOf("Dst Host")).toBe("destination entity");
    expect(csvColumnOf("destination-mask")).toBe("destination netmask");
    expect(csvColumnOf("PROTO")).toBe("protocol");
    expect(csvColumnOf("Comment")).toBe("description");
    expect(csvColumnOf("to site")).toBe("destination location");
    expect(csvColumnOf("Ports")).toBe("port");
    expect(csvColumnOf("src_ipv6")).toBe("source address");
    expect(csvColumnOf("Destination CIDR")).toBe("destination address");
    expect(csvColumnOf("dst prefix length")).toBe("destination netmask");
    expect(csvColumnOf("Requested by")).toBe("requested by");
    expect(csvColumnOf("owner")).toBe("requested by");
    expect(csvColumnOf("Ticket")).toBe("reference");
    expect(csvColumnOf("expiry_date")).toBe("expires");
    expect(csvColumnOf("colour")).toBeNull();
  });

  it("reports unknown, repeated and missing columns on line 1", () => {
    const { errors } = readCsvRows("src entity,source entity,source netmsk,protocol\n");
    expect(errors.map((e) => e.line)).toEqual([1, 1, 1]);
    expect(errors[0]?.message).toBe('column "source entity" appears twice');
    expect(errors[1]?.message).toMatch(/^unknown column "source netmsk"; the columns are: source entity, /);
    expect(errors[2]?.message).toBe("missing columns: source address, destination entity, destination address, port");
  });

  it("treats missing trailing cells as empty and refuses extra ones", () => {
    const { rows, errors } = readCsvRows(`${HEADER}\na,10.0.0.1,,b,10.0.0.2,,TCP,22\na,1,,b,2,,TCP,22,,,,extra\n`);
    expect(rows[0]?.values.description).toBe("");
    expect(rows[0]?.values["source location"]).toBe("");
    expect(errors).toEqual([{ line: 3, message: "12 fields, but the header has 11 columns" }]);
  });
});

describe("CSV rows", () => {
  it("validates every field and reports each bad row by its line", () => {
    const text = [
      HEADER,
      "app1,192.168.1.10,,db1,192.168.1.0,24,tcp,5432,DB,Main site,Main site",
      "app1,192.168.1.300,,db1,192.168.1.20,,TCP,22,,,",
      "app1,192.168.1.10,255.0.255.0,db1,192.168.1.20,,TCP,22,,,",
      "app1,192.168.1.10,,db1,192.168.1.20,,SCTP,22,,,",
      "app1,192.168.1.10,,db1,192.168.1.20,,TCP,70000,,,",
      "app1,192.168.1.10,,db1,192.168.1.20,,ICMP,300,,,",
      ",192.168.1.10,,db1,192.168.1.20,,UDP,x,,,",
    ].join("\n");
    const { rows, errors } = readCsvImport(text);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual({
      line: 2,
      source: {
        entity: "app1",
        address: "192.168.1.10",
        netmask: "255.255.255.255",
        netmaskGiven: false,
        location: "Main site",
      },
      destination: {
        entity: "db1",
        address: "192.168.1.0",
        netmask: "255.255.255.0",
        netmaskGiven: true,
        location: "Main site",
      },
      protocol: "TCP",
      port: 5432,
      portEnd: 5432,
      description: "DB",
      requestedBy: "",
      reference: "",
      expires: null,
    });
    expect(errors).toEqual([
      {
        line: 3,
        message:
          'Source address must be an IPv4 address such as 192.168.1.10 or an IPv6 address such as fd00::10, not "192.168.1.300".',
      },
      {
        line: 4,
        message:
          'Source netmask must be a contiguous netmask such as 255.255.255.0 or a prefix length such as /24, not "255.0.255.0".',
      },
      { line: 5, message: 'Protocol must be one of TCP, UDP, ICMP, ICMPv6, not "SCTP".' },
      { line: 6, message: "TCP port must be between 1 and 65535." },
      { line: 7, message: "ICMP type must be between 0 and 255 (for ICMP, the port is the ICMP type)." },
      { line: 8, message: "Source entity is required." },
      { line: 8, message: 'Port must be a port such as 22 or a range such as 8000-8100, not "x".' },
    ]);
  });

  const V2_HEADER = `${HEADER},requested by,reference,expires`;

  it("reads IPv6 (stored RFC 5952), CIDR text, ranges, ICMPv6 and the owner, reference and expiry", () => {
    const { rows, errors } = readCsvImport(
      [
        V2_HEADER,
        "app1,FD00:0077:0:0:0:0:0:10,,db1,fd00:77::21,/128,TCP,8000-8100,Ports,,,Alice Martin,CHG-1234,2027-03-31",
        "admins,10.10.4.0/24,,db1,192.168.1.20,,udp,10000 - 20000,RTP,,,,,",
        "admins,fd00:77:9::/64,,db1,fd00:77::21,,icmpv6,128,Ping,,,,,",
      ].join("\n"),
    );
    expect(errors).toEqual([]);
    expect(
      rows.map((r) => [r.source, r.destination.address, r.destination.netmask, r.protocol, r.port, r.portEnd]),
    ).toEqual([
      [
        { entity: "app1", address: "fd00:77::10", netmask: "128", netmaskGiven: false },
        "fd00:77::21",
        "128",
        "TCP",
        8000,
        8100,
      ],
      [
        { entity: "admins", address: "10.10.4.0", netmask: "255.255.255.0", netmaskGiven: true },
        "192.168.1.20",
        "255.255.255.255",
        "UDP",
        10000,
        20000,
      ],
      [
        { entity: "admins", address: "fd00:77:9::", netmask: "64", netmaskGiven: true },
        "fd00:77::21",
        "128",
        "ICMPv6",
        128,
        128,
      ],
    ]);
    expect(rows[0]).toMatchObject({ requestedBy: "Alice Martin", reference: "CHG-1234", expires: "2027-03-31" });
  });

  it("refuses host bits, mapped addresses, mixed families, ICMP ranges and bad dates, every problem of a row", () => {
    const { rows, errors } = readCsvImport(
      [
        V2_HEADER,
        "admins,192.168.1.1,/24,db1,192.168.1.20,,TCP,22,,,,,,",
        "admins,fd77:9::5/64,,db1,fd00:77::21,,TCP,22,,,,,,",
        "app1,::ffff:10.0.0.1,,db1,10.0.0.2,,TCP,22,,,,,,",
        "app1,fd00::10,255.255.255.0,db1,fd00::21,,TCP,22,,,,,,",
        "app1,10.0.0.1,,db1,fd00::21,,TCP,22,,,,,,",
        "app1,fd00::10,,db1,fd00::21,,ICMP,8,,,,,,",
        "app1,10.0.0.1,,db1,10.0.0.2,,ICMPv6,128,,,,,,",
        "app1,10.0.0.1,,db1,10.0.0.2,,ICMP,8-9,,,,,,",
        "app1,10.0.0.1,,db1,10.0.0.2,,TCP,8100-8000,,,,,,",
        "app1,10.0.0.1,,db1,10.0.0.2,,TCP,22,,,,a\tb,x,2027-02-30",
      ].join("\n"),
    );
    expect(rows).toEqual([]);
    const byLine = (line: number) => errors.filter((e) => e.line === line).map((e) => e.message);
    expect(byLine(2)).toEqual([
      "Source address 192.168.1.1 has host bits set for the prefix /24: the network is 192.168.1.0/24 (a single host is /32).",
    ]);
    expect(byLine(3)).toEqual([
      "Source address fd77:9::5 has host bits set for the prefix /64: the network is fd77:9::/64 (a single host is /128).",
    ]);
    expect(byLine(4)).toEqual([
      "Source address is an IPv4-mapped IPv6 address (::ffff:10.0.0.1): use the IPv4 form 10.0.0.1.",
    ]);
    expect(byLine(5)[0]).toMatch(/^Source netmask of an IPv6 address must be a prefix length such as 64 or \/64/);
    expect(byLine(6)).toEqual(["Source and destination must both be IPv4 or both IPv6."]);
    expect(byLine(7)).toEqual(["ICMP needs IPv4 ends: for IPv6 ends, choose ICMPv6."]);
    expect(byLine(8)).toEqual(["ICMPv6 needs IPv6 ends: for IPv4 ends, choose ICMP."]);
    expect(byLine(9)[0]).toMatch(/^ICMP takes one ICMP type, not a range/);
    expect(byLine(10)[0]).toMatch(/^Port range must go from a lower to a higher port/);
    expect(byLine(11)).toEqual([
      "Requested by must not contain control characters (line breaks, tabs…).",
      'Expires must be a calendar date written YYYY-MM-DD, such as 2027-03-31, not "2027-02-30".',
    ]);
  });

  it("says so when there are no rows", () => {
    expect(readCsvImport(`${HEADER}\n`).errors).toEqual([
      { line: 2, message: "the file has a header but no rows to import" },
    ]);
    expect(readCsvImport("").errors).toEqual([{ line: 1, message: "the file is empty; it needs a header row" }]);
  });
});

describe("planCsvImport", () => {
  it("creates missing locations, entities and interfaces once, and names new interfaces ethN", () => {
    const result = plan(
      [
        HEADER,
        "app1,10.0.0.1,,db1,10.0.0.2,,TCP,5432,DB,Office,",
        "app1,10.0.1.1,,db1,10.0.0.2,,TCP,22,,,",
        "db1,10.0.0.2,,app1,10.0.0.1,,ICMP,0,,,",
      ].join("\n"),
      empty,
      "Main site",
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.plan.newLocations).toEqual(["Office"]);
    expect(result.plan.newEntities).toEqual([
      { name: "app1", location: "Office" },
      { name: "db1", location: "Main site" },
    ]);
    expect(result.plan.newInterfaces).toEqual([
      { entity: "app1", address: "10.0.0.1", netmask: "255.255.255.255", name: "eth0" },
      { entity: "db1", address: "10.0.0.2", netmask: "255.255.255.255", name: "eth0" },
      { entity: "app1", address: "10.0.1.1", netmask: "255.255.255.255", name: "eth1" },
    ]);
    expect(result.plan.communications.map((c) => c.line)).toEqual([2, 3, 4]);
  });

  it("matches existing entities by name and interfaces by address and netmask, and skips recorded flows", () => {
    const state: CsvImportState = {
      locations: ["Main site"],
      entities: [
        {
          name: "app1",
          location: "Main site",
          interfaces: [{ name: "eth0", address: "10.0.0.1", netmask: "255.255.255.255" }],
        },
        {
          name: "db1",
          location: "Main site",
          interfaces: [{ name: "lan", address: "10.0.0.2", netmask: "255.255.255.255" }],
        },
      ],
      communications: [
        {
          source: { entity: "app1", address: "10.0.0.1", netmask: "255.255.255.255" },
          destination: { entity: "db1", address: "10.0.0.2", netmask: "255.255.255.255" },
          protocol: "TCP",
          port: 5432,
          portEnd: 5432,
        },
      ],
    };
    const result = plan(
      [
        HEADER,
        "app1,10.0.0.1,,db1,10.0.0.2,,tcp,5432,,,",
        "app1,10.0.0.1,,db1,10.0.0.2,,tcp,5432-5433,,,",
        "app1,10.0.0.1,,db1,10.0.8.0,/24,TCP,443,,,",
      ].join("\n"),
      state,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.plan.newEntities).toEqual([]);
    expect(result.plan.newInterfaces).toEqual([
      { entity: "db1", address: "10.0.8.0", netmask: "255.255.255.0", name: "eth0" },
    ]);
    expect(result.plan.alreadyRecorded).toEqual([2]);
    // A range starting at a recorded port is another communication.
    expect(result.plan.communications.map((c) => `${c.port}-${c.portEnd}`)).toEqual(["5432-5433", "443-443"]);
  });

  it("lists every line that cannot be imported", () => {
    const state: CsvImportState = {
      locations: ["Main site"],
      entities: [{ name: "db1", location: "Main site", interfaces: [] }],
      communications: [],
    };
    const read = readCsvImport(
      [
        HEADER,
        "a,10.0.0.1,,a,10.0.0.2,,TCP,22,,,",
        "new1,10.0.0.1,,db1,10.0.0.2,,TCP,22,,,",
        "new2,10.0.0.3,,db1,10.0.0.2,,TCP,22,,Main site,Elsewhere",
        "new3,10.0.0.4,,db1,10.0.0.2,,TCP,22,,Main site,",
        "new3,10.0.0.4,,db1,10.0.0.2,,TCP,22,,Main site,",
        "new3,10.0.0.4,,db1,10.0.0.2,,TCP,23,,Other,",
      ].join("\n"),
    );
    const result = planCsvImport(read.rows, state, { allowNewLocations: false });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      {
        line: 2,
        message: 'source and destination are the same entity "a"; a communication joins two different entities',
      },
      {
        line: 3,
        message:
          'Source entity "new1" does not exist yet; give its location in the "source location" column or choose a location for new entities',
      },
      {
        line: 4,
        message:
          'Destination location "Elsewhere" differs from the location of the existing entity "db1" ("Main site")',
      },
      { line: 6, message: "the same communication as line 5" },
      {
        line: 7,
        message:
          'Source location "Other" differs from the location "Main site" given to the new entity "new3" on line 5',
      },
    ]);
    const locked = planCsvImport(readCsvImport(`${HEADER}\nx,10.0.0.9,,db1,10.0.0.2,,TCP,22,,Nowhere,`).rows, state, {
      allowNewLocations: false,
    });
    expect(locked).toEqual({
      ok: false,
      errors: [{ line: 2, message: 'location "Nowhere" does not exist, and you may not add locations' }],
    });
  });
});

describe("planCsvImport: an end naming a network (docs/cli.md, import-csv)", () => {
  const state: CsvImportState = {
    locations: ["Main site"],
    entities: [
      {
        name: "admins",
        location: "Main site",
        interfaces: [
          { name: "lan", address: "10.10.4.0", netmask: "255.255.255.0" },
          { name: "lan-v6", address: "fd00:77:9::", netmask: "64" },
        ],
      },
      {
        name: "twice",
        location: "Main site",
        interfaces: [
          { name: "wide", address: "10.20.0.0", netmask: "255.255.0.0" },
          { name: "narrow", address: "10.20.0.0", netmask: "255.255.255.0" },
        ],
      },
      {
        name: "db1",
        location: "Main site",
        interfaces: [{ name: "eth0", address: "10.0.0.2", netmask: "255.255.255.255" }],
      },
    ],
    communications: [],
  };

  it("matches the entity's network when the row gives its address without a netmask, in either family", () => {
    const result = plan(
      [
        HEADER,
        "admins,10.10.4.0,,db1,10.0.0.2,,TCP,22,,,",
        "admins,10.10.4.0,/24,db1,10.0.0.2,,TCP,23,,,",
        "admins,fd00:77:9::,,db1,fd00::2,,TCP,22,,,",
      ].join("\n"),
      state,
    );
    if (!result.ok) expect.fail(JSON.stringify(result.errors));
    expect(result.plan.newInterfaces).toEqual([{ entity: "db1", address: "fd00::2", netmask: "128", name: "eth1" }]);
    expect(result.plan.communications.map((c) => `${c.source.address}/${c.source.netmask}`)).toEqual([
      "10.10.4.0/255.255.255.0",
      "10.10.4.0/255.255.255.0",
      "fd00:77:9::/64",
    ]);
  });

  it("refuses a host inside one of the entity's networks instead of adding a one-host interface to it", () => {
    const read = readCsvImport(
      [
        HEADER,
        "admins,10.10.4.7,,db1,10.0.0.2,,TCP,22,,,",
        "admins,10.10.4.0,/32,db1,10.0.0.2,,TCP,22,,,",
        "admins,fd00:77:9::5,,db1,fd00::2,,TCP,22,,,",
        "twice,10.20.0.0,,db1,10.0.0.2,,TCP,22,,,",
        "new,10.30.0.0,/24,db1,10.0.0.2,,TCP,22,,Main site,",
        "new,10.30.0.9,,db1,10.0.0.2,,TCP,22,,,",
      ].join("\n"),
    );
    expect(read.errors).toEqual([]);
    const result = planCsvImport(read.rows, state, { allowNewLocations: false });
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          line: 2,
          message:
            'Source address 10.10.4.7 lies in the network 10.10.4.0/24 of interface "lan" of the existing entity "admins", and a host is not added to a network\'s entity: for the whole network give 10.10.4.0 with an empty netmask; for one host, name an entity of its own',
        },
        {
          line: 3,
          message:
            'Source address 10.10.4.0 lies in the network 10.10.4.0/24 of interface "lan" of the existing entity "admins", and a host is not added to a network\'s entity: for the whole network give 10.10.4.0 with an empty netmask; for one host, name an entity of its own',
        },
        {
          line: 4,
          message:
            'Source address fd00:77:9::5 lies in the network fd00:77:9::/64 of interface "lan-v6" of the existing entity "admins", and a host is not added to a network\'s entity: for the whole network give fd00:77:9:: with an empty netmask; for one host, name an entity of its own',
        },
        {
          line: 5,
          message:
            'Source entity "twice" has several interfaces with the address 10.20.0.0: 10.20.0.0/16 ("wide"), 10.20.0.0/24 ("narrow"); give the source netmask to choose one',
        },
        {
          line: 7,
          message:
            'Source address 10.30.0.9 lies in the network 10.30.0.0/24 of interface "eth0" that line 6 adds to "new", and a host is not added to a network\'s entity: for the whole network give 10.30.0.0 with an empty netmask; for one host, name an entity of its own',
        },
      ],
    });
  });

  it("keeps a host's other addresses apart: a second host address is a new interface", () => {
    const result = plan([HEADER, "db1,10.0.0.3,,admins,10.10.4.0,,TCP,22,,,"].join("\n"), state);
    if (!result.ok) expect.fail(JSON.stringify(result.errors));
    expect(result.plan.newInterfaces).toEqual([
      { entity: "db1", address: "10.0.0.3", netmask: "255.255.255.255", name: "eth1" },
    ]);
  });

  it("indexes a large project in pieces, pausing between them, and plans its rows against it", () => {
    const many: CsvImportState = {
      locations: ["Main site"],
      entities: [
        {
          name: "big",
          location: "Main site",
          interfaces: Array.from({ length: 20_000 }, (_, i) => ({
            name: `if${i}`,
            address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
            netmask: "255.255.255.255",
          })),
        },
        { name: "db1", location: "Main site", interfaces: [] },
      ],
      communications: [],
    };
    const rows = Array.from({ length: 500 }, (_, i) => `big,10.200.${i >> 8}.${i & 255},,db1,10.0.0.2,,TCP,22,,,`);
    const read = readCsvImport([HEADER, ...rows].join("\n"));
    const steps = planCsvImportSteps(read.rows, many, { allowNewLocations: true });
    let pauses = 0;
    let next = steps.next();
    for (; !next.done; next = steps.next()) pauses++;
    // 20,000 interfaces indexed 2,000 at a time, then 500 rows 200 at a time.
    expect(pauses).toBeGreaterThanOrEqual(10 + 2);
    const added = next.value.ok ? next.value.plan.newInterfaces.filter((i) => i.entity === "big") : [];
    expect(added.map((i) => i.name).slice(0, 3)).toEqual(["eth0", "eth1", "eth2"]);
    expect(next.value.ok && next.value.plan.newInterfaces).toHaveLength(501);
  });
});
