// The iptables-restore file of one entity (docs/rules.md): plain data in, text out.
// The entity page, the single download, the ZIP archives and the CLI all call
// generateEntityRules, so the same data always gives the same bytes. It writes
// the IPv4 flows of a FirewallInput through the writer it shares with the
// ip6tables file (src/domain/firewall-xtables.ts); for IPv4-only, single-port
// data without restrictOutgoing the bytes are those of the first version.
//
// Decisions beyond the documented format (docs/rules.md):
// - Input is checked, not trusted (src/domain/firewall.ts): an address that is
//   neither a strict dotted quad nor IPv6, a non-contiguous netmask, an unknown
//   protocol, a port or range outside its protocol's or a flow between two
//   families throws a RangeError naming the field (`incoming[3].source.netmask`)
//   instead of producing a line iptables-restore would read differently.
//   Addresses and masks are re-formatted from their numeric value, so the text
//   is canonical; the address is written as stored (iptables applies the mask).
// - Only IPv4 flows are written; IPv6 flows go to the ip6tables file
//   (src/domain/ip6tables.ts), both to the nftables file.
// - A port range is written `--dport FIRST:LAST`, a single port `--dport PORT`.
// - Free text reaches the file only in `#` comment lines, reduced to one line
//   and cut below iptables-restore's 10 KiB line buffer; header names are
//   quoted with `\` and `"` escaped (src/domain/firewall-text.ts).
// - Comment grouping compares the comment text as written (reduced and cut), so
//   what the reader sees decides where blank lines and comments go.
// - iptables reads `--icmp-type 255` as "any ICMP type" (the kernel's wildcard),
//   although docs/usage.md allows 255 as a type. Such a flow would open every ICMP
//   type, so its rule is written commented out, prefixed with ICMP_ANY_NOTE;
//   the entity then rejects ICMP type 255 like any unrecorded flow.
// - Identical rule lines appear once. If the flows behind one line have
//   different descriptions, the line keeps the smallest non-empty one in UTF-16
//   code-unit order, so the output never depends on the order of the input.
// - restrictOutgoing sets the OUTPUT policy to DROP, adds the standing OUTPUT
//   rules (loopback, related) after the INPUT ones, and writes one `-A OUTPUT`
//   rule per outgoing flow after the incoming rules, grouped the same way.
//   Without it outgoing flows are checked but not written.
import { checkFlow } from "./firewall.js";
import { xtablesFile, xtablesRuleLine } from "./firewall-xtables.js";
import type { FirewallFlow, FirewallInput } from "./types.js";

export { MAX_COMMENT_TEXT_BYTES, MAX_HEADER_NAME_BYTES, toOneLine, truncateUtf8 } from "./firewall-text.js";
export { ICMP_ANY_NOTE } from "./firewall-xtables.js";

/** The INPUT line one flow writes in the restore file of its family (the rule, or that rule commented out for type 255); throws a RangeError when invalid. */
export function ruleLine(flow: FirewallFlow): string {
  return xtablesRuleLine(checkFlow(flow, "flow"), "INPUT");
}

/** The complete iptables-restore file of an entity (docs/rules.md), ending in `COMMIT\n`; throws a RangeError on invalid flows. */
export function generateEntityRules(input: FirewallInput): string {
  return xtablesFile(input, "ipv4");
}
