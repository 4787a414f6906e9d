// The version 2 network of a dual-stack data set (scripts/dataset/dual-stack.ts):
// unique local IPv6 addresses (fd00::/16, RFC 4193 space) by location, port
// ranges and ICMPv6 types. Addresses are only data: nothing is ever sent to them.
//
// Layout: location L (0-based) owns fd00:L+1::/32. Hosts of interface lane k
// sit in fd00:L+1:0:B::/64 (B = k, then k + lanes, … when one fills up),
// numbered from ::10 upwards with small gaps, as the IPv4 plan does; subnets
// are fd00:L+1:N::/48, /56 or /64 (N = 1, 2, …), so they never overlap hosts.
import type { Protocol } from "../../src/domain/constants.js";
import { formatIpv6 } from "../../src/domain/ipv6.js";
import { flow } from "./network.js";
import { int, type Random, weighted } from "./random.js";

export type Family = "ipv4" | "ipv6";

/** Ranges real services need (RTP, VNC, passive FTP, NodePorts, …), with their weights. */
const RANGE_SERVICES = {
  TCP: [
    [5900, 5903, "VNC", 4],
    [8000, 8100, "Application ports", 4],
    [30000, 32767, "Kubernetes NodePorts", 3],
    [50000, 50100, "Passive FTP", 3],
    [6000, 6007, "X11", 1],
    [9000, 9009, "Worker pool", 2],
  ],
  UDP: [
    [10000, 20000, "RTP media", 5],
    [60000, 61000, "Mosh", 2],
    [33434, 33534, "Traceroute", 2],
    [16384, 32767, "RTP (voice)", 2],
  ],
} as const;

const ICMPV6_TYPES = [
  [128, "Ping", 60],
  [129, "Echo reply", 10],
  [1, "Destination unreachable", 12],
  [2, "Packet too big", 10],
  [3, "Time exceeded", 6],
  [4, "Parameter problem", 2],
] as const;

/** One version 2 flow: protocol, first and last port (or the ICMP/ICMPv6 type twice) and its service. */
export interface FlowV2 {
  protocol: Protocol;
  port: number;
  portEnd: number;
  service: string;
}

/** A flow of the family: the version 1 mix, ICMP becoming ICMPv6 for IPv6, and about 6 % of TCP/UDP flows ranges. */
export function flowV2(random: Random, family: Family, nasty: boolean): FlowV2 {
  const one = flow(random, nasty);
  if (one.protocol === "ICMP") {
    if (family === "ipv4") return { ...one, portEnd: one.port };
    const odd = random() < 0.1;
    const oddType = int(random, 256);
    if (nasty && odd) return { protocol: "ICMPv6", port: oddType, portEnd: oddType, service: "" };
    const [type, service] = weighted(
      random,
      ICMPV6_TYPES.map(([t, s, w]) => [[t, s] as const, w] as const),
    );
    return { protocol: "ICMPv6", port: type, portEnd: type, service };
  }
  if (random() >= 0.06) return { ...one, portEnd: one.port };
  const protocol = one.protocol as "TCP" | "UDP";
  if (random() < 0.7) {
    const [port, portEnd, service] = weighted(
      random,
      RANGE_SERVICES[protocol].map(([p, e, s, w]) => [[p, e, s] as const, w] as const),
    );
    return { protocol, port, portEnd, service };
  }
  const port = 1024 + int(random, 60000);
  return { protocol, port, portEnd: port + 1 + int(random, 200), service: "" };
}

const ULA = 0xfd00n << 112n;
/** Host numbers of one /64 block before the next block is used. */
const HOSTS_PER_BLOCK = 0xfff0;
const SUBNETS_PER_GROUP = 0xffff;

/** Hands out IPv6 hosts per location and interface lane, and subnets per location. */
export class Ipv6Plan {
  /** Per location and lane: how many blocks it has filled, and the next host number. */
  #lanes = new Map<string, { filled: number; host: number }>();
  /** Per location: subnets handed out. */
  #subnets = new Map<number, number>();

  /** `lanes`: interfaces per entity, so block `filled × lanes + lane` is the lane's own. */
  constructor(
    private readonly random: Random,
    private readonly lanes: number,
  ) {}

  host(location: number, lane: number): string {
    const key = `${location}/${lane}`;
    const state = this.#lanes.get(key) ?? { filled: 0, host: 0x10 };
    this.#lanes.set(key, state);
    if (state.host > HOSTS_PER_BLOCK) {
      state.filled += 1;
      state.host = 0x10;
    }
    const block = BigInt(state.filled * this.lanes + lane);
    const value = ULA | (BigInt(location + 1) << 96n) | (block << 64n) | BigInt(state.host);
    state.host += 1 + (this.random() < 0.25 ? int(this.random, 4) : 0);
    return formatIpv6(value);
  }

  subnet(location: number): { address: string; netmask: string } {
    const n = this.#subnets.get(location) ?? 0;
    this.#subnets.set(location, n + 1);
    const drawn = weighted(this.random, [
      [64, 70],
      [56, 15],
      [48, 15],
    ] as const);
    // Past the first 65,535 subnets of a location the fourth group numbers them too: /64 only.
    const group = Math.floor(n / SUBNETS_PER_GROUP);
    const prefix = group === 0 ? drawn : 64;
    const value =
      ULA | (BigInt(location + 1) << 96n) | (BigInt(1 + (n % SUBNETS_PER_GROUP)) << 80n) | (BigInt(group) << 64n);
    return { address: formatIpv6(value), netmask: String(prefix) };
  }
}
