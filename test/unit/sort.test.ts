import { describe, expect, it } from "vitest";
import { compareByName, sortByName } from "../../src/domain/sort.js";

describe("the one order of named records (issue 13 defect 7)", () => {
  it("sorts by name regardless of case, then by id", () => {
    const rows = [
      { id: 5, name: "gamma" },
      { id: 1, name: "Beta" },
      { id: 3, name: "alpha" },
      { id: 2, name: "beta" },
      { id: 4, name: "Alpha" },
      { id: 6, name: "_tools" },
      { id: 7, name: "10-net" },
    ];
    expect(sortByName(rows).map((r) => `${r.name}#${r.id}`)).toEqual([
      "10-net#7",
      "_tools#6",
      "alpha#3",
      "Alpha#4",
      "Beta#1",
      "beta#2",
      "gamma#5",
    ]);
    expect(rows[0]?.name).toBe("gamma");
  });

  it("is a total order: antisymmetric, and 0 only for the same id and name", () => {
    const a = { id: 1, name: "Zürich" };
    const b = { id: 2, name: "zürich" };
    expect(compareByName(a, b)).toBeLessThan(0);
    expect(compareByName(b, a)).toBeGreaterThan(0);
    expect(compareByName(a, { ...a })).toBe(0);
  });
});
