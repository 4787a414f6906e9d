// The iptables-restore and ip6tables-restore files (docs/rules.md): one writer
// for both families, since they differ only in which flows they take, how an
// address is written and the ICMPv6 link rules of the IPv6 file. The public
// faces are generateEntityRules (src/domain/iptables.ts) and
// generateEntityIp6Rules (src/domain/ip6tables.ts), whose headers list the
// decisions of each file.

import {
  type CheckedEnd,
  type CheckedFlow,
  type CheckedInput,
  checkFirewallInput,
  type Family,
  groupedLines,
  ICMPV6_LINK_REASON,
  ICMPV6_LINK_TYPES,
  orderRules,
} from "./firewall.js";
import { headerComment } from "./firewall-text.js";
import { formatIpv4 } from "./ipv4.js";
import { formatIpv6 } from "./ipv6.js";
import type { FirewallInput } from "./types.js";

/** Written before a flow's IPv4 rule when iptables cannot express it (ICMP type 255), making the rule a comment. */
export const ICMP_ANY_NOTE = '# Left out, iptables reads ICMP type 255 as "any type": ';
/** The same for ICMPv6 type 255, left out like ICMP type 255 so every file enforces the same flows. */
export const ICMPV6_ANY_NOTE = '# Left out like ICMP type 255, which iptables reads as "any type": ';

export type Chain = "INPUT" | "OUTPUT";

/** The text of each end already written: ends are shared between the flows of a file (src/domain/firewall.ts). */
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

/** `ADDRESS` for one host; else `ADDRESS/NETMASK` (IPv4, address as stored) or `ADDRESS/PREFIX` (IPv6). */
function formatEnd(end: CheckedEnd): string {
  if (end.family === "ipv6") {
    const address = formatIpv6(end.address);
    return end.prefix === 128 ? address : `${address}/${end.prefix}`;
  }
  const address = formatIpv4(Number(end.address));
  if (end.prefix === 32) return address;
  const mask = end.prefix === 0 ? 0 : (0xffffffff << (32 - end.prefix)) >>> 0;
  return `${address}/${formatIpv4(mask)}`;
}

/** The match of a protocol and its port range or type. */
function match(flow: CheckedFlow): string {
  if (flow.protocol === "ICMP") return `-p icmp -m icmp --icmp-type ${flow.port}`;
  if (flow.protocol === "ICMPv6") return `-p ipv6-icmp -m icmp6 --icmpv6-type ${flow.port}`;
  const name = flow.protocol.toLowerCase();
  const ports = flow.portEnd === flow.port ? `${flow.port}` : `${flow.port}:${flow.portEnd}`;
  return `-p ${name} -m ${name} --dport ${ports}`;
}

/** The line of one flow in a chain: the rule, or the rule commented out for type 255. */
export function xtablesRuleLine(flow: CheckedFlow, chain: Chain): string {
  const rule = `-A ${chain} -s ${endText(flow.source)} -d ${endText(flow.destination)} ${match(flow)} -j ACCEPT`;
  if (!flow.leftOut) return rule;
  return `${flow.protocol === "ICMP" ? ICMP_ANY_NOTE : ICMPV6_ANY_NOTE}${rule}`;
}

/** The ICMPv6 neighbour discovery and MLD rules of a chain, under their comment. */
function icmpv6LinkRules(chain: Chain): string[] {
  const direction = chain === "INPUT" ? "incoming" : "outgoing";
  return [
    `# Accept all ${direction} ${ICMPV6_LINK_REASON}`,
    ...ICMPV6_LINK_TYPES.map(({ type }) => `-A ${chain} -p ipv6-icmp -m icmp6 --icmpv6-type ${type} -j ACCEPT`),
  ];
}

/** The complete restore file of one family, ending in `COMMIT\n`; throws a RangeError on invalid input. */
export function xtablesFile(input: FirewallInput, family: Family): string {
  return xtablesText(checkFirewallInput(input), family);
}

/**
 * The restore file of one family from an input already checked: the ZIP
 * writes both families' files of an entity from one check (src/services/rules-archive.ts).
 */
export function xtablesText(checked: CheckedInput, family: Family): string {
  const ofFamily = (flows: CheckedFlow[]) => flows.filter((flow) => flow.family === family);
  const lines = [
    headerComment(checked.entity),
    "*filter",
    ":INPUT DROP [0:0]",
    ":FORWARD DROP [0:0]",
    `:OUTPUT ${checked.restrictOutgoing ? "DROP" : "ACCEPT"} [0:0]`,
    "# Accept all incoming traffic on loopback interface.",
    "-A INPUT -i lo -j ACCEPT",
    "# Accept all incoming related traffic.",
    "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
    ...(family === "ipv6" ? icmpv6LinkRules("INPUT") : []),
  ];
  if (checked.restrictOutgoing) {
    lines.push(
      "# Accept all outgoing traffic on loopback interface.",
      "-A OUTPUT -o lo -j ACCEPT",
      "# Accept all outgoing related traffic.",
      "-A OUTPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
      ...(family === "ipv6" ? icmpv6LinkRules("OUTPUT") : []),
    );
  }
  lines.push(...groupedLines(orderRules(ofFamily(checked.incoming), (flow) => xtablesRuleLine(flow, "INPUT"))));
  if (checked.restrictOutgoing) {
    lines.push(...groupedLines(orderRules(ofFamily(checked.outgoing), (flow) => xtablesRuleLine(flow, "OUTPUT"))));
  }
  lines.push("COMMIT");
  return `${lines.join("\n")}\n`;
}
