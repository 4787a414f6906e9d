// What a rendered diagram may contain (docs/architecture.md, Diagram rendering):
// Graphviz's SVG is served as an image of our own origin, so it must hold
// only drawing elements. The DOCTYPE is stripped; anything that could run
// script, fetch a resource or carry a style is refused, never "cleaned".
// The one exception is the entity link buildProjectDot puts on each node:
// an `<a>` whose only link is `/entities/N` (opened in the whole window).

/** A refused SVG, in the shape `DiagramRenderer.render` answers with. */
export interface SvgRefusal {
  status: "error";
  message: string;
}

// Elements Graphviz writes for plain `dot -Tsvg` output with the attributes
// buildProjectDot uses, `a` for the nodes' entity links. Anything else
// (script, image, foreignObject, use …) can only come from DOT that asks for
// it and is refused.
const SVG_ELEMENTS = new Set([
  "svg",
  "g",
  "title",
  "text",
  "path",
  "polygon",
  "polyline",
  "ellipse",
  "circle",
  "rect",
  "line",
  "defs",
  "lineargradient",
  "radialgradient",
  "stop",
  "a",
]);
const TAG = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
const ATTRIBUTE = /\s+([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
/** The only link a diagram may hold: an entity page of this site. */
const ENTITY_LINK = /^\/entities\/[1-9][0-9]{0,9}$/;

/** Event handlers, inline styles, and links other than `xlink:href` to an entity on an `<a>` (`target` only `_top`). */
function refusedAttribute(element: string, attribute: string, value: string): boolean {
  const lower = attribute.toLowerCase();
  if (lower.startsWith("on") || lower === "style") return true;
  if (lower.endsWith("href")) return !(element === "a" && lower === "xlink:href" && ENTITY_LINK.test(value));
  if (lower === "target") return !(element === "a" && value === "_top");
  return false;
}

/**
 * Drops the DOCTYPE (its external DTD is useless to browsers and XML tooling
 * should not fetch it) and checks that the SVG holds only drawing elements
 * without event handlers or styles, and no link but entity links. Graphviz escapes label text, so
 * every `<` in its output starts markup that Graphviz itself wrote.
 */
export function sanitiseSvg(svg: string): string | SvgRefusal {
  const out = svg.replace(/<!DOCTYPE[^>[]*>\s*/, "");
  const refuse = (what: string): SvgRefusal => ({ status: "error", message: `rendered SVG refused: ${what}` });
  for (let at = out.indexOf("<"); at !== -1; at = out.indexOf("<", at + 1)) {
    if (out.startsWith("<!--", at)) {
      at = out.indexOf("-->", at);
      if (at === -1) return refuse("unterminated comment");
      continue;
    }
    if (out.startsWith("<?xml ", at) && at === 0) continue;
    TAG.lastIndex = at;
    const tag = TAG.exec(out);
    if (!tag) return refuse(`unexpected markup at offset ${at}`);
    const name = (tag[2] ?? "").toLowerCase();
    if (!SVG_ELEMENTS.has(name)) return refuse(`<${name}> element`);
    for (const [, attribute = "", double, single] of (tag[3] ?? "").matchAll(ATTRIBUTE)) {
      if (refusedAttribute(name, attribute, double ?? single ?? ""))
        return refuse(`${attribute} attribute on <${name}>`);
    }
  }
  return out;
}

/** The header the SVG is served with: even if something slipped through, nothing in it may load or run. */
export const SVG_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'";
