// One wording for one rule (src/validation/fields.ts, src/validation/common.ts):
// the same bad value typed in a form, a CSV row or a JSON document gets the
// same message; only the label naming the field differs (a CSV row names the
// end: "Source address").
import { describe, expect, it } from "vitest";
import { type FormResult, parseForm } from "../../src/validation/common.js";
import { readCsvImport } from "../../src/validation/csv-import.js";
import { communicationForm, entityForm, interfaceForm } from "../../src/validation/entities.js";
import { fieldMessages } from "../../src/validation/fields.js";
import { parseInterchange } from "../../src/validation/interchange.js";
import { projectForm } from "../../src/validation/projects.js";

const HEADER = "source entity,source address,source netmask,destination entity,destination address,protocol,port";
const GOOD = { entity: "app1", address: "10.0.0.1", netmask: "", protocol: "TCP", port: "22" };
type Row = typeof GOOD;

/** CSV: the messages of one row with the source end and flow set from `row`. */
function csvMessages(row: Partial<Row>): string[] {
  const r = { ...GOOD, ...row };
  const cells = [r.entity, r.address, r.netmask, "db1", "10.0.0.2", r.protocol, r.port];
  const quoted = cells.map((c) => `"${c.replaceAll('"', '""')}"`).join(",");
  return readCsvImport(`${HEADER}\n${quoted}`).errors.map((e) => e.message);
}

/** JSON: the messages of a document with the first entity, its interface and the flow set from `row`. */
function jsonMessages(row: Partial<Row>, port?: number): string[] {
  const r = { ...GOOD, ...row };
  const result = parseInterchange({
    format: "conntrackt",
    version: 1,
    projects: [
      {
        name: "P",
        entities: [
          { name: r.entity, location: "L", interfaces: [{ address: r.address, netmask: r.netmask }] },
          { name: "db1", location: "L", interfaces: [{ address: "10.0.0.2" }] },
        ],
        communications: [
          {
            source: { entity: r.entity },
            destination: { entity: "db1" },
            protocol: r.protocol,
            port: port ?? Number(r.port),
          },
        ],
      },
    ],
  });
  return result.ok ? [] : result.problems.map((p) => p.message);
}

const formErrors = (result: FormResult<unknown>) => (result.ok ? {} : result.errors);

describe("the same bad value gets the same message everywhere", () => {
  it("address", () => {
    for (const bad of ["192.168.1.300", "10.0.0", " 010.0.0.1 ", "x".repeat(200)]) {
      const trimmed = bad.trim();
      const form = formErrors(parseForm(interfaceForm, { entity: "1", address: bad })).address;
      expect(form).toBe(fieldMessages.address("Address", trimmed));
      expect(jsonMessages({ address: bad })).toEqual([form]);
      expect(csvMessages({ address: bad })).toEqual([fieldMessages.address("Source address", trimmed)]);
    }
    expect(formErrors(parseForm(interfaceForm, { entity: "1", address: " " })).address).toBe("Address is required.");
    expect(jsonMessages({ address: " " })).toEqual(["Address is required."]);
    expect(csvMessages({ address: " " })).toEqual(["Source address is required."]);
  });

  it("netmask", () => {
    for (const bad of ["255.0.255.0", "/33", "024", "255.255.255.0/24"]) {
      const form = formErrors(parseForm(interfaceForm, { entity: "1", address: "10.0.0.1", netmask: bad })).netmask;
      expect(form).toBe(fieldMessages.netmask("Netmask", bad));
      expect(jsonMessages({ netmask: bad })).toEqual([form]);
      expect(csvMessages({ netmask: bad })).toEqual([fieldMessages.netmask("Source netmask", bad)]);
    }
  });

  it("protocol and port", () => {
    const flow = { source: "1", destination: "2" };
    const form = (protocol: string, port: string) =>
      formErrors(parseForm(communicationForm, { ...flow, protocol, port }));
    expect(form("SCTP", "22").protocol).toBe('Protocol must be one of TCP, UDP, ICMP, ICMPv6, not "SCTP".');
    expect(jsonMessages({ protocol: "SCTP" })).toEqual([form("SCTP", "22").protocol]);
    expect(csvMessages({ protocol: "SCTP" })).toEqual([form("SCTP", "22").protocol]);

    expect(form("ICMP", "x").port).toBe('Port must be a whole number, not "x".');
    expect(csvMessages({ protocol: "ICMP", port: "x" })).toEqual([form("ICMP", "x").port]);
    expect(jsonMessages({}, 2.5)).toEqual(['Port must be a whole number, not "2.5".']);

    for (const [protocol, port] of [
      ["TCP", "70000"],
      ["udp", "0"],
      ["ICMP", "256"],
    ] as const) {
      const message = form(protocol, port).port;
      expect(message).toMatch(/must be between/);
      expect(jsonMessages({ protocol, port })).toEqual([message]);
      expect(csvMessages({ protocol, port })).toEqual([message]);
    }
    expect(form("icmp", "0")).toEqual({});
  });

  it("names: length, control and invisible characters", () => {
    for (const bad of ["x".repeat(101), "a\tb", "app\u200B1"]) {
      const form = formErrors(parseForm(entityForm, { name: bad, project: "1", location: "1" })).name;
      expect(form).toMatch(/^Name must/);
      expect(jsonMessages({ entity: bad })[0]).toBe(form);
      expect(csvMessages({ entity: bad })).toEqual([form?.replace(/^Name/, "Source entity")]);
    }
  });
});

describe("names refuse invisible format characters", () => {
  const invisible = {
    "zero-width space": "\u200B",
    "left-to-right mark": "\u200E",
    "right-to-left mark": "\u200F",
    "right-to-left override": "\u202E",
    "left-to-right embedding": "\u202A",
    "first strong isolate": "\u2068",
    "pop directional isolate": "\u2069",
    "zero-width no-break space (BOM)": "\uFEFF",
    "word joiner": "\u2060",
    "soft hyphen": "\u00AD",
    "tag letter": "\u{E0041}",
  };

  for (const [what, ch] of Object.entries(invisible)) {
    it(`refuses a ${what} in a form, a CSV row and a JSON document`, () => {
      const code = `U+${(ch.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, "0")}`;
      const expected = `Name must not contain invisible characters such as zero-width spaces or direction marks (found ${code}).`;
      const value = `db${ch}1`;
      expect(formErrors(parseForm(projectForm, { name: value })).name).toBe(expected);
      // The document names the entity twice (the entity, the flow's end): the first is the entity.
      expect(jsonMessages({ entity: value })[0]).toBe(expected);
      expect(csvMessages({ entity: value })).toEqual([expected.replace(/^Name/, "Source entity")]);
    });
  }

  it("keeps letters, accents, emoji and ordinary spaces", () => {
    for (const good of ["Müller café", "數據庫", "web 😀 1", "a\u00A0b"]) {
      expect(parseForm(projectForm, { name: good }).ok).toBe(true);
    }
  });
});
