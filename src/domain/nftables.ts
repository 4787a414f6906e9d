// The nftables file of one entity (docs/rules.md), for the next version; not
// wired into the app yet. Both families in one `inet` table, so one file
// enforces what the iptables and ip6tables files enforce together.
//
// Decisions:
// - `nft -f FILE` loads it atomically and idempotently, touching no other
//   table: `table inet conntrackt` declares the table (a no-op when it exists),
//   `delete table inet conntrackt` removes it with everything in it, then the
//   table is defined afresh; the whole file is one transaction. (nft 1.0.6, in
//   Debian 12, has no `destroy table`.)
// - Chains input, forward and output hook at priority filter with the policies
//   of the iptables files: input and forward drop, output accept, or drop with
//   restrictOutgoing. Standing rules in input: `iif "lo" accept`, `ct state
//   established,related accept` and the ICMPv6 neighbour discovery and MLD
//   types (src/domain/firewall.ts says why); output, with restrictOutgoing, the
//   same with `oif "lo"`. Then the incoming (output: outgoing) flows.
// - A flow is `ip saddr S ip daddr D` (IPv4) or `ip6 saddr S ip6 daddr D`,
//   then `tcp dport P`, `udp dport FIRST-LAST`, `icmp type T` or `icmpv6 type
//   T`, then `accept`. An end is `ADDRESS` for one host and `NETWORK/PREFIX`
//   otherwise; an IPv4 address is written with its host bits cleared (nft would
//   clear them itself; the iptables file writes it as stored, same meaning), so
//   flows that differ only there give one line.
// - Order, duplicates and comment groups as in the iptables files (IPv4 before
//   IPv6 when protocol and ports are equal). Descriptions are `#` comment lines,
//   not nft's `comment "…"` (limited to 128 characters), reduced to one line and
//   cut as in the other files (src/domain/firewall-text.ts), so text never ends
//   its comment; the header names likewise.
// - Type 255 (ICMP or ICMPv6) is written commented out, prefixed with
//   NFT_ANY_NOTE: nft could express it, but iptables cannot, and the three
//   files must enforce the same flows.

import {
  type CheckedEnd,
  type CheckedFlow,
  type CheckedInput,
  checkFirewallInput,
  groupedLines,
  ICMPV6_LINK_REASON,
  ICMPV6_LINK_TYPES,
  orderRules,
} from "./firewall.js";
import { headerComment } from "./firewall-text.js";
import { formatIpv4 } from "./ipv4.js";
import { formatIpv6, ipv6NetworkAddress } from "./ipv6.js";
import type { FirewallInput } from "./types.js";

/** Written before the rule of a type 255 flow, making it a comment as in the iptables files. */
export const NFT_ANY_NOTE = '# Left out, as in the iptables files (iptables reads ICMP type 255 as "any type"): ';

const INDENT = "    ";
const RULE_INDENT = INDENT.repeat(2);

/** The end with its host bits cleared, as nft would store it. */
function networkOf(end: CheckedEnd): CheckedEnd {
  const address = networkAddress(end);
  // Unchanged (always so for a host): the same end, so its text is written once (endText).
  return address === end.address ? end : { ...end, address };
}

function networkAddress(end: CheckedEnd): bigint {
  if (end.family === "ipv6") return end.prefix === 128 ? end.address : ipv6NetworkAddress(end.address, end.prefix);
  if (end.prefix === 32) return end.address;
  const mask = end.prefix === 0 ? 0n : ((1n << BigInt(end.prefix)) - 1n) << BigInt(32 - end.prefix);
  return end.address & mask;
}

/** The text of each end already written: ends are shared between flows (src/domain/firewall.ts). */
const endTexts = new WeakMap<CheckedEnd, string>();

/** endText, written once per end. */
function endText(end: CheckedEnd): string {
  let text = endTexts.get(end);
  if (text === undefined) {
    text = formatEnd(end);
    endTexts.set(end, text);
  }
  return text;
}

/** `ADDRESS` for one host, `NETWORK/PREFIX` otherwise. */
function formatEnd(end: CheckedEnd): string {
  if (end.family === "ipv6")
    return end.prefix === 128 ? formatIpv6(end.address) : `${formatIpv6(end.address)}/${end.prefix}`;
  return end.prefix === 32 ? formatIpv4(Number(end.address)) : `${formatIpv4(Number(end.address))}/${end.prefix}`;
}

/** The protocol match of a flow. */
function match(flow: CheckedFlow): string {
  if (flow.protocol === "ICMP") return `icmp type ${flow.port}`;
  if (flow.protocol === "ICMPv6") return `icmpv6 type ${flow.port}`;
  const ports = flow.portEnd === flow.port ? `${flow.port}` : `${flow.port}-${flow.portEnd}`;
  return `${flow.protocol.toLowerCase()} dport ${ports}`;
}

/** The rule line of one flow (host bits already cleared), or that rule commented out for type 255. */
function ruleText(flow: CheckedFlow): string {
  const ip = flow.family === "ipv4" ? "ip" : "ip6";
  const rule = `${ip} saddr ${endText(flow.source)} ${ip} daddr ${endText(flow.destination)} ${match(flow)} accept`;
  return flow.leftOut ? `${NFT_ANY_NOTE}${rule}` : rule;
}

/** The body of a filtering chain: standing rules, then the flows in rule order. */
function chainBody(direction: "incoming" | "outgoing", flows: CheckedFlow[]): string[] {
  const device = direction === "incoming" ? "iif" : "oif";
  const normalised = flows.map((flow) => ({
    ...flow,
    source: networkOf(flow.source),
    destination: networkOf(flow.destination),
  }));
  const types = ICMPV6_LINK_TYPES.map(({ nftName }) => nftName).join(", ");
  return [
    `${RULE_INDENT}# Accept all ${direction} traffic on loopback interface.`,
    `${RULE_INDENT}${device} "lo" accept`,
    `${RULE_INDENT}# Accept all ${direction} related traffic.`,
    `${RULE_INDENT}ct state established,related accept`,
    `${RULE_INDENT}# Accept all ${direction} ${ICMPV6_LINK_REASON}`,
    `${RULE_INDENT}icmpv6 type { ${types} } accept`,
    ...groupedLines(orderRules(normalised, ruleText), RULE_INDENT),
  ];
}

/** A chain hooked at priority filter, on one line when it has no rules. */
function chain(name: "input" | "forward" | "output", policy: "accept" | "drop", body: string[]): string[] {
  const base = `type filter hook ${name} priority filter; policy ${policy};`;
  if (body.length === 0) return [`${INDENT}chain ${name} { ${base} }`];
  return [`${INDENT}chain ${name} {`, `${RULE_INDENT}${base}`, ...body, `${INDENT}}`];
}

/** The complete `nft -f` file of an entity (docs/rules.md), ending in a newline; throws a RangeError on invalid flows. */
export function generateEntityNftRules(input: FirewallInput): string {
  return nftablesText(checkFirewallInput(input));
}

/** The `nft -f` file from an input already checked (src/services/rules-archive.ts checks each entity once). */
export function nftablesText(checked: CheckedInput): string {
  const output = checked.restrictOutgoing
    ? chain("output", "drop", chainBody("outgoing", checked.outgoing))
    : chain("output", "accept", []);
  const lines = [
    "#!/usr/sbin/nft -f",
    headerComment(checked.entity),
    "table inet conntrackt",
    "delete table inet conntrackt",
    "table inet conntrackt {",
    ...chain("input", "drop", chainBody("incoming", checked.incoming)),
    ...chain("forward", "drop", []),
    ...output,
    "}",
  ];
  return `${lines.join("\n")}\n`;
}
