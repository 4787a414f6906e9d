// The ip6tables-restore file of one entity (docs/rules.md), for the next
// version; not wired into the app yet. Every entity gets one, even without IPv6
// interfaces, so a host loading both files never keeps an open IPv6 side.
//
// Decisions (the rest as in src/domain/iptables.ts, whose writer it shares):
// - Same header, defaults and standing rules as the IPv4 file, then, before the
//   communication rules, acceptance of ICMPv6 neighbour discovery (types 133,
//   134, 135, 136) and multicast listener discovery (130, 131, 132, 143;
//   RFC 4890) under a comment saying why: without them the host drops off an
//   IPv6 network, at once for neighbour discovery, after a few minutes behind an
//   MLD-snooping switch. With restrictOutgoing the OUTPUT chain accepts them too.
// - Only IPv6 flows are written. An end is `ADDRESS` for one host (/128),
//   `ADDRESS/PREFIX` otherwise, in RFC 5952 form re-formatted from its value;
//   an address with host bits past its prefix is refused (src/domain/ipv6.ts).
// - ICMPv6 is `-p ipv6-icmp -m icmp6 --icmpv6-type T`; TCP/UDP as in IPv4,
//   ranges `--dport FIRST:LAST`. Order, duplicates and comments as in IPv4,
//   addresses compared as 128-bit numbers.
// - ICMPv6 type 255 is written commented out, prefixed with ICMPV6_ANY_NOTE,
//   like ICMP type 255 in the IPv4 file, so the three files (nftables too)
//   always enforce the same flows.
import { xtablesFile } from "./firewall-xtables.js";
import type { FirewallInput } from "./types.js";

export { ICMPV6_ANY_NOTE } from "./firewall-xtables.js";

/** The complete ip6tables-restore file of an entity (docs/rules.md), ending in `COMMIT\n`; throws a RangeError on invalid flows. */
export function generateEntityIp6Rules(input: FirewallInput): string {
  return xtablesFile(input, "ipv6");
}
