// The questions of the reach kernel proof (test/e2e/reach-kernel.test.ts),
// worked out from the project model alone: recorded flows, near misses,
// random sources inside and outside the recorded networks, the restricting
// host to every destination; and which entity holds an address (the longest
// prefix among all interfaces, found by a plain scan), which decides the lab
// machine an address lives on.
import type { AnalysisModel } from "../../src/domain/analysis-model.js";
import type { Protocol } from "../../src/domain/constants.js";
import { formatIpv4, parseIpv4, prefixLength } from "../../src/domain/ipv4.js";
import { formatIpv6, parseIpv6 } from "../../src/domain/ipv6.js";
import { seeded } from "./analysis-model.js";

type Family = "ipv4" | "ipv6";

export interface Address {
  family: Family;
  value: bigint;
  text: string;
}

export type ProbeKind =
  | "recorded flow"
  | "port past the range"
  | "other protocol"
  | "source just outside"
  | "random source inside a network"
  | "random source outside"
  | "from the restricting host"
  | "to itself";

export interface ReachProbe {
  kind: ProbeKind;
  family: Family;
  from: Address;
  to: Address;
  protocol: Protocol;
  port: number;
}

interface Net {
  family: Family;
  first: bigint;
  last: bigint;
  prefix: number;
  entityId: number;
}

const bits = (family: Family) => (family === "ipv4" ? 32 : 128);

function netOf(address: string, netmask: string, entityId: number): Net {
  const v4 = parseIpv4(address);
  const family: Family = v4 === null ? "ipv6" : "ipv4";
  const value = v4 === null ? (parseIpv6(address) as bigint) : BigInt(v4);
  const prefix = v4 === null ? Number(netmask) : (prefixLength(netmask) as number);
  const size = 1n << BigInt(bits(family) - prefix);
  const first = (value / size) * size;
  return { family, first, last: first + size - 1n, prefix, entityId };
}

export const addressOf = (family: Family, value: bigint): Address => ({
  family,
  value,
  text: family === "ipv4" ? formatIpv4(Number(value)) : formatIpv6(value),
});

const netsCache = new WeakMap<AnalysisModel, Net[]>();
function nets(model: AnalysisModel): Net[] {
  let found = netsCache.get(model);
  if (found === undefined) {
    found = model.interfaces.map((i) => netOf(i.address, i.netmask, i.entityId));
    netsCache.set(model, found);
  }
  return found;
}

/** The entity holding the address most specifically, or null; throws when two do (a shared address). */
export function ownerOf(model: AnalysisModel, a: Address): number | null {
  let best = -1;
  let owners = new Set<number>();
  for (const n of nets(model)) {
    if (n.family !== a.family || a.value < n.first || a.value > n.last) continue;
    if (n.prefix > best) [best, owners] = [n.prefix, new Set([n.entityId])];
    else if (n.prefix === best) owners.add(n.entityId);
  }
  if (owners.size > 1) throw new Error(`${a.text} is held by ${owners.size} entities: the lab needs one machine`);
  return owners.size === 0 ? null : ([...owners][0] as number);
}

/** Addresses outside every generated project's interfaces. */
const OUTSIDE: Net[] = [
  netOf("10.99.0.0", "255.255.0.0", 0),
  netOf("192.168.200.0", "255.255.255.0", 0),
  netOf("fd00:99::", "64", 0),
  netOf("2001:db8:1::", "64", 0),
];

/** The probes of a model (module header), seeded; `skipped` counts pairs of one subnet entity's hosts. */
export function planReachProbes(model: AnalysisModel, seed: number): { probes: ReachProbe[]; skipped: number } {
  const random = seeded(seed * 7919 + 17);
  const int = (below: number) => Math.floor(random() * below);
  const bigRandom = () => [0, 1, 2, 3].reduce((acc) => (acc << 32n) | BigInt(int(2 ** 32)), 0n);
  const ifaceNet = new Map(model.interfaces.map((i, n) => [i.id, nets(model)[n] as Net]));
  /** A random address inside the network, not its first or last (a host's is its address). */
  const inside = (n: Net): Address => {
    const size = n.last - n.first + 1n;
    return addressOf(n.family, size <= 2n ? n.first : n.first + 1n + (bigRandom() % (size - 2n)));
  };
  // A few addresses per network interface, so each lab machine holds a bounded number.
  const pools = new Map<number, Address[]>();
  const pooled = (interfaceId: number): Address => {
    const n = ifaceNet.get(interfaceId) as Net;
    let pool = pools.get(interfaceId);
    if (pool === undefined) {
      pool =
        n.last === n.first
          ? [addressOf(n.family, n.first)]
          : [1n, -1n].map((d) => addressOf(n.family, d > 0n ? n.first + d : n.last + d));
      pool.push(inside(n), inside(n));
      pools.set(interfaceId, pool);
    }
    return pool[int(pool.length)] as Address;
  };

  const probes: ReachProbe[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  const add = (kind: ProbeKind, from: Address, to: Address, protocol: Protocol, port: number) => {
    const icmp = protocol === "ICMP" || protocol === "ICMPv6";
    if (port < (icmp ? 0 : 1) || port > (icmp ? 255 : 65535)) return;
    const key = `${from.text} ${to.text} ${protocol} ${port}`;
    if (seen.has(key)) return;
    seen.add(key);
    const owner = ownerOf(model, to);
    if (owner === null) throw new Error(`${to.text} is no address of the project`);
    if (from.value !== to.value && ownerOf(model, from) === owner) {
      skipped++;
      return;
    }
    probes.push({ kind, family: to.family, from, to, protocol, port });
  };

  for (const c of model.communications) {
    const source = ifaceNet.get(c.sourceId) as Net;
    const to = pooled(c.destinationId);
    const ranged = c.protocol === "TCP" || c.protocol === "UDP";
    const ports = ranged ? [...new Set([c.port, Math.floor((c.port + c.portEnd) / 2), c.portEnd])] : [c.port];
    for (const port of ports) add("recorded flow", pooled(c.sourceId), to, c.protocol, port);
    if (ranged) {
      add("port past the range", pooled(c.sourceId), to, c.protocol, c.port - 1);
      add("port past the range", pooled(c.sourceId), to, c.protocol, c.portEnd + 1);
      add("other protocol", pooled(c.sourceId), to, c.protocol === "TCP" ? "UDP" : "TCP", c.port);
    }
    // Just below the source network for one flow, just above it for the next.
    const max = (1n << BigInt(bits(source.family))) - 1n;
    const below = c.id % 2 === 0 ? source.first > 0n : source.last === max;
    const outside = below ? source.first - 1n : source.last + 1n;
    add("source just outside", addressOf(source.family, outside), to, c.protocol, c.port);
  }

  const networks = model.interfaces.filter(
    (i) => (ifaceNet.get(i.id) as Net).prefix < bits((ifaceNet.get(i.id) as Net).family),
  );
  const flowOfFamily = (family: Family) => {
    const ofFamily = model.communications.filter((c) => ifaceNet.get(c.destinationId)?.family === family);
    return ofFamily[int(ofFamily.length)];
  };
  for (let n = 0; n < 60 && networks.length > 0; n++) {
    const net = ifaceNet.get((networks[int(networks.length)] as (typeof networks)[number]).id) as Net;
    const c = flowOfFamily(net.family);
    if (c !== undefined)
      add("random source inside a network", inside(net), pooled(c.destinationId), c.protocol, c.port);
  }
  for (let n = 0; n < 40; n++) {
    const net = OUTSIDE[int(OUTSIDE.length)] as Net;
    const c = flowOfFamily(net.family);
    if (c !== undefined) add("random source outside", inside(net), pooled(c.destinationId), c.protocol, c.port);
  }

  const restricting = new Set(model.entities.filter((e) => e.restrictOutgoing).map((e) => e.id));
  for (const i of model.interfaces.filter((i) => restricting.has(i.entityId))) {
    const own = ifaceNet.get(i.id) as Net;
    const from = addressOf(own.family, own.first);
    for (const c of model.communications) {
      if (ifaceNet.get(c.destinationId)?.family === own.family) {
        add("from the restricting host", from, pooled(c.destinationId), c.protocol, c.port);
      }
    }
    add("to itself", from, from, "TCP", 2222);
    add("to itself", from, from, own.family === "ipv4" ? "ICMP" : "ICMPv6", own.family === "ipv4" ? 8 : 128);
  }
  return { probes, skipped };
}
