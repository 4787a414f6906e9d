// CSV import, the pure part: parsing, header names, field rules with line
// numbers, and the plan against a project's current state.
import { describe, expect, it } from "vitest";
import { type CsvImportState, csvColumnOf, parseCsv, planCsvImport, readCsvRows } from "../../src/domain/csv-import.js";
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
      "app1,192.168.1.10,,db1,192.168.1.20,24,tcp,5432,DB,Main site,Main site",
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
      source: { entity: "app1", address: "192.168.1.10", netmask: "255.255.255.255", location: "Main site" },
      destination: { entity: "db1", address: "192.168.1.20", netmask: "255.255.255.0", location: "Main site" },
      protocol: "TCP",
      port: 5432,
      description: "DB",
    });
    expect(errors).toEqual([
      {
        line: 3,
        message: 'Source address must be a dotted IPv4 address such as 192.168.1.10, not "192.168.1.300".',
      },
      {
        line: 4,
        message:
          'Source netmask must be a contiguous netmask such as 255.255.255.0 or a prefix length such as /24, not "255.0.255.0".',
      },
      { line: 5, message: 'Protocol must be one of TCP, UDP, ICMP, not "SCTP".' },
      { line: 6, message: "TCP port must be between 1 and 65535." },
      { line: 7, message: "ICMP type must be between 0 and 255 (for ICMP, the port is the ICMP type)." },
      { line: 8, message: "Source entity is required." },
      { line: 8, message: 'Port must be a whole number, not "x".' },
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
        },
      ],
    };
    const result = plan(
      [HEADER, "app1,10.0.0.1,,db1,10.0.0.2,,tcp,5432,,,", "app1,10.0.0.1,,db1,10.0.0.2,/24,TCP,443,,,"].join("\n"),
      state,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.plan.newEntities).toEqual([]);
    expect(result.plan.newInterfaces).toEqual([
      { entity: "db1", address: "10.0.0.2", netmask: "255.255.255.0", name: "eth0" },
    ]);
    expect(result.plan.alreadyRecorded).toEqual([2]);
    expect(result.plan.communications.map((c) => c.port)).toEqual([443]);
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
