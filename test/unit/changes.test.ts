// The change history's field difference (src/domain/changes.ts): what an
// entry shows for a creation, an update and a deletion, in the form's order
// and with its labels, and how stored JSON reads back.
import { describe, expect, it } from "vitest";
import { changedFields, fieldText, parseFields } from "../../src/domain/changes.js";

const flow = {
  source: "alpha (10.0.0.1)",
  destination: "beta (10.0.0.2)",
  protocol: "TCP",
  port: "22",
  description: "",
  requestedBy: "",
  reference: "",
  expires: null,
};

describe("changedFields", () => {
  it("lists an update's changed fields only, in form order, old → new", () => {
    const after = { ...flow, expires: "2030-01-31", port: "8000-8100" };
    expect(changedFields("communication", flow, after)).toEqual([
      { field: "port", label: "Port", before: "22", after: "8000-8100" },
      { field: "expires", label: "Expires", before: "", after: "2030-01-31" },
    ]);
  });

  it("lists a creation's fields that have a value, and a deletion's", () => {
    expect(changedFields("communication", null, flow).map((f) => [f.label, f.before, f.after])).toEqual([
      ["Source", null, "alpha (10.0.0.1)"],
      ["Destination", null, "beta (10.0.0.2)"],
      ["Protocol", null, "TCP"],
      ["Port", null, "22"],
    ]);
    const entity = { name: "web", description: "", project: "P", location: "L", restrictOutgoing: false };
    expect(changedFields("entity", entity, null).map((f) => [f.label, f.before, f.after])).toEqual([
      ["Name", "web", null],
      ["Project", "P", null],
      ["Location", "L", null],
      ["Restrict outgoing traffic", "no", null],
    ]);
  });

  it("shows booleans as yes and no, and an unchanged update as nothing", () => {
    const on = { name: "web", restrictOutgoing: true };
    expect(changedFields("entity", { name: "web", restrictOutgoing: false }, on)).toEqual([
      { field: "restrictOutgoing", label: "Restrict outgoing traffic", before: "no", after: "yes" },
    ]);
    expect(changedFields("entity", on, { ...on })).toEqual([]);
  });

  it("keeps fields it has no label for after the known ones, named as stored", () => {
    expect(changedFields("project", { name: "a", colour: "red" }, { name: "b", colour: "blue" })).toEqual([
      { field: "name", label: "Name", before: "a", after: "b" },
      { field: "colour", label: "colour", before: "red", after: "blue" },
    ]);
    expect(changedFields("router" as never, null, { name: "x" })).toEqual([
      { field: "name", label: "name", before: null, after: "x" },
    ]);
  });
});

describe("parseFields and fieldText", () => {
  it("reads stored JSON objects, none as null, and anything else as one value", () => {
    expect(parseFields(null)).toBeNull();
    expect(parseFields('{"name":"a","port":22,"on":true,"expires":null}')).toEqual({
      name: "a",
      port: 22,
      on: true,
      expires: null,
    });
    expect(parseFields('{"list":[1,2]}')).toEqual({ list: "[1,2]" });
    expect(parseFields("not json")).toEqual({ value: "not json" });
    expect(parseFields("[1]")).toEqual({ value: "[1]" });
  });

  it("writes values as shown", () => {
    expect([fieldText(null), fieldText(undefined), fieldText(false), fieldText(0), fieldText("x")]).toEqual([
      "",
      "",
      "no",
      "0",
      "x",
    ]);
  });
});
