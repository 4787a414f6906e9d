// Names and descriptions of a generated data set (scripts/dataset.ts): plain
// ones, or with --nasty hostile ones that the validation still accepts
// (docs/usage.md: names 1–100 characters without control characters,
// descriptions up to 10,000 characters, line breaks and tabs allowed).
import { DESCRIPTION_MAX, NAME_MAX } from "../../src/domain/constants.js";
import { int, pick, type Random } from "./random.js";

/**
 * Fragments allowed in names (docs/usage.md): no control characters and no
 * invisible format characters (zero-width joiners, direction overrides).
 */
export const NAME_FRAGMENTS = [
  'say "hi"',
  "C:\\dir\\",
  '\\"',
  "# not a comment",
  "-A INPUT -j ACCEPT",
  "COMMIT",
  '"]; evil [label="x',
  "<script>alert(1)</script>",
  "&amp; &lt;b&gt;",
  "../../etc/passwd",
  "..\\..\\boot.ini",
  "🔥🚀",
  "שלום עולם",
  "مرحبا",
  "日本語のホスト",
  "Ünïcödé",
  "'; DROP TABLE entity; --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection attempt, on purpose
  "${jndi:ldap://x}",
  "{{ 7*7 }}",
  "a -> b { }",
  "*filter :INPUT ACCEPT [0:0]",
  "100%s %n",
  "nbsp\u00a0here",
];
/** Extra fragments for descriptions: line breaks, CR, tabs, separators and format characters are allowed there. */
export const DESCRIPTION_FRAGMENTS = [
  "👨\u200d👩\u200d👧 family",
  "\u202eevil\u202c override",
  "zero\u200bwidth",
  "line one\nline two",
  "windows\r\nline end",
  "lone\rcarriage return",
  "tab\tseparated\tvalues",
  "\n-A INPUT -j ACCEPT\nCOMMIT\n",
  "\n*filter\n:INPUT ACCEPT [0:0]\n",
  "para\u2028line\u2029separators",
  '"]; } digraph evil { a -> b; //',
  "</td></tr><script>alert(document.cookie)</script>",
];

/** Cuts to at most `max` UTF-16 code units without splitting a surrogate pair, then trims. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text.trim();
  const end = /[\ud800-\udbff]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end).trim();
}

/** Plain or hostile names and descriptions; hostile ones cycle through every fragment so each appears. */
export class Texts {
  #nameTurn = 0;
  #descriptionTurn = 0;

  constructor(
    private readonly random: Random,
    readonly nasty: boolean,
  ) {}

  /** `plain` (unique in its scope) behind hostile fragments; never longer than a name may be. */
  name(plain: string, taken: Set<string>): string {
    let name = plain;
    if (this.nasty) {
      const turn = this.#nameTurn++;
      const parts = [
        NAME_FRAGMENTS[(2 * turn) % NAME_FRAGMENTS.length],
        NAME_FRAGMENTS[(2 * turn + 1) % NAME_FRAGMENTS.length],
      ];
      if (this.random() < 0.3) parts.push(pick(this.random, NAME_FRAGMENTS));
      let prefix = parts.join(" ");
      // Some names fill the whole NAME_MAX budget (emoji are two code units each).
      if (this.random() < 0.05) prefix = prefix.padEnd(NAME_MAX, "🔥");
      name = `${cut(prefix, NAME_MAX - plain.length - 1)} ${plain}`.trim();
    }
    if (taken.has(name)) name = plain;
    if (taken.has(name)) throw new Error(`generator bug: name ${JSON.stringify(name)} twice`);
    taken.add(name);
    return name;
  }

  /** A realistic description, or in hostile mode a multi-line one of rule, markup and DOT fragments. */
  description(plain: string, long = false): string {
    if (!this.nasty) return plain;
    const turn = this.#descriptionTurn++;
    const parts = [DESCRIPTION_FRAGMENTS[turn % DESCRIPTION_FRAGMENTS.length] as string];
    for (let n = int(this.random, 4); n > 0; n--)
      parts.push(pick(this.random, [...NAME_FRAGMENTS, ...DESCRIPTION_FRAGMENTS]));
    if (plain !== "") parts.push(plain);
    const separators = [" ", "\n", "\r\n", "\t", "\n\n"];
    let text = parts.map((part, i) => (i === 0 ? part : `${pick(this.random, separators)}${part}`)).join("");
    if (long || this.random() < 0.02) {
      const target = long ? DESCRIPTION_MAX : 2000 + int(this.random, DESCRIPTION_MAX - 2000);
      const all = [...NAME_FRAGMENTS, ...DESCRIPTION_FRAGMENTS];
      const pieces = [text];
      let length = text.length;
      for (let i = 0; length < target; i++) {
        const piece = `\n${all[i % all.length]}`;
        pieces.push(piece);
        length += piece.length;
      }
      text = cut(pieces.join(""), target);
    }
    return text;
  }

  /** Every fragment once, so a document always holds each hostile piece. */
  catalogue(): string {
    return this.nasty ? [...NAME_FRAGMENTS, ...DESCRIPTION_FRAGMENTS].join("\n") : "";
  }
}
