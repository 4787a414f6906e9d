import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { buildProjectDot } from "../../src/domain/dot.js";
import type { DiagramInput } from "../../src/domain/types.js";
import { DiagramRenderer, diagramEtag, type RenderResult } from "../../src/services/diagram/index.js";

import { parseXml, textOf, walk } from "../support/xml.js";

// ---------------------------------------------------------------------------

function expectOk(result: RenderResult): { svg: string; etag: string } {
  if (result.status !== "ok") throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result;
}

/** 300 nodes, 5000 seeded random edges: Graphviz `dot` needs far more than half a second for it. */
function denseDot(seed: number): string {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const lines = ["digraph dense {"];
  for (let i = 0; i < 5000; i++) {
    lines.push(`n${Math.floor(random() * 300)} -> n${Math.floor(random() * 300)} [label="TCP:${i}"];`);
  }
  lines.push("}");
  return lines.join("\n");
}

/** Records the longest gap between 10 ms ticks of the main thread while `work` runs. */
async function withTicks<T>(work: () => Promise<T>): Promise<{ value: T; maxGapMs: number; elapsedMs: number }> {
  const started = performance.now();
  let last = started;
  let maxGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  }, 10);
  try {
    const value = await work();
    const now = performance.now();
    return { value, maxGapMs: Math.max(maxGapMs, now - last), elapsedMs: now - started };
  } finally {
    clearInterval(timer);
  }
}

const HOSTILE_NAMES = [
  "</text><script>alert(1)</script>",
  'a"]; b -> c [label="x',
  '<svg onload="alert(1)">',
  "<a href='javascript:alert(1)'>x</a>",
  "\\N \\G \\l \\",
  "&amp; &lt; &#60; &foo;",
  "]]> <![CDATA[ x ]]>",
  "<!-- comment --> <?pi ?>",
  "日本 🎉",
];

function hostileProject(): DiagramInput {
  const location = { id: 1, name: "<script>alert('location')</script>" };
  const entities = HOSTILE_NAMES.map((name, i) => ({ id: i + 1, name, location }));
  const communications = entities.slice(1).map((entity, i) => ({
    id: i + 1,
    sourceEntityId: 1,
    destinationEntityId: entity.id,
    protocol: "TCP" as const,
    port: 22,
  }));
  return { entities, communications };
}

const renderers: DiagramRenderer[] = [];
function renderer(options?: ConstructorParameters<typeof DiagramRenderer>[0]): DiagramRenderer {
  const created = new DiagramRenderer(options);
  renderers.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(renderers.splice(0).map((r) => r.close()));
});

describe("DiagramRenderer", () => {
  it("renders DOT to well-formed SVG with a quoted SHA-256 ETag", async () => {
    const dot = 'digraph { graph [bgcolor="transparent"]; a -> b [label="TCP:22"]; }';
    const { svg, etag } = expectOk(await renderer().render(dot));
    const root = parseXml(svg);
    expect(root.name).toBe("svg");
    expect(root.attrs.xmlns).toBe("http://www.w3.org/2000/svg");
    expect(svg).not.toContain("<!DOCTYPE");
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(etag).toBe(diagramEtag(dot));
    expect(diagramEtag(`${dot} `)).not.toBe(etag);
  });

  it("shows hostile names as plain text, never as markup", async () => {
    const input = hostileProject();
    const { svg } = expectOk(await renderer().render(buildProjectDot(input)));
    const root = parseXml(svg);
    const elements = [...walk(root)];
    const allowed = new Set(["svg", "g", "title", "text", "path", "polygon", "polyline", "ellipse", "a"]);
    expect(elements.map((e) => e.name).filter((name) => !allowed.has(name))).toEqual([]);
    for (const element of elements) {
      for (const [attribute, value] of Object.entries(element.attrs)) {
        expect(attribute, `<${element.name} ${attribute}>`).not.toMatch(/^on/i);
        // The only links: each node's entity page.
        if (/href$/i.test(attribute))
          expect(`${element.name} ${attribute}=${value}`).toMatch(/^a xlink:href=\/entities\/\d+$/);
      }
    }
    expect(elements.filter((e) => e.name === "a")).toHaveLength(input.entities.length);
    const texts = elements.filter((e) => e.name === "text").map(textOf);
    for (const name of HOSTILE_NAMES) expect(texts).toContain(name);
    expect(texts).toContain("<script>alert('location')</script>");
    expect(svg).toContain("&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("refuses SVG with links, whatever DOT asked for them", async () => {
    const result = await renderer().render(
      'digraph { a [URL="javascript:alert(1)"]; b [href="https://example.org"]; }',
    );
    expect(result).toEqual({ status: "error", message: expect.stringContaining("xlink:href attribute on <a>") });
    const other = await renderer().render('digraph { a [URL="https://example.org/entities/1"]; }');
    expect(other).toEqual({ status: "error", message: expect.stringContaining("xlink:href attribute on <a>") });
  });

  it("serves a repeated DOT from the cache and shares concurrent renders", async () => {
    const diagrams = renderer();
    const dot = buildProjectDot(hostileProject());
    const first = expectOk(await diagrams.render(dot));
    expect(diagrams.stats()).toMatchObject({ layouts: 1, cacheHits: 0 });

    const again = expectOk(await diagrams.render(dot));
    expect(again).toEqual(first);
    expect(diagrams.stats()).toMatchObject({ layouts: 1, cacheHits: 1 });

    const other = "digraph { x -> y; y -> z; }";
    const results = await Promise.all([1, 2, 3, 4].map(() => diagrams.render(other)));
    expect(diagrams.stats().layouts).toBe(2);
    expect(new Set(results.map((r) => expectOk(r).etag))).toEqual(new Set([diagramEtag(other)]));
  });

  it("keeps the cache bounded, evicting the least recently used SVG", async () => {
    const diagrams = renderer({ cacheEntries: 2 });
    const dots = ["digraph { a }", "digraph { b }", "digraph { c }"];
    for (const dot of dots) expectOk(await diagrams.render(dot));
    expect(diagrams.stats().layouts).toBe(3);
    expectOk(await diagrams.render(dots[2] ?? ""));
    expectOk(await diagrams.render(dots[1] ?? ""));
    expect(diagrams.stats().layouts).toBe(3);
    expectOk(await diagrams.render(dots[0] ?? ""));
    expect(diagrams.stats().layouts).toBe(4);

    const tiny = renderer({ cacheBytes: 10 });
    expectOk(await tiny.render(dots[0] ?? ""));
    expectOk(await tiny.render(dots[0] ?? ""));
    expect(tiny.stats()).toMatchObject({ layouts: 2, cacheHits: 0 });
  });

  it("reports invalid DOT as an error and keeps working", async () => {
    const diagrams = renderer();
    const result = await diagrams.render("digraph { a -> }");
    expect(result).toEqual({ status: "error", message: expect.stringContaining("syntax error") });
    expectOk(await diagrams.render("digraph { a -> b }"));
  });

  it("abandons a layout past the time limit without blocking the event loop", async () => {
    const diagrams = renderer({ timeoutMs: 500, workers: 1, maxWaitMs: 5000 });
    const dense = denseDot(1);
    const small = "digraph { after -> timeout }";
    // Start the worker first: loading Graphviz is outside the time limit, and this test times the limit.
    // That cold start (a worker and a small layout) is what the replacement worker costs below.
    const cold = await withTicks(() => diagrams.render("digraph { warm_up }"));
    expectOk(cold.value);
    const { value, maxGapMs, elapsedMs } = await withTicks(() =>
      Promise.all([diagrams.render(dense), diagrams.render(small)]),
    );
    expect(value[0]).toEqual({ status: "timeout" });
    // Queued behind the dense graph on the only worker, then laid out by its replacement.
    expectOk(value[1]);
    // Times relative to this run only: the limit, then about one cold start, never the whole layout.
    expect(elapsedMs).toBeGreaterThanOrEqual(500);
    expect(elapsedMs).toBeLessThan(500 + 4 * cold.elapsedMs);
    // A blocked event loop would show one gap as long as the layout, which ran past the 500 ms limit.
    expect(maxGapMs).toBeLessThan(500);
    expect(diagrams.stats()).toMatchObject({ timeouts: 1, workers: 1 });

    // The timed-out DOT is remembered: a reload answers without a new layout, far sooner than the first.
    const layouts = diagrams.stats().layouts;
    const reload = await withTicks(() => diagrams.render(dense));
    expect(reload.value).toEqual({ status: "timeout" });
    expect(reload.elapsedMs).toBeLessThan(elapsedMs / 10);
    expect(diagrams.stats().layouts).toBe(layouts);
  });

  it("tries a timed-out DOT again once its memory has expired", async () => {
    const diagrams = renderer({ timeoutMs: 300, timeoutMemoryMs: 0 });
    const dense = denseDot(2);
    expect(await diagrams.render(dense)).toEqual({ status: "timeout" });
    expect(await diagrams.render(dense)).toEqual({ status: "timeout" });
    expect(diagrams.stats()).toMatchObject({ layouts: 2, timeouts: 2 });
  });

  it("gives up on a render that waits too long for a busy worker", async () => {
    const diagrams = renderer({ timeoutMs: 3000, workers: 1, maxWaitMs: 300 });
    expectOk(await diagrams.render("digraph { warm_up }"));
    let denseSettled = false;
    const dense = diagrams.render(denseDot(4)).finally(() => {
      denseSettled = true;
    });
    const waiting = await withTicks(() => diagrams.render("digraph { waits -> in_vain }"));
    expect(waiting.value).toEqual({ status: "error", message: expect.stringContaining("within 300 ms") });
    // It gave up after its wait, while the busy worker was still laying out (an order, not a time;
    // Node's timers may fire a fraction of a millisecond early by performance.now()).
    expect(waiting.elapsedMs).toBeGreaterThanOrEqual(299);
    expect(denseSettled).toBe(false);
    await diagrams.close();
    expect(await dense).toMatchObject({ status: "error" });
  });

  it("answers pending and later renders with an error once closed", async () => {
    const diagrams = renderer({ timeoutMs: 5000 });
    const pending = diagrams.render(denseDot(3));
    await new Promise((done) => setTimeout(done, 300));
    await diagrams.close();
    expect(await pending).toEqual({ status: "error", message: "diagram renderer is closed" });
    expect(await diagrams.render("digraph { a }")).toMatchObject({ status: "error" });
    expect(diagrams.stats().workers).toBe(0);
  });

  it("works from compiled JavaScript, outside the TypeScript source tree", () => {
    const repo = resolve(import.meta.dirname, "../..");
    const out = mkdtempSync(join(tmpdir(), "conntrackt-diagram-"));
    try {
      const tsc = spawnSync(
        join(repo, "node_modules/.bin/tsc"),
        [
          "--ignoreConfig",
          ...["--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--types", "node"],
          ...["--skipLibCheck", "--rootDir", repo, "--outDir", out],
          join(repo, "src/services/diagram/index.ts"),
        ],
        { cwd: repo, encoding: "utf8" },
      );
      expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
      // Like dist/ inside the project: an ESM package that sees the project's node_modules.
      writeFileSync(join(out, "package.json"), '{ "type": "module" }\n');
      symlinkSync(join(repo, "node_modules"), join(out, "node_modules"), "dir");
      const compiled = pathToFileURL(join(out, "src/services/diagram/index.js")).href;
      // No close(): an idle worker must not keep the process alive.
      const script = `
        const { DiagramRenderer } = await import(${JSON.stringify(compiled)});
        const result = await new DiagramRenderer().render("digraph { compiled -> works }");
        console.log(JSON.stringify({ status: result.status, etag: result.etag, svg: result.svg?.includes("compiled") }));
      `;
      const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
        cwd: tmpdir(),
        encoding: "utf8",
        timeout: 20_000,
      });
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({
        status: "ok",
        etag: diagramEtag("digraph { compiled -> works }"),
        svg: true,
      });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
