// Graphviz DOT source of a project diagram (docs/usage.md): one cluster per location,
// one filled node per entity in its entity colour, one edge per communication,
// labelled `PROTOCOL:PORT` (`TCP:8000-8100` for a range, `ICMPv6:128`).
// User text only ever appears inside quoted, escaped label strings; node and
// cluster ids are synthetic, so no name can change the structure of the graph.
// Each node links to its entity page (`URL="/entities/ID"`, built from the id,
// never from user data), so the full-size diagram page's nodes are clickable.
import { entityColours } from "./colours.js";
import { portsText } from "./display.js";
import type { DiagramInput } from "./types.js";

/**
 * DOT source for a project diagram. Deterministic: clusters, nodes and edges
 * are ordered by id whatever the input order, so the same data gives the same
 * text (and the same rendering cache key).
 *
 * Throws when an id is not a non-negative safe integer, an entity appears
 * twice or a communication names an entity that is not in `input.entities`:
 * all mean the caller loaded the wrong data.
 */
export function buildProjectDot(input: DiagramInput): string {
  const entities = [...input.entities].sort((a, b) => a.id - b.id);
  const colours = entityColours(entities.map((entity) => entity.id));

  const locations = new Map<number, { name: string; entities: typeof entities }>();
  entities.forEach((entity, i) => {
    checkId("entity", entity.id);
    checkId("location", entity.location.id);
    if (entities[i - 1]?.id === entity.id) throw new Error(`entity ${entity.id} appears twice`);
    let location = locations.get(entity.location.id);
    if (!location) {
      location = { name: entity.location.name, entities: [] };
      locations.set(entity.location.id, location);
    }
    location.entities.push(entity);
  });

  const font = 'fontname="Helvetica,Arial,sans-serif"';
  const lines = [
    "digraph conntrackt {",
    `  graph [bgcolor="transparent", nodesep=1.5, ${font}${layoutChoice(entities.length, input.communications.length)}];`,
    // Not `record`: record shapes parse `{`, `|` and `<` in labels as structure.
    `  node [shape=box, ${font}];`,
    `  edge [${font}, fontsize=10];`,
  ];
  for (const [locationId, location] of [...locations].sort(([a], [b]) => a - b)) {
    lines.push(`  subgraph cluster_${locationId} {`, `    label=${quoteDot(location.name)};`);
    for (const entity of location.entities) {
      const colour = colours.get(entity.id);
      if (!colour) throw new Error(`entity ${entity.id} has no colour`);
      lines.push(
        `    ${entityNodeId(entity.id)} [label=${quoteDot(entity.name)}, URL="/entities/${entity.id}", target="_top", style=filled, ` +
          `fillcolor="${colour.fill}", fontcolor="${colour.text}"];`,
      );
    }
    lines.push("  }");
  }

  const communications = [...input.communications].sort((a, b) => a.id - b.id);
  for (const communication of communications) {
    checkId("communication", communication.id);
    const source = colours.get(communication.sourceEntityId);
    if (!source || !colours.has(communication.destinationEntityId)) {
      const missing = source ? communication.destinationEntityId : communication.sourceEntityId;
      throw new Error(`communication ${communication.id}: entity ${missing} is not in the diagram`);
    }
    const label = quoteDot(edgeLabel(communication));
    lines.push(
      `  ${entityNodeId(communication.sourceEntityId)} -> ${entityNodeId(communication.destinationEntityId)} ` +
        `[label=${label}, color="${source.fill}"];`,
    );
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** The text of a communication's edge: `TCP:22`, `UDP:8000-8100`, `ICMPv6:128`. */
export function edgeLabel(c: { protocol: string; port: number; portEnd?: number }): string {
  return `${c.protocol}:${portsText(c)}`;
}

/** The DOT node id of an entity, also the `<title>` of its node in the SVG. */
export function entityNodeId(entityId: number): string {
  checkId("entity", entityId);
  return `e${entityId}`;
}

/**
 * A double-quoted DOT string that Graphviz shows exactly as `text`:
 * - `\` becomes `\\`, so `\N`, `\G`, `\l`, `\n` … stay literal instead of being
 *   label escapes (node name, graph name, line breaks);
 * - `"` becomes `\"`, so the string cannot end early;
 * - `&` becomes `&amp;`, because Graphviz decodes HTML entities in labels
 *   (`&lt;` would otherwise show as `<`);
 * - control characters, line and paragraph separators and the non-characters
 *   U+FFFE/U+FFFF become spaces and lone surrogates U+FFFD, since Graphviz
 *   copies them into the SVG, where XML forbids them.
 * Graphviz escapes `<`, `>`, `&` and quotes itself when it writes SVG text.
 */
export function quoteDot(text: string): string {
  const safe = text
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
    .replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029\uFFFE\uFFFF]/g, " ")
    .replace(/[\\"&]/g, (c) => (c === "\\" ? "\\\\" : c === '"' ? '\\"' : "&amp;"));
  return `"${safe}"`;
}

function checkId(kind: string, id: number): void {
  if (!Number.isSafeInteger(id) || id < 0) throw new Error(`${kind} id ${String(id)} is not a non-negative integer`);
}

/** The graph attributes choosing fdp. */
export const FDP_LAYOUT = ", layout=fdp, overlap=false";

/**
 * The same DOT laid out by `dot`: fdp aborts on some graphs (a WebAssembly
 * `unreachable` trap seen with hostile names), and a diagram drawn by dot
 * beats none. Text without FDP_LAYOUT is returned unchanged.
 */
export function withoutFdp(dot: string): string {
  const at = dot.indexOf(FDP_LAYOUT);
  return at === -1 ? dot : dot.slice(0, at) + dot.slice(at + FDP_LAYOUT.length);
}

/**
 * The layout of a diagram of this size. `dot` puts every entity of a rank in
 * one row: 80 entities and 400 flows came out 34,199 × 1,265 pt, an
 * unreadable strip. Up to that size `fdp` (force-directed, clusters kept,
 * `overlap=false`) gives a roughly square drawing (1,354 × 928 pt, ratio
 * 1.46) in about 3 s; above it fdp takes far longer than the time limit
 * (150 entities and 1,000 flows: 15 s; 300 and 3,000: 46 s), so bigger
 * graphs keep `dot` with bounded effort.
 */
export function layoutChoice(entities: number, communications: number): string {
  if (communications <= 400 && entities <= 80) return FDP_LAYOUT;
  return layoutEffort(entities, communications);
}

/**
 * Extra graph attributes that bound Graphviz's effort on big graphs. Crossing
 * minimisation and network simplex are what explode on dense graphs (the
 * large preset, 300 entities and 3,000 flows, did not finish in 10 minutes;
 * with these limits it renders in seconds). Small projects keep the full,
 * best-looking layout.
 */
export function layoutEffort(entities: number, communications: number): string {
  if (communications <= 400 && entities <= 80) return "";
  const limits = ", mclimit=0.1, nslimit=1, nslimit1=1";
  return communications > 1500 ? `${limits}, splines=line` : limits;
}
