import { spawnSync } from "node:child_process";
import { Graphviz } from "@hpcc-js/wasm-graphviz";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { entityColours } from "../../src/domain/colours.js";
import { buildProjectDot, quoteDot } from "../../src/domain/dot.js";
import type { DiagramInput } from "../../src/domain/types.js";
import { expectGolden } from "../support/golden.js";

// ---------------------------------------------------------------------------
// A small DOT parser, independent of the builder: enough of the grammar
// (https://graphviz.org/doc/info/lang.html) to recover the graph's structure.

type Token = { kind: "id" | "string" | "punct"; value: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    const space = /^(\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|#[^\n]*)/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    if (source[i] === '"') {
      let value = "";
      let j = i + 1;
      for (; j < source.length && source[j] !== '"'; j++) {
        // Like Graphviz's lexer: \\ stays a pair, \" is a quote, \ + newline continues the line.
        if (source[j] === "\\" && source[j + 1] === "\\") {
          value += "\\\\";
          j++;
        } else if (source[j] === "\\" && source[j + 1] === '"') {
          value += '"';
          j++;
        } else if (source[j] === "\\" && source[j + 1] === "\n") {
          j++;
        } else {
          value += source[j];
        }
      }
      if (j >= source.length) throw new Error(`unterminated string at ${i}`);
      tokens.push({ kind: "string", value });
      i = j + 1;
      continue;
    }
    const punct = /^(->|--|[{}[\];,=])/.exec(rest);
    if (punct) {
      tokens.push({ kind: "punct", value: punct[0] });
      i += punct[0].length;
      continue;
    }
    const id = /^([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*|-?(\.\d+|\d+(\.\d*)?))/.exec(rest);
    if (id) {
      tokens.push({ kind: "id", value: id[0] });
      i += id[0].length;
      continue;
    }
    throw new Error(`unexpected character ${JSON.stringify(source[i])} at ${i}`);
  }
  return tokens;
}

type Attrs = Record<string, string>;
interface ParsedGraph {
  kind: string;
  attrs: Attrs;
  nodeDefaults: Attrs;
  subgraphs: { id: string; attrs: Attrs; nodes: string[] }[];
  nodes: Map<string, { attrs: Attrs; subgraph: string | undefined }>;
  edges: { from: string; to: string; attrs: Attrs }[];
}

function parseDot(source: string): ParsedGraph {
  const tokens = tokenize(source);
  let at = 0;
  const peek = () => tokens[at];
  const next = () => {
    const token = tokens[at++];
    if (!token) throw new Error("unexpected end of DOT");
    return token;
  };
  const expectPunct = (value: string) => {
    const token = next();
    if (token.kind !== "punct" || token.value !== value) throw new Error(`expected ${value}, got ${token.value}`);
  };
  const isPunct = (value: string) => peek()?.kind === "punct" && peek()?.value === value;
  const identifier = () => {
    const token = next();
    if (token.kind === "punct") throw new Error(`expected an id, got ${token.value}`);
    return token.value;
  };
  const attrList = (): Attrs => {
    const attrs: Attrs = {};
    while (isPunct("[")) {
      next();
      while (!isPunct("]")) {
        const key = identifier();
        expectPunct("=");
        attrs[key] = identifier();
        if (isPunct(",") || isPunct(";")) next();
      }
      next();
    }
    return attrs;
  };

  const graph: ParsedGraph = {
    kind: "",
    attrs: {},
    nodeDefaults: {},
    subgraphs: [],
    nodes: new Map(),
    edges: [],
  };
  const addNode = (id: string, attrs: Attrs, subgraph: string | undefined) => {
    const known = graph.nodes.get(id);
    if (known) throw new Error(`node ${id} declared twice`);
    graph.nodes.set(id, { attrs, subgraph });
    if (subgraph) graph.subgraphs.find((s) => s.id === subgraph)?.nodes.push(id);
  };

  const statements = (subgraph: string | undefined, attrs: Attrs) => {
    expectPunct("{");
    while (!isPunct("}")) {
      const token = next();
      if (token.kind === "id" && ["graph", "node", "edge"].includes(token.value) && isPunct("[")) {
        const list = attrList();
        if (token.value === "graph") Object.assign(attrs, list);
        else if (token.value === "node") Object.assign(graph.nodeDefaults, list);
        // Edge defaults carry only fonts: nothing that changes the structure.
        else if (Object.keys(list).some((k) => !["fontname", "fontsize"].includes(k)))
          throw new Error("unexpected edge defaults");
      } else if (token.kind === "id" && token.value === "subgraph") {
        if (subgraph) throw new Error("nested subgraph");
        const id = identifier();
        const entry = { id, attrs: {}, nodes: [] };
        graph.subgraphs.push(entry);
        statements(id, entry.attrs);
      } else if (token.kind !== "punct" && isPunct("=")) {
        next();
        attrs[token.value] = identifier();
      } else if (token.kind !== "punct" && isPunct("->")) {
        next();
        const to = identifier();
        if (isPunct("->")) throw new Error("edge chains are not expected");
        graph.edges.push({ from: token.value, to, attrs: attrList() });
      } else if (token.kind === "id") {
        addNode(token.value, attrList(), subgraph);
      } else {
        throw new Error(`unexpected ${token.kind} ${token.value}`);
      }
      if (isPunct(";")) next();
    }
    next();
  };

  const kind = identifier();
  if (kind !== "digraph") throw new Error(`expected digraph, got ${kind}`);
  graph.kind = kind;
  if (!isPunct("{")) identifier();
  statements(undefined, graph.attrs);
  if (at !== tokens.length) throw new Error("text after the closing brace");
  return graph;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref.startsWith("#x") || ref.startsWith("#X")) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

/** What Graphviz shows for a quoted label: `\\` is a backslash, any other escape would be interpreted. */
function labelText(value: string | undefined): string {
  if (value === undefined) throw new Error("no label");
  const unescaped = value.replace(/\\(.)/gs, (_, c: string) => {
    if (c === "\\") return "\\";
    throw new Error(`label escape \\${c} left in ${JSON.stringify(value)}`);
  });
  return decodeEntities(unescaped);
}

/** The label a name should get: control characters and separators become spaces, lone surrogates U+FFFD. */
function shown(name: string): string {
  return name
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")
    .replace(/\p{Cc}|[\u2028\u2029\uFFFE\uFFFF]/gu, " ");
}

// ---------------------------------------------------------------------------
// The rendered SVG: Graphviz writes one flat <g class="node|edge|cluster"> per object.

interface SvgObject {
  kind: "node" | "edge" | "cluster";
  title: string;
  texts: string[];
  body: string;
}

function svgObjects(svg: string): SvgObject[] {
  return [...svg.matchAll(/<g id="[^"]+" class="(node|edge|cluster)">([\s\S]*?)<\/g>/g)].map(([, kind, body = ""]) => ({
    kind: kind as SvgObject["kind"],
    title: decodeEntities(/<title>([\s\S]*?)<\/title>/.exec(body)?.[1] ?? ""),
    // Graphviz writes runs of spaces as space + no-break space to keep them.
    texts: [...body.matchAll(/<text[^>]*>([\s\S]*?)<\/text>/g)].map(([, t = ""]) =>
      decodeEntities(t).replace(/\u00a0/g, " "),
    ),
    body,
  }));
}

function box(body: string): { x0: number; y0: number; x1: number; y1: number } {
  const points = /<polygon[^>]* points="([^"]+)"/.exec(body)?.[1];
  if (!points) throw new Error("no polygon");
  const xy = points
    .trim()
    .split(/\s+/)
    .map((p) => p.split(",").map(Number) as [number, number]);
  const xs = xy.map(([x]) => x);
  const ys = xy.map(([, y]) => y);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

let graphviz: Graphviz;
beforeAll(async () => {
  graphviz = await Graphviz.load();
});

const render = (dot: string) => graphviz.layout(dot, "svg", "dot");

// ---------------------------------------------------------------------------

const HOSTILE = [
  'a"]; b -> c [label="x',
  "</text><script>alert(1)</script>",
  "\\N \\l \\",
  "\\G\\E\\T\\H\\L\\n\\r\\\\",
  "ends with a backslash \\",
  'ends with a quote "',
  "line\nbreak\r\nand\ttab\u0000nul\u0085nel\u2028ls",
  "日本 Ünïcødé 🎉 \u202eevil",
  "a &amp; b &lt;c&gt; &#60; &foo;",
  "{brace}|<port> rec",
  "<<b>html</b>>",
  "subgraph cluster_9 { e1 }",
  "e2",
  "-> e1",
  "// comment /* c */ # hash",
  'URL="javascript:alert(1)" href=x',
  '<svg onload="alert(1)">',
  "lone \uD800 surrogate \uDC00 and \uFFFF",
  "double  spaces",
  // IPv6 text in a label: colons are DOT's port syntax outside quotes.
  "fd00:77::21",
  "admins (fd00:77:9::/64)",
  "[fd00::1]:443 e1:n",
];

function hostileInput(): DiagramInput {
  const locations: { id: number; name: string }[] = [
    { id: 3, name: '</title><script>alert("loc")</script>' },
    { id: 1, name: 'Main "site" \\N' },
    { id: 7, name: "e1" },
  ];
  const entities = HOSTILE.map((name, i) => ({
    id: 10 + i * 3,
    name,
    location: locations[i % 3] ?? { id: 0, name: "" },
  }));
  const protocols = ["TCP", "UDP", "ICMP", "ICMPv6"] as const;
  const communications: DiagramInput["communications"] = entities.map((source, i) => {
    const protocol = protocols[i % 4] ?? "TCP";
    const icmp = protocol === "ICMP" || protocol === "ICMPv6";
    return {
      id: 100 + i,
      sourceEntityId: source.id,
      destinationEntityId: entities[(i * 7 + 1) % entities.length]?.id ?? source.id,
      protocol,
      port: icmp ? (protocol === "ICMP" ? 8 : 128) : 1000 + i,
      // Every other TCP/UDP flow a range, some written with portEnd equal to port.
      ...(icmp ? {} : { portEnd: i % 8 < 2 ? 1000 + i + 100 : 1000 + i }),
    };
  });
  // Two communications between the same pair are two edges.
  communications.push({ id: 99, sourceEntityId: 10, destinationEntityId: 13, protocol: "TCP", port: 22 });
  communications.push({ id: 98, sourceEntityId: 10, destinationEntityId: 13, protocol: "TCP", port: 443 });
  return { entities, communications };
}

/** The edge label a communication should get, written apart from the builder: `TCP:8000-8100` for a range. */
function expectedLabel(c: DiagramInput["communications"][number]): string {
  return c.portEnd === undefined || c.portEnd === c.port
    ? `${c.protocol}:${c.port}`
    : `${c.protocol}:${c.port}-${c.portEnd}`;
}

describe("quoteDot", () => {
  it("escapes backslashes, quotes and ampersands and neutralises control characters", () => {
    expect(quoteDot("plain")).toBe('"plain"');
    expect(quoteDot('say "hi"')).toBe('"say \\"hi\\""');
    expect(quoteDot("\\N\\")).toBe('"\\\\N\\\\"');
    expect(quoteDot("a & b")).toBe('"a &amp; b"');
    expect(quoteDot("a\nb\r\tc\u0000")).toBe('"a b  c "');
  });
});

describe("buildProjectDot", () => {
  it("writes the expected DOT for a small project", () => {
    const dot = buildProjectDot({
      entities: [
        { id: 2, name: "db1", location: { id: 5, name: "Main site" } },
        { id: 1, name: "app1", location: { id: 5, name: "Main site" } },
        { id: 3, name: "backup", location: { id: 4, name: "Remote" } },
      ],
      communications: [
        { id: 8, sourceEntityId: 3, destinationEntityId: 2, protocol: "TCP", port: 22 },
        { id: 7, sourceEntityId: 1, destinationEntityId: 2, protocol: "TCP", port: 5432 },
        { id: 9, sourceEntityId: 1, destinationEntityId: 3, protocol: "ICMP", port: 8 },
      ],
    });
    // Golden file: refreshed on purpose with UPDATE_GOLDEN=1; review its diff like code.
    expectGolden("dot/small-project.dot", dot);
  });

  it("writes the expected DOT for a dual-stack project: ranges, ICMPv6 and IPv6 text in names", () => {
    const dot = buildProjectDot({
      entities: [
        { id: 1, name: "web (fd00:77::21)", location: { id: 1, name: "Main site" } },
        { id: 2, name: "admins (fd00:77:9::/64)", location: { id: 1, name: "Main site" } },
        { id: 3, name: "media", location: { id: 2, name: "fd00:77:2::/48 site" } },
      ],
      communications: [
        { id: 1, sourceEntityId: 2, destinationEntityId: 1, protocol: "TCP", port: 8000, portEnd: 8100 },
        { id: 2, sourceEntityId: 2, destinationEntityId: 1, protocol: "TCP", port: 22, portEnd: 22 },
        { id: 3, sourceEntityId: 2, destinationEntityId: 1, protocol: "ICMPv6", port: 128, portEnd: 128 },
        { id: 4, sourceEntityId: 1, destinationEntityId: 3, protocol: "UDP", port: 10000, portEnd: 20000 },
        { id: 5, sourceEntityId: 3, destinationEntityId: 1, protocol: "ICMP", port: 8 },
      ],
    });
    expectGolden("dot/dual-stack-project.dot", dot);
    const svg = render(dot);
    const texts = svgObjects(svg).flatMap((o) => o.texts);
    for (const text of ["TCP:8000-8100", "TCP:22", "ICMPv6:128", "UDP:10000-20000", "ICMP:8", "web (fd00:77::21)"]) {
      expect(texts).toContain(text);
    }
    expect(texts).toContain("fd00:77:2::/48 site");
  });

  it("writes an empty but valid graph for a project without entities", () => {
    const dot = buildProjectDot({ entities: [], communications: [] });
    const graph = parseDot(dot);
    expect(graph.nodes.size).toBe(0);
    expect(graph.attrs).toEqual({
      bgcolor: "transparent",
      nodesep: "1.5",
      fontname: "Helvetica,Arial,sans-serif",
      layout: "fdp",
      overlap: "false",
    });
    expect(render(dot)).toContain("<svg");
  });

  it("keeps the structure whatever the names: parsed DOT", () => {
    const input = hostileInput();
    const graph = parseDot(buildProjectDot(input));
    const colours = entityColours(input.entities.map((e) => e.id));

    expect(graph.attrs).toEqual({
      bgcolor: "transparent",
      nodesep: "1.5",
      fontname: "Helvetica,Arial,sans-serif",
      layout: "fdp",
      overlap: "false",
    });
    expect(graph.nodes.size).toBe(input.entities.length);
    expect(graph.edges).toHaveLength(input.communications.length);

    // One cluster per location, labelled with its name, holding exactly its entities.
    const locations = new Map(input.entities.map((e) => [e.location.id, e.location.name]));
    expect(graph.subgraphs.map((s) => s.id).sort()).toEqual([...locations.keys()].map((id) => `cluster_${id}`).sort());
    for (const subgraph of graph.subgraphs) {
      const locationId = Number(subgraph.id.replace("cluster_", ""));
      expect(labelText(subgraph.attrs.label)).toBe(shown(locations.get(locationId) ?? ""));
      const members = input.entities.filter((e) => e.location.id === locationId).map((e) => `e${e.id}`);
      expect(subgraph.nodes.sort()).toEqual(members.sort());
    }

    // One filled node per entity, labelled with its name, in its colour.
    for (const entity of input.entities) {
      const node = graph.nodes.get(`e${entity.id}`);
      expect(node, entity.name).toBeDefined();
      expect(node?.subgraph).toBe(`cluster_${entity.location.id}`);
      expect(labelText(node?.attrs.label)).toBe(shown(entity.name));
      expect(node?.attrs.style).toBe("filled");
      expect(node?.attrs.fillcolor).toBe(colours.get(entity.id)?.fill);
      expect(node?.attrs.fontcolor).toBe(colours.get(entity.id)?.text);
      // Nothing that reads files; the only link is the entity page, built from the id.
      for (const attribute of ["image", "href", "tooltip", "shapefile"])
        expect(node?.attrs).not.toHaveProperty(attribute);
      expect(node?.attrs.URL).toBe(`/entities/${entity.id}`);
    }

    // One edge per communication, source → destination, coloured like the source node.
    const edges = [...graph.edges];
    for (const communication of [...input.communications].sort((a, b) => a.id - b.id)) {
      const edge = edges.shift();
      expect(edge?.from).toBe(`e${communication.sourceEntityId}`);
      expect(edge?.to).toBe(`e${communication.destinationEntityId}`);
      expect(labelText(edge?.attrs.label)).toBe(expectedLabel(communication));
      expect(edge?.attrs.color).toBe(graph.nodes.get(`e${communication.sourceEntityId}`)?.attrs.fillcolor);
    }
  });

  it("keeps the structure whatever the names: rendered SVG", () => {
    const input = hostileInput();
    const colours = entityColours(input.entities.map((e) => e.id));
    const svg = render(buildProjectDot(input));
    const objects = svgObjects(svg);
    const nodes = objects.filter((o) => o.kind === "node");
    const edges = objects.filter((o) => o.kind === "edge");
    const clusters = objects.filter((o) => o.kind === "cluster");

    expect(nodes).toHaveLength(input.entities.length);
    expect(edges).toHaveLength(input.communications.length);
    expect(clusters).toHaveLength(3);
    // Every "<" in Graphviz output starts markup (text is escaped), so these are the tags.
    const tags = svg.match(/<[^>]*>/g) ?? [];
    expect(tags.filter((tag) => /^<\/?(script|image|foreignObject|iframe|use)[\s/>]/i.test(tag))).toEqual([]);
    // Attribute names only: user text may say `onload=` inside a value (escaped, harmless).
    expect(tags.filter((tag) => /\son\w+\s*=/i.test(tag.replace(/"[^"]*"/g, '""')))).toEqual([]);
    // The only links: each node's entity page.
    const links = tags.filter((tag) => /href\s*=/i.test(tag));
    expect(links.map((tag) => tag.match(/xlink:href="([^"]*)"/)?.[1]).sort()).toEqual(
      input.entities.map((e) => `/entities/${e.id}`).sort(),
    );
    expect(svg).toContain("&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;");

    const clusterByLabel = new Map(clusters.map((c) => [c.texts[0] ?? "", box(c.body)]));
    for (const entity of input.entities) {
      const node = nodes.find((n) => n.title === `e${entity.id}`);
      expect(node, entity.name).toBeDefined();
      expect(node?.texts).toEqual([shown(entity.name)]);
      expect(node?.body).toContain(`<polygon fill="${colours.get(entity.id)?.fill}"`);
      expect(node?.body).toContain(`fill="${colours.get(entity.id)?.text}"`);
      // Drawn inside its location's cluster.
      const cluster = clusterByLabel.get(shown(entity.location.name));
      const inner = box(node?.body ?? "");
      expect(cluster, entity.location.name).toBeDefined();
      if (cluster) {
        expect(inner.x0).toBeGreaterThanOrEqual(cluster.x0);
        expect(inner.x1).toBeLessThanOrEqual(cluster.x1);
        expect(inner.y0).toBeGreaterThanOrEqual(cluster.y0);
        expect(inner.y1).toBeLessThanOrEqual(cluster.y1);
      }
    }
    for (const communication of input.communications) {
      const title = `e${communication.sourceEntityId}->e${communication.destinationEntityId}`;
      const label = expectedLabel(communication);
      const edge = edges.find((e) => e.title === title && e.texts[0] === label);
      expect(edge, title).toBeDefined();
      expect(edge?.body).toContain(`<path fill="none" stroke="${colours.get(communication.sourceEntityId)?.fill}"`);
    }
  });

  const noDot = spawnSync("dot", ["-V"]).status !== 0;
  it.skipIf(noDot)(
    `renders the same structure with native Graphviz${noDot ? ": skipped, no `dot` on PATH" : ""}`,
    () => {
      const input = hostileInput();
      const result = spawnSync("dot", ["-Tsvg"], { input: buildProjectDot(input), encoding: "utf8" });
      expect(result.status, result.stderr).toBe(0);
      const objects = svgObjects(result.stdout);
      expect(objects.filter((o) => o.kind === "node")).toHaveLength(input.entities.length);
      expect(objects.filter((o) => o.kind === "edge")).toHaveLength(input.communications.length);
      expect(objects.filter((o) => o.kind === "cluster")).toHaveLength(3);
      const texts = objects.flatMap((o) => o.texts);
      for (const entity of input.entities) expect(texts).toContain(shown(entity.name));
    },
  );

  it("keeps one node per entity and one edge per communication for any names", () => {
    // Names as the name rule stores them (src/validation/common.ts): trimmed and
    // free of control characters (Graphviz drops a label's surrounding no-break
    // spaces, which no stored name has).
    const anyText = fc
      .string({
        unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
        maxLength: 30,
      })
      .map((s) => s.trim())
      .filter((s) => !/\p{Cc}|[\u2028\u2029]/u.test(s));
    fc.assert(
      fc.property(
        fc.array(anyText, { minLength: 1, maxLength: 6 }),
        fc.array(anyText, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat({ max: 65535 })), { maxLength: 10 }),
        (names, locationNames, links) => {
          const entities = names.map((name, i) => ({
            id: i + 1,
            name,
            location: { id: (i % locationNames.length) + 1, name: locationNames[i % locationNames.length] ?? "" },
          }));
          const communications = links.map(([a, b, port], i) => ({
            id: i + 1,
            sourceEntityId: (a % names.length) + 1,
            destinationEntityId: (b % names.length) + 1,
            protocol: "UDP" as const,
            port,
          }));
          const dot = buildProjectDot({ entities, communications });
          const graph = parseDot(dot);
          expect(graph.nodes.size).toBe(names.length);
          expect(graph.edges).toHaveLength(links.length);
          names.forEach((name, i) => {
            expect(labelText(graph.nodes.get(`e${i + 1}`)?.attrs.label)).toBe(shown(name));
          });

          const objects = svgObjects(render(dot));
          expect(objects.filter((o) => o.kind === "node")).toHaveLength(names.length);
          expect(objects.filter((o) => o.kind === "edge")).toHaveLength(links.length);
          names.forEach((name, i) => {
            const node = objects.find((o) => o.kind === "node" && o.title === `e${i + 1}`);
            // Graphviz writes a run of spaces as no-break spaces so that it shows.
            const spaced = (text: string) => text.replace(/\u00a0/g, " ");
            expect(spaced(node?.texts.join("") ?? "")).toBe(spaced(shown(name)));
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it("refuses inconsistent input rather than drawing stray nodes", () => {
    const location = { id: 1, name: "L" };
    expect(() =>
      buildProjectDot({
        entities: [{ id: 1, name: "a", location }],
        communications: [{ id: 5, sourceEntityId: 1, destinationEntityId: 2, protocol: "TCP", port: 22 }],
      }),
    ).toThrow(/communication 5: entity 2/);
    expect(() => buildProjectDot({ entities: [{ id: 1.5, name: "a", location }], communications: [] })).toThrow(
      /entity id 1.5/,
    );
    expect(() =>
      buildProjectDot({
        entities: [
          { id: 4, name: "a", location },
          { id: 4, name: "b", location },
        ],
        communications: [],
      }),
    ).toThrow(/entity 4 appears twice/);
    expect(() => buildProjectDot({ entities: [{ id: -1, name: "a", location }], communications: [] })).toThrow(
      /entity id -1/,
    );
  });
});
