// Free text in firewall files (docs/rules.md, Comments): the one-line reduction,
// the byte caps and the quoted header names that the iptables, ip6tables and
// nftables generators share, so a name or description reads the same and is
// equally harmless in all three.
//
// - toOneLine turns every run of control characters (C0 incl. CR, LF, TAB, NUL;
//   DEL; C1 incl. U+0085), U+2028, U+2029 and the bidirectional
//   embedding/override/isolate controls (U+202A–U+202E, U+2066–U+2069, which can
//   make a comment look like something else in an editor) into one space, then
//   trims. After it no line break is left, so text cannot leave its `#` line.
// - iptables-restore reads lines into a 10 KiB buffer and parses the tail of a
//   longer line as a command, so comment text is cut at MAX_COMMENT_TEXT_BYTES
//   and each header name at MAX_HEADER_NAME_BYTES (whole code points, `…` marks
//   the cut): every line stays under 7 KB. nft has no such buffer; its files use
//   the same caps so the three files show the same text.
// - In the header, names are inside double quotes; `\` is written `\\` and `"`
//   is written `\"`, so the quotes always delimit the name.

/** Most UTF-8 bytes of description text in one `# …` comment line. */
export const MAX_COMMENT_TEXT_BYTES = 4000;
/** Most UTF-8 bytes of one name (before quote escaping) in the header line. */
export const MAX_HEADER_NAME_BYTES = 1000;

const LINE_BREAKERS = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]+/gu;
const ELLIPSIS = "…";

/** Reduces free text to one line: every run of control characters becomes one space, then the text is trimmed. */
export function toOneLine(text: string): string {
  return text.replace(LINE_BREAKERS, " ").trim();
}

/** Number of bytes the code point takes in UTF-8 (a lone surrogate is written as U+FFFD, 3 bytes). */
function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/** Cuts text to at most maxBytes (≥ 3) UTF-8 bytes on a code point boundary, marking a cut with `…`. */
export function truncateUtf8(text: string, maxBytes: number): string {
  let total = 0;
  for (const char of text) total += utf8Length(char.codePointAt(0) ?? 0);
  if (total <= maxBytes) return text;
  const budget = maxBytes - utf8Length(ELLIPSIS.codePointAt(0) ?? 0);
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = utf8Length(char.codePointAt(0) ?? 0);
    if (used + size > budget) break;
    used += size;
    end += char.length;
  }
  return `${text.slice(0, end).trimEnd()}${ELLIPSIS}`;
}

/** The text of a description's comment line, or "" when the description is empty once reduced (or not text). */
export function commentText(description: unknown): string {
  return typeof description === "string" ? truncateUtf8(toOneLine(description), MAX_COMMENT_TEXT_BYTES) : "";
}

/** A name for the header: one line, cut to size, inside double quotes with `\` and `"` escaped. */
function quotedName(name: string): string {
  const text = truncateUtf8(toOneLine(name), MAX_HEADER_NAME_BYTES);
  return `"${text.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

/** The first comment line of every file: `# Conntrackt rules for entity "E" (project "P", location "L")`. */
export function headerComment(entity: { name: string; project: string; location: string }): string {
  return `# Conntrackt rules for entity ${quotedName(entity.name)} (project ${quotedName(entity.project)}, location ${quotedName(entity.location)})`;
}
