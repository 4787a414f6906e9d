// The iptables-restore file of one entity (docs/rules.md): plain data in, text out.
// The entity page, the single download, the ZIP archives and the CLI all call
// generateEntityRules, so the same data always gives the same bytes.
//
// Decisions beyond the documented format (docs/rules.md):
// - Input is checked, not trusted: an address that is not a strict dotted quad,
//   a non-contiguous netmask, an unknown protocol or a port outside its range
//   throws a RangeError naming the field (`incoming[3].source.netmask`) instead
//   of producing a line iptables-restore would read differently. Addresses and
//   masks are re-formatted from their numeric value, so the text is canonical.
// - Free text reaches the file only in `#` comment lines. toOneLine turns every
//   run of control characters (C0 incl. CR, LF, TAB, NUL; DEL; C1 incl. U+0085),
//   U+2028, U+2029 and the bidirectional embedding/override/isolate controls
//   (U+202A–U+202E, U+2066–U+2069, which can make a comment look like something
//   else in an editor) into one space, then trims.
// - iptables-restore reads lines into a 10 KiB buffer; a longer line is split and
//   its tail is parsed as a command (a 10 300-byte comment ending in
//   `-A INPUT -j ACCEPT` adds that rule with iptables 1.8.9). Descriptions may be
//   10 000 characters, i.e. up to 40 000 UTF-8 bytes, so comment text is cut at
//   MAX_COMMENT_TEXT_BYTES and each header name at MAX_HEADER_NAME_BYTES (whole
//   code points, `…` marks the cut). Every line therefore stays under 7 KB.
// - In the header, names are inside double quotes; a `\` in a name is written
//   `\\` and a `"` is written `\"`, so the quotes always delimit the name.
// - Comment grouping compares the comment text as written (reduced and cut), so
//   what the reader sees decides where blank lines and comments go.
// - iptables reads `--icmp-type 255` as "any ICMP type" (the kernel's wildcard),
//   although docs/usage.md allows 255 as a type. Such a flow would open every ICMP
//   type, so its rule is written commented out, prefixed with ICMP_ANY_NOTE;
//   the entity then rejects ICMP type 255 like any unrecorded flow.
// - Identical rule lines appear once. If the flows behind one line have
//   different descriptions, the line keeps the smallest non-empty one in UTF-16
//   code-unit order, so the output never depends on the order of the input.
import { PORT_RANGE, PROTOCOLS, type Protocol } from "./constants.js";
import { formatIpv4, maskValuePrefixLength, parseIpv4 } from "./ipv4.js";
import type { EntityRulesInput, IncomingFlow } from "./types.js";

/** Most UTF-8 bytes of description text in one `# …` comment line. */
export const MAX_COMMENT_TEXT_BYTES = 4000;
/** Most UTF-8 bytes of one name (before quote escaping) in the header line. */
export const MAX_HEADER_NAME_BYTES = 1000;

/** Written before a flow's rule when iptables cannot express it (ICMP type 255), making the rule a comment. */
export const ICMP_ANY_NOTE = '# Left out, iptables reads ICMP type 255 as "any type": ';
/** The ICMP type value that iptables treats as a wildcard. */
const ICMP_ANY_TYPE = 255;

const LINE_BREAKERS = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]+/gu;
const ELLIPSIS = "…";
const HOST_MASK_VALUE = 0xffffffff;

/** A rule ready to print: its sort key, its `-A INPUT` line and its comment text ("" for none). */
interface CompiledRule {
  key: readonly number[];
  line: string;
  comment: string;
}

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

/** The text of a description's comment line, or "" when the description is empty once reduced. */
function commentText(description: string): string {
  return truncateUtf8(toOneLine(description), MAX_COMMENT_TEXT_BYTES);
}

/** A name for the header: one line, cut to size, inside double quotes with `\` and `"` escaped. */
function quotedName(name: string): string {
  const text = truncateUtf8(toOneLine(name), MAX_HEADER_NAME_BYTES);
  return `"${text.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

/** Parses one endpoint into numbers or throws a RangeError naming the field. */
function parseEndpoint(endpoint: { address: string; netmask: string }, path: string): [number, number] {
  const address = typeof endpoint?.address === "string" ? parseIpv4(endpoint.address) : null;
  if (address === null) {
    throw new RangeError(`${path}.address is not a dotted IPv4 address: ${JSON.stringify(endpoint?.address)}`);
  }
  const mask = typeof endpoint.netmask === "string" ? parseIpv4(endpoint.netmask) : null;
  if (mask === null || maskValuePrefixLength(mask) === null) {
    throw new RangeError(
      `${path}.netmask is not a contiguous dotted IPv4 netmask: ${JSON.stringify(endpoint.netmask)}`,
    );
  }
  return [address, mask];
}

/** `ADDRESS`, or `ADDRESS/NETMASK` when the mask is not the host mask. */
function endpointText(address: number, mask: number): string {
  return mask === HOST_MASK_VALUE ? formatIpv4(address) : `${formatIpv4(address)}/${formatIpv4(mask)}`;
}

/** Checks one flow and turns it into a printable rule, or throws a RangeError naming the field under path. */
function compileFlow(flow: IncomingFlow, path: string): CompiledRule {
  const protocolIndex = PROTOCOLS.indexOf(flow?.protocol);
  if (protocolIndex < 0) {
    throw new RangeError(`${path}.protocol must be one of ${PROTOCOLS.join(", ")}: ${JSON.stringify(flow?.protocol)}`);
  }
  const protocol: Protocol = flow.protocol;
  const range = PORT_RANGE[protocol];
  if (!Number.isInteger(flow.port) || flow.port < range.min || flow.port > range.max) {
    throw new RangeError(`${path}.port must be a ${range.label} from ${range.min} to ${range.max}: ${flow.port}`);
  }
  const [sourceAddress, sourceMask] = parseEndpoint(flow.source, `${path}.source`);
  const [destinationAddress, destinationMask] = parseEndpoint(flow.destination, `${path}.destination`);
  const name = protocol.toLowerCase();
  const match = protocol === "ICMP" ? `--icmp-type ${flow.port}` : `--dport ${flow.port}`;
  const rule =
    `-A INPUT -s ${endpointText(sourceAddress, sourceMask)} -d ${endpointText(destinationAddress, destinationMask)}` +
    ` -p ${name} -m ${name} ${match} -j ACCEPT`;
  const line = protocol === "ICMP" && flow.port === ICMP_ANY_TYPE ? `${ICMP_ANY_NOTE}${rule}` : rule;
  const description = typeof flow.description === "string" ? flow.description : "";
  return {
    key: [protocolIndex, flow.port, sourceAddress, sourceMask, destinationAddress, destinationMask],
    line,
    comment: commentText(description),
  };
}

/** The line one flow writes (`-A INPUT …`, or that rule commented out for ICMP type 255); throws a RangeError when invalid. */
export function ruleLine(flow: IncomingFlow): string {
  return compileFlow(flow, "flow").line;
}

/** Orders rules by protocol, port, source address and mask, destination address and mask (docs/rules.md). */
function compareRules(a: CompiledRule, b: CompiledRule): number {
  for (let i = 0; i < a.key.length; i++) {
    const difference = (a.key[i] ?? 0) - (b.key[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Of two comments for the same rule line, the one to keep: the smallest non-empty one. */
function preferredComment(a: string, b: string): string {
  if (a === "") return b;
  if (b === "") return a;
  return a < b ? a : b;
}

/** The complete iptables-restore file of an entity (docs/rules.md), ending in `COMMIT\n`; throws a RangeError on invalid flows. */
export function generateEntityRules(input: EntityRulesInput): string {
  const { entity } = input;
  const byLine = new Map<string, CompiledRule>();
  input.incoming.forEach((flow, index) => {
    const rule = compileFlow(flow, `incoming[${index}]`);
    const existing = byLine.get(rule.line);
    if (existing === undefined) byLine.set(rule.line, rule);
    else existing.comment = preferredComment(existing.comment, rule.comment);
  });
  const rules = [...byLine.values()].sort(compareRules);

  const lines = [
    `# Conntrackt rules for entity ${quotedName(entity.name)} (project ${quotedName(entity.project)}, location ${quotedName(entity.location)})`,
    "*filter",
    ":INPUT DROP [0:0]",
    ":FORWARD DROP [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    "# Accept all incoming traffic on loopback interface.",
    "-A INPUT -i lo -j ACCEPT",
    "# Accept all incoming related traffic.",
    "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
  ];
  let previous: CompiledRule | undefined;
  for (const rule of rules) {
    const startsGroup = previous === undefined || previous.comment !== rule.comment;
    if (startsGroup) lines.push("");
    if (startsGroup && rule.comment !== "") lines.push(`# ${rule.comment}`);
    lines.push(rule.line);
    previous = rule;
  }
  lines.push("COMMIT");
  return `${lines.join("\n")}\n`;
}
