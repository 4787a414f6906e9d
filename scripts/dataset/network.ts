// The network of a generated data set (scripts/dataset.ts): entity roles,
// private addresses by location, and a realistic mix of protocols and ports.
// Addresses are only data: nothing is ever sent to them.
import type { Protocol } from "../../src/domain/constants.js";
import { formatIpv4, prefixToNetmask } from "../../src/domain/ipv4.js";
import { int, type Random, weighted } from "./random.js";

const TCP_SERVICES = [
  [443, "HTTPS", 30],
  [22, "SSH", 14],
  [80, "HTTP", 10],
  [5432, "PostgreSQL", 6],
  [3306, "MySQL", 4],
  [8080, "HTTP alternative", 5],
  [8443, "HTTPS alternative", 3],
  [6379, "Redis", 3],
  [9200, "Elasticsearch", 2],
  [5672, "AMQP", 2],
  [389, "LDAP", 2],
  [636, "LDAPS", 2],
  [25, "SMTP", 2],
  [587, "SMTP submission", 1],
  [993, "IMAPS", 1],
  [3389, "Remote desktop", 1],
  [445, "SMB", 1],
  [1433, "SQL Server", 1],
  [9090, "Prometheus", 2],
  [9100, "Node exporter", 2],
  [2049, "NFS", 1],
  [27017, "MongoDB", 1],
  [53, "DNS over TCP", 1],
] as const;
const UDP_SERVICES = [
  [53, "DNS", 30],
  [123, "NTP", 15],
  [514, "Syslog", 8],
  [161, "SNMP", 8],
  [162, "SNMP traps", 3],
  [67, "DHCP", 3],
  [69, "TFTP", 1],
  [500, "IKE", 2],
  [4500, "IPsec NAT traversal", 2],
  [1812, "RADIUS", 2],
  [5353, "mDNS", 1],
  [51820, "WireGuard", 2],
] as const;
const ICMP_TYPES = [
  [8, "Ping", 60],
  [0, "Echo reply", 10],
  [3, "Destination unreachable", 12],
  [11, "Time exceeded", 8],
  [5, "Redirect", 1],
  [13, "Timestamp", 1],
] as const;
const PROTOCOL_MIX = [
  ["TCP", 75],
  ["UDP", 18],
  ["ICMP", 7],
] as const;

export const HOST_ROLES = [
  "web",
  "app",
  "db",
  "cache",
  "mq",
  "lb",
  "dns",
  "ntp",
  "mail",
  "ldap",
  "mon",
  "log",
  "backup",
  "ci",
  "vpn",
  "proxy",
  "nfs",
  "node",
];
export const SUBNET_ROLES = [
  "office",
  "dmz",
  "guest",
  "lab",
  "vpn-clients",
  "printers",
  "voip",
  "wifi",
  "management",
  "storage",
];

export const ROLE_DESCRIPTIONS: Record<string, string> = {
  web: "Web server",
  app: "Application server",
  db: "Database server",
  cache: "Cache",
  mq: "Message broker",
  lb: "Load balancer",
  dns: "DNS resolver",
  ntp: "Time server",
  mail: "Mail relay",
  ldap: "Directory server",
  mon: "Monitoring",
  log: "Log collector",
  backup: "Backup server",
  ci: "Build server",
  vpn: "VPN gateway",
  proxy: "Forward proxy",
  nfs: "File server",
  node: "Cluster node",
};

/** One flow: protocol, port (or ICMP type) and the name of its service, if any. */
export function flow(random: Random, nasty: boolean): { protocol: Protocol; port: number; service: string } {
  const protocol = weighted(random, PROTOCOL_MIX);
  if (protocol === "ICMP") {
    // Hostile data also asks for odd types, 255 included (iptables reads it as "any type": docs/rules.md).
    // Both draws happen in either mode, so --nasty changes the text but not the flows.
    const odd = random() < 0.1;
    const oddType = int(random, 256);
    if (nasty && odd) return { protocol, port: oddType, service: "" };
    const [port, service] = weighted(
      random,
      ICMP_TYPES.map(([p, s, w]) => [[p, s] as const, w] as const),
    );
    return { protocol, port, service };
  }
  const services = protocol === "TCP" ? TCP_SERVICES : UDP_SERVICES;
  if (random() < 0.8) {
    const [port, service] = weighted(
      random,
      services.map(([p, s, w]) => [[p, s] as const, w] as const),
    );
    return { protocol, port, service };
  }
  const port =
    random() < 0.1 ? 1 + int(random, 1023) : random() < 0.8 ? 1024 + int(random, 48128) : 49152 + int(random, 16384);
  return { protocol, port, service: "" };
}

/**
 * Private address space as /20 "sites" (16 /24 blocks each), in a fixed
 * order mixing the three ranges: 192.168.0.0/16, 172.16.0.0/12, 10.0.0.0/8.
 */
function siteBase(index: number): number {
  const ranges = [
    { base: (192 << 24) | (168 << 16), sites: 16 },
    { base: (172 << 24) | (16 << 16), sites: 256 },
    { base: 10 << 24, sites: 4096 },
  ];
  // Round robin over the ranges while each has sites left.
  let i = index;
  for (let round = 0; ; round++) {
    const open = ranges.filter((r) => r.sites > round);
    if (open.length === 0) throw new Error("the data set needs more addresses than the private ranges hold");
    if (i < open.length) return ((open[i] as { base: number }).base + round * 4096) >>> 0;
    i -= open.length;
  }
}

/** Hands out addresses in the sites of the locations: hosts per interface lane, subnets as aligned blocks. */
export class AddressPlan {
  #nextSite = 0;
  /** Per location: its sites' /24 blocks not yet used. */
  #blocks = new Map<number, number[]>();
  /** Per location and lane: current /24 and next host number. */
  #lanes = new Map<string, { block: number; host: number }>();

  constructor(private readonly random: Random) {}

  /** `size` consecutive free /24 blocks of the location, aligned to `size` (a /22 starts on a multiple of 4). */
  #takeBlocks(location: number, size: number): number {
    const free = this.#blocks.get(location) ?? [];
    this.#blocks.set(location, free);
    for (;;) {
      for (let start = 0; start + size <= free.length; start++) {
        const first = free[start] as number;
        if ((first >>> 8) % size === 0 && consecutive(free, start, size)) return free.splice(start, size)[0] as number;
      }
      const base = siteBase(this.#nextSite++);
      for (let k = 0; k < 16; k++) free.push((base + k * 256) >>> 0);
    }
  }

  host(location: number, lane: number): string {
    const key = `${location}/${lane}`;
    let state = this.#lanes.get(key);
    if (state === undefined || state.host > 250) {
      state = { block: this.#takeBlocks(location, 1), host: 10 };
      this.#lanes.set(key, state);
    }
    const address = formatIpv4((state.block + state.host) >>> 0);
    state.host += 1 + (this.random() < 0.25 ? int(this.random, 4) : 0);
    return address;
  }

  subnet(location: number): { address: string; netmask: string } {
    const prefix = weighted(this.random, [
      [24, 60],
      [25, 8],
      [26, 8],
      [27, 5],
      [28, 5],
      [23, 8],
      [22, 6],
    ] as const);
    const blocks = prefix >= 24 ? 1 : 2 ** (24 - prefix);
    return { address: formatIpv4(this.#takeBlocks(location, blocks)), netmask: prefixToNetmask(prefix) };
  }
}

/** Whether free[start…start+size) are consecutive /24 blocks. */
function consecutive(free: number[], start: number, size: number): boolean {
  if (start + size > free.length) return false;
  for (let k = 1; k < size; k++) if (free[start + k] !== (free[start] as number) + k * 256) return false;
  return true;
}
