import { describe, expect, it } from "vitest";
import { BASE_COLOUR, contrastRatio, entityColours, GOLDEN_ANGLE, textColourFor } from "../../src/domain/colours.js";

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Independent RGB → HSL, to check hues and that saturation and lightness stay those of #ae1111. */
function hsl(hex: string): { h: number; s: number; l: number } {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  const d = max - min;
  const s = d === 0 ? 0 : d / (1 - Math.abs(2 * l - 1));
  let h = 0;
  if (d !== 0) {
    if (max === r) h = 60 * (((g - b) / d + 6) % 6);
    else if (max === g) h = 60 * ((b - r) / d + 2);
    else h = 60 * ((r - g) / d + 4);
  }
  return { h, s, l };
}

describe("entityColours", () => {
  it("gives the lowest id exactly #ae1111, whatever the input order", () => {
    expect(BASE_COLOUR).toBe("#ae1111");
    expect(entityColours([42]).get(42)?.fill).toBe("#ae1111");
    const colours = entityColours([30, 7, 12]);
    expect(colours.get(7)?.fill).toBe("#ae1111");
    expect([...colours.keys()]).toEqual([7, 12, 30]);
  });

  it("turns each entity, in order of id, one golden angle further round the circle", () => {
    expect(GOLDEN_ANGLE).toBeCloseTo(137.5078, 4);
    expect([...entityColours(range(6)).values()].map((c) => c.fill)).toEqual([
      "#ae1111",
      "#11ae3f",
      "#6d11ae",
      "#ae9a11",
      "#1194ae",
      "#ae1166",
    ]);
    const base = hsl("#ae1111");
    const fills = [...entityColours(range(300)).values()].map((c) => c.fill);
    fills.forEach((fill, i) => {
      const { h, s, l } = hsl(fill);
      // 8-bit rounding moves hue by at most about half a degree at this saturation.
      const expected = (i * GOLDEN_ANGLE) % 360;
      const diff = Math.abs(((h - expected + 540) % 360) - 180);
      expect(diff, `hue of ${fill} (#${i})`).toBeLessThan(0.6);
      expect(Math.abs(s - base.s)).toBeLessThan(0.01);
      expect(Math.abs(l - base.l)).toBeLessThan(0.003);
    });
  });

  it("keeps every entity's colour when entities with higher ids are added (issue 13 defect 8)", () => {
    const before = entityColours([3, 8, 21, 40]);
    for (const added of [[41], [41, 42, 43], range(200).map((i) => 100 + i)]) {
      const after = entityColours([3, 8, 21, 40, ...added]);
      for (const [id, colour] of before)
        expect(after.get(id), `entity ${id} after adding ${added.length}`).toEqual(colour);
    }
  });

  it("spreads any number of entities round the circle: neighbouring ids are far apart in hue", () => {
    const fills = [...entityColours(range(20)).values()].map((c) => hsl(c.fill).h);
    for (let i = 1; i < fills.length; i++) {
      const gap = Math.abs((((fills[i] ?? 0) - (fills[i - 1] ?? 0) + 540) % 360) - 180);
      expect(gap).toBeGreaterThan(100);
    }
  });

  it.each([1, 2, 3, 7, 50, 300, 1000, 2000, 5000])("gives %i entities distinct lower-case colours", (n) => {
    const fills = [...entityColours(range(n)).values()].map((c) => c.fill);
    expect(fills).toHaveLength(n);
    expect(new Set(fills).size).toBe(n);
    for (const fill of fills) expect(fill).toMatch(/^#[0-9a-f]{6}$/);
  });

  it("is stable: the same ids give the same colours, duplicates and order do not matter", () => {
    const ids = [5, 3, 99, 1000, 4];
    const first = entityColours(ids);
    expect(entityColours([...ids])).toEqual(first);
    expect(entityColours([...ids].reverse())).toEqual(first);
    expect(entityColours([...ids, 3, 99])).toEqual(first);
    expect(entityColours([])).toEqual(new Map());
  });

  it("picks the text colour with the better WCAG contrast", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#ffffff", "#ffffff")).toBeCloseTo(1, 5);
    // Dark red → white, ochre → black.
    expect(entityColours([1]).get(1)?.text).toBe("#ffffff");
    expect(entityColours(range(6)).get(4)).toEqual({ fill: "#ae9a11", text: "#000000" });
    expect(textColourFor("#ffff00")).toBe("#000000");
    expect(textColourFor("#8b0000")).toBe("#ffffff");
    expect(textColourFor("#0000ff")).toBe("#ffffff");
    expect(textColourFor("#00ff00")).toBe("#000000");
    for (const { fill, text } of entityColours(range(360)).values()) {
      const other = text === "#000000" ? "#ffffff" : "#000000";
      expect(contrastRatio(fill, text), fill).toBeGreaterThanOrEqual(contrastRatio(fill, other));
    }
  });
});
