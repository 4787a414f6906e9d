// Entity colours for the project diagram and the colour-coded communications
// table (docs/usage.md): hues around the HSL circle from #ae1111, in order of
// entity id, with black or white text, whichever contrasts better.
//
// Decision beyond the documented scheme (issue 13 defect 8): the i-th entity
// (by id) of a project is turned by i golden angles (about 137.5°), not by
// i * 360 / n degrees. Evenly spaced hues depend on n, so adding one entity
// recoloured every other; golden-angle hues depend only on the entities before
// it, so an entity keeps its colour when entities are added (new ones get
// higher ids), and any n of them are still spread around the circle.

export type TextColour = "#000000" | "#ffffff";

export interface EntityColour {
  /** Lower-case `#rrggbb`. */
  fill: string;
  /** Text colour with the better WCAG 2 contrast ratio against `fill`. */
  text: TextColour;
}

/** The first colour of every project, as lower-case `#rrggbb`. */
export const BASE_COLOUR = "#ae1111";

type Rgb = readonly [number, number, number];

const BLACK: TextColour = "#000000";
const WHITE: TextColour = "#ffffff";

/** The hue step between consecutive entities: 360° / φ², the golden angle. */
export const GOLDEN_ANGLE = 180 * (3 - Math.sqrt(5));

/**
 * Colours for the given entity ids. Ids are sorted ascending (duplicates
 * ignored); the i-th gets hue `i * GOLDEN_ANGLE` degrees past #ae1111, with its
 * saturation and lightness, so the lowest id is exactly `#ae1111`, the same
 * ids always give the same colours, and adding higher ids changes none of them.
 *
 * Past roughly 900 entities, neighbouring hues round to the same 24-bit colour.
 * Colours stay distinct then by moving the later entity's lightness by the
 * smallest step that yields an unused colour (invisible to the eye, but the
 * table and the diagram still never share a colour between two entities).
 */
export function entityColours(ids: number[]): Map<number, EntityColour> {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const [baseHue, saturation, lightness] = rgbToHsl(parseHex(BASE_COLOUR));
  const used = new Set<string>();
  const colours = new Map<number, EntityColour>();
  sorted.forEach((id, index) => {
    const hue = (baseHue + index * GOLDEN_ANGLE) % 360;
    const fill = unusedColour(hue, saturation, lightness, used);
    used.add(fill);
    colours.set(id, { fill, text: textColourFor(fill) });
  });
  return colours;
}

/** Black or white, whichever has the better WCAG 2 contrast ratio with `fill` (black on a tie). */
export function textColourFor(fill: string): TextColour {
  return contrastRatio(fill, BLACK) >= contrastRatio(fill, WHITE) ? BLACK : WHITE;
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** WCAG 2 relative luminance of a `#rrggbb` colour, from 0 to 1. */
export function relativeLuminance(colour: string): number {
  const [r, g, b] = parseHex(colour);
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

function linear(channel: number): number {
  const c = channel / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

function unusedColour(hue: number, saturation: number, lightness: number, used: Set<string>): string {
  const exact = toHex(hslToRgb(hue, saturation, lightness));
  if (!used.has(exact)) return exact;
  // Half a channel level per step: the smallest lightness change that can alter the rounding.
  const step = 1 / 510;
  for (let k = 1; k <= 510; k++) {
    for (const l of [lightness + k * step, lightness - k * step]) {
      if (l < 0 || l > 1) continue;
      const candidate = toHex(hslToRgb(hue, saturation, l));
      if (!used.has(candidate)) return candidate;
    }
  }
  // Unreachable for any realistic project: the loop above offers thousands of colours per hue.
  throw new Error(`no unused colour left for hue ${hue.toFixed(3)}`);
}

function parseHex(colour: string): Rgb {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  if (!match) throw new Error(`not a #rrggbb colour: ${JSON.stringify(colour)}`);
  return [
    Number.parseInt(match[1] ?? "", 16),
    Number.parseInt(match[2] ?? "", 16),
    Number.parseInt(match[3] ?? "", 16),
  ];
}

function toHex(rgb: Rgb): string {
  return `#${rgb.map((channel) => channel.toString(16).padStart(2, "0")).join("")}`;
}

/** Hue in degrees, saturation and lightness in 0..1. */
function rgbToHsl([r8, g8, b8]: Rgb): [number, number, number] {
  const r = r8 / 255;
  const g = g8 / 255;
  const b = b8 / 255;
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const lightness = (max + min) / 2;
  const chroma = max - min;
  if (chroma === 0) return [0, 0, lightness];
  const saturation = chroma / (1 - Math.abs(2 * lightness - 1));
  let hue: number;
  if (max === r) hue = ((g - b) / chroma + 6) % 6;
  else if (max === g) hue = (b - r) / chroma + 2;
  else hue = (r - g) / chroma + 4;
  return [hue * 60, saturation, lightness];
}

function hslToRgb(hue: number, saturation: number, lightness: number): Rgb {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const h = hue / 60;
  const x = chroma * (1 - Math.abs((h % 2) - 1));
  const m = lightness - chroma / 2;
  const sector = Math.floor(h) % 6;
  const [r, g, b] =
    sector === 0
      ? [chroma, x, 0]
      : sector === 1
        ? [x, chroma, 0]
        : sector === 2
          ? [0, chroma, x]
          : sector === 3
            ? [0, x, chroma]
            : sector === 4
              ? [x, 0, chroma]
              : [chroma, 0, x];
  const channel = (v: number) => Math.min(255, Math.max(0, Math.round((v + m) * 255)));
  return [channel(r), channel(g), channel(b)];
}
