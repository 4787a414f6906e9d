// Capirca policies for the same hosts and flows as Conntrackt's files
// (bench/capirca.ts, docs/benchmarks.md): one `.pol` file per entity under
// `pol/`, with NETWORK.net and SERVICES.svc definitions beside them, for
// Capirca's `aclgen` (Debian python3-capirca) to render as iptables or
// nftables. Each flow becomes one term accepting it, the same flows the
// generators write: incoming flows in INPUT, outgoing ones in OUTPUT for
// entities that restrict outgoing traffic, IPv4 and IPv6. Capirca names ICMP
// types; a flow whose type has no name there (type 255, left out by
// Conntrackt, among them), and for the nftables target every ICMP and ICMPv6
// flow (Capirca 2.0.6 fails on a single type), has no term and is counted. Each filter ends
// in a deny term: aclgen refuses a filter without terms.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { EntityRulesInput, IncomingFlow } from "../src/domain/types.js";

/** Capirca's names of the ICMP (4) and ICMPv6 (6) types the data sets use. */
const ICMP_NAMES: Record<4 | 6, Record<number, string>> = {
  4: { 0: "echo-reply", 3: "unreachable", 8: "echo-request", 11: "time-exceeded" },
  6: { 1: "destination-unreachable", 2: "packet-too-big", 128: "echo-request", 129: "echo-reply" },
};

export interface PolicyHost {
  id: number;
  name: string;
  input: EntityRulesInput;
}

export interface PolicyTree {
  /** aclgen's --base_directory (holds `pol/`). */
  base: string;
  /** aclgen's --definitions_directory. */
  definitions: string;
  hosts: number;
  terms: number;
  /** Flows without a term (an ICMP type Capirca has no name for). */
  skipped: number;
}

const isIpv6 = (address: string) => address.includes(":");

/** `ADDRESS/PREFIX` of an end: IPv4 netmasks are dotted, IPv6 ones prefix lengths. */
function cidr(end: { address: string; netmask: string }): string {
  if (isIpv6(end.address)) return `${end.address}/${end.netmask}`;
  const bits = end.netmask
    .split(".")
    .map((octet) => Number(octet).toString(2).replace(/0/g, "").length)
    .reduce((a, b) => a + b, 0);
  return `${end.address}/${bits}`;
}

/**
 * Writes the policies of `hosts` for one Capirca target into `dir`:
 * `iptables` (filters `INPUT DROP inet` and `inet6`, and `OUTPUT DROP` ones
 * when the host restricts outgoing traffic) or `nftables` (`mixed INPUT`, and
 * `mixed OUTPUT` likewise).
 */
export function writePolicies(hosts: PolicyHost[], dir: string, target: "iptables" | "nftables"): PolicyTree {
  const base = path.join(dir, "base");
  const definitions = path.join(dir, "def");
  mkdirSync(path.join(base, "pol"), { recursive: true });
  mkdirSync(definitions, { recursive: true });
  const networks = new Map<string, string>();
  const services = new Map<string, string>();
  const network = (end: IncomingFlow["source"]) => {
    const text = cidr(end);
    const known = networks.get(text);
    if (known) return known;
    const name = `N${networks.size + 1}`;
    networks.set(text, name);
    return name;
  };
  const service = (flow: IncomingFlow) => {
    const ports = flow.portEnd && flow.portEnd !== flow.port ? `${flow.port}-${flow.portEnd}` : `${flow.port}`;
    const text = `${ports}/${flow.protocol.toLowerCase()}`;
    const known = services.get(text);
    if (known) return known;
    const name = `S${services.size + 1}`;
    services.set(text, name);
    return name;
  };
  let terms = 0;
  let skipped = 0;
  const term = (flow: IncomingFlow, index: number): string | null => {
    const lines = [
      `term t${index} {`,
      `  source-address:: ${network(flow.source)}`,
      `  destination-address:: ${network(flow.destination)}`,
    ];
    if (flow.protocol === "ICMP" || flow.protocol === "ICMPv6") {
      const type = ICMP_NAMES[flow.protocol === "ICMP" ? 4 : 6][flow.port];
      // Capirca 2.0.6's nftables generator fails on any one ICMP or ICMPv6 type (a list where it joins text).
      if (type === undefined || target === "nftables") {
        skipped++;
        return null;
      }
      lines.push(`  protocol:: ${flow.protocol === "ICMP" ? "icmp" : "icmpv6"}`, `  icmp-type:: ${type}`);
    } else {
      lines.push(`  destination-port:: ${service(flow)}`, `  protocol:: ${flow.protocol.toLowerCase()}`);
    }
    terms++;
    return [...lines, "  action:: accept", "}"].join("\n");
  };
  // Every filter ends in an explicit deny term, as Capirca policies usually do: aclgen refuses a filter
  // without terms, and a host without flows of a family still gets that family's policy.
  const filter = (header: string, flows: IncomingFlow[], counter: { next: number }) => [
    `header {\n  target:: ${header}\n}`,
    ...flows.flatMap((flow) => term(flow, counter.next++) ?? []),
    `term deny-all-${counter.next++} {\n  action:: deny\n}`,
  ];
  for (const host of hosts) {
    const { incoming, outgoing = [], restrictOutgoing } = host.input;
    const counter = { next: 1 };
    const parts: string[] = [];
    const chains: ["INPUT" | "OUTPUT", IncomingFlow[]][] = [["INPUT", incoming]];
    if (restrictOutgoing) chains.push(["OUTPUT", outgoing]);
    for (const [chain, flows] of chains) {
      if (target === "nftables") {
        parts.push(...filter(`nftables mixed ${chain}`, flows, counter));
      } else {
        const v4 = flows.filter((f) => !isIpv6(f.source.address));
        const v6 = flows.filter((f) => isIpv6(f.source.address));
        parts.push(...filter(`iptables ${chain} DROP inet`, v4, counter));
        parts.push(...filter(`iptables ${chain} DROP inet6`, v6, counter));
      }
    }
    writeFileSync(path.join(base, "pol", `host${host.id}.pol`), `${parts.join("\n")}\n`);
  }
  const defs = (map: Map<string, string>) => [...map].map(([text, name]) => `${name} = ${text}`).join("\n");
  writeFileSync(path.join(definitions, "NETWORK.net"), `${defs(networks)}\n`);
  writeFileSync(path.join(definitions, "SERVICES.svc"), `${defs(services)}\n`);
  return { base, definitions, hosts: hosts.length, terms, skipped };
}
