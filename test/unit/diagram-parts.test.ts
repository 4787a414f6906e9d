// The parts of the diagram service on their own (docs/architecture.md, Diagram
// rendering): the render cache's bounds and the timeout memory (cache.ts), and
// the SVG policy (svg-policy.ts). The renderer and its workers are covered by
// diagram-render.test.ts.
import { describe, expect, it } from "vitest";
import { diagramEtag, dotHash, SvgCache, TimeoutMemory } from "../../src/services/diagram/cache.js";
import { sanitiseSvg } from "../../src/services/diagram/svg-policy.js";

describe("SvgCache", () => {
  it("evicts the least recently used entry past its entry count", () => {
    const cache = new SvgCache(2, 1000);
    cache.set("a", "<svg>a</svg>");
    cache.set("b", "<svg>b</svg>");
    expect(cache.get("a")).toBe("<svg>a</svg>"); // a is now the most recent
    cache.set("c", "<svg>c</svg>");
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual(["<svg>a</svg>", undefined, "<svg>c</svg>"]);
  });

  it("counts UTF-8 bytes, not characters, and keeps no SVG larger than the budget", () => {
    const cache = new SvgCache(10, 12);
    cache.set("big", "<svg>日本日本</svg>"); // 23 bytes, 15 characters
    expect(cache.get("big")).toBeUndefined();
    cache.set("x", "<svg>x</svg>"); // 12 bytes: fits exactly
    cache.set("y", "<svg>y</svg>"); // pushes x out
    expect([cache.get("x"), cache.get("y")]).toEqual([undefined, "<svg>y</svg>"]);
  });

  it("keeps nothing with zero entries", () => {
    const cache = new SvgCache(0, 1000);
    cache.set("a", "<svg/>");
    expect(cache.get("a")).toBeUndefined();
  });
});

describe("TimeoutMemory", () => {
  it("answers until the deadline, then forgets", () => {
    const memory = new TimeoutMemory(1000);
    memory.remember("h", 5000);
    expect(memory.has("h", 5999)).toBe(true);
    expect(memory.has("h", 6000)).toBe(false);
    expect(memory.has("h", 5500)).toBe(false); // forgotten, not merely expired
  });

  it("forgets the oldest past its capacity", () => {
    const memory = new TimeoutMemory(1000, 2);
    for (const hash of ["a", "b", "c"]) memory.remember(hash, 0);
    expect(["a", "b", "c"].map((hash) => memory.has(hash, 1))).toEqual([false, true, true]);
  });
});

describe("ETag", () => {
  it("is the quoted hash of the DOT and differs for any change", () => {
    expect(diagramEtag("digraph {}")).toBe(`"${dotHash("digraph {}")}"`);
    expect(dotHash("digraph {}")).toMatch(/^[0-9a-f]{64}$/);
    expect(dotHash("digraph {} ")).not.toBe(dotHash("digraph {}"));
  });
});

describe("sanitiseSvg", () => {
  const svg = (body: string) =>
    `<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg xmlns="http://www.w3.org/2000/svg"><!-- a comment -->${body}</svg>`;

  it("strips the DOCTYPE and keeps plain drawing", () => {
    const out = sanitiseSvg(svg('<g id="n1"><title>a</title><ellipse cx="1" cy="2"/><text>a &lt; b</text></g>'));
    expect(typeof out).toBe("string");
    expect(out).not.toContain("DOCTYPE");
    expect(out).toContain("<ellipse");
  });

  it("keeps a node's link to its entity page, opened in the whole window", () => {
    const body =
      '<g id="a_node1"><a xlink:href="/entities/12" xlink:title="web" target="_top"><text>web</text></a></g>';
    expect(sanitiseSvg(svg(body))).toContain('xlink:href="/entities/12"');
  });

  it.each([
    ["<script>alert(1)</script>", "<script> element"],
    ['<a href="x"><text>t</text></a>', "href attribute on <a>"],
    ['<a xlink:href="https://example.com/entities/1"><text>t</text></a>', "xlink:href attribute on <a>"],
    ['<a xlink:href="/entities/1/delete"><text>t</text></a>', "xlink:href attribute on <a>"],
    ['<a xlink:href="javascript:alert(1)"><text>t</text></a>', "xlink:href attribute on <a>"],
    ["<a xlink:href='/entities/1' target=\"_blank\"><text>t</text></a>", "target attribute on <a>"],
    ['<image href="x"/>', "<image> element"],
    ["<foreignObject><p>x</p></foreignObject>", "<foreignobject> element"],
    ['<g onclick="alert(1)"/>', "onclick attribute on <g>"],
    ['<path xlink:href="#x"/>', "xlink:href attribute on <path>"],
    ['<rect style="fill:red"/>', "style attribute on <rect>"],
    ["<!-- never closed", "unterminated comment"],
    ["<g <g>", "unexpected markup"],
  ])("refuses %s", (body, reason) => {
    expect(sanitiseSvg(svg(body))).toEqual({ status: "error", message: expect.stringContaining(reason) });
  });
});
