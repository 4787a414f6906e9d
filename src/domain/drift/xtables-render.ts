// One normalised rule written back as iptables-save prints a rule
// (docs/drift.md): `-A CHAIN -s … -d … -i … -o … -p … MATCH -j TARGET`,
// networks with their prefix length (`/32` and `/128` included).
import type { NormalRule } from "./types.js";
import { formatXtablesPorts, formatXtablesSpan, ICMP, protocolName, TCP } from "./values.js";

export function renderXtablesRule(rule: NormalRule): string {
  const parts = [`-A ${rule.chain}`];
  if (rule.source) parts.push(`-s ${formatXtablesSpan(rule.source)}`);
  if (rule.destination) parts.push(`-d ${formatXtablesSpan(rule.destination)}`);
  if (rule.inInterface) parts.push(`-i ${rule.inInterface.name}`);
  if (rule.outInterface) parts.push(`-o ${rule.outInterface.name}`);
  if (rule.protocol !== undefined) {
    const name = protocolName(rule.protocol);
    parts.push(`-p ${name}`);
    if (rule.ports) {
      const module = rule.protocol === TCP ? "tcp" : "udp";
      parts.push(`-m ${module} --dport ${formatXtablesPorts(rule.ports)}`);
    } else if (rule.icmpType !== undefined) {
      parts.push(
        rule.protocol === ICMP ? `-m icmp --icmp-type ${rule.icmpType}` : `-m icmp6 --icmpv6-type ${rule.icmpType}`,
      );
    }
  }
  if (rule.state) parts.push(`-m state --state ${rule.state.toUpperCase()}`);
  parts.push(`-j ${rule.verdict.toUpperCase()}`);
  return parts.join(" ");
}
