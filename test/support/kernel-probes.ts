// What the dual-stack kernel proof (test/e2e/dual-stack-kernel.test.ts) sends
// and what it expects, worked out from the project as recorded (an interchange
// document's project), never from the generated files: one lab machine per
// entity carrying an address of each of its interfaces (a network interface: an
// address inside the network), the probes, and the oracle saying which of them
// the firewalls must let through (docs/rules.md):
// - A probe reaches its destination machine when some flow recorded towards
//   that entity (not expired, not ICMP type 255, which every format leaves out)
//   covers its source and destination addresses, protocol and port; and, when
//   the source entity restricts outgoing traffic, some flow recorded from that
//   entity covers it too.
// - Probes: for each recorded flow its first, middle and last port (ICMP and
//   ICMPv6: the type); the port just past it; the other protocol (TCP and UDP
//   swapped; ICMP and ICMPv6 probed over UDP); the same service over the other
//   family when both machines have it; the same service from a machine outside
//   the flow's source; and, from every machine, a TCP connection to a bystander
//   machine with no firewall, outside the project, which only machines that do
//   not restrict outgoing traffic may open; and each flow left out of the files
//   (expired, or ICMP type 255) at its first port.
import type { Protocol } from "../../src/domain/constants.js";
import { isExpired } from "../../src/domain/expiry.js";
import { formatIpv4, parseIpv4, prefixLength } from "../../src/domain/ipv4.js";
import { formatIpv6, parseIpv6 } from "../../src/domain/ipv6.js";
import type { ProbeRequest } from "./kernel-lab.js";

/** The parts of an interchange document's project the proof reads (version 2 fields optional). */
export interface ModelProject {
  entities: {
    name: string;
    restrictOutgoing?: boolean;
    interfaces: { name: string; address: string; netmask: string }[];
  }[];
  communications: {
    source: { entity: string; interface: string };
    destination: { entity: string; interface: string };
    protocol: Protocol;
    port: number;
    portEnd?: number;
    expires?: string | null;
  }[];
}

type Family = "ipv4" | "ipv6";

/** An interface as numbers: family, network address and prefix length. */
interface Net {
  family: Family;
  address: bigint;
  prefix: number;
}

function netOf(address: string, netmask: string): Net {
  const v4 = parseIpv4(address);
  if (v4 !== null) return { family: "ipv4", address: BigInt(v4), prefix: prefixLength(netmask) ?? 32 };
  const v6 = parseIpv6(address);
  if (v6 === null) throw new Error(`not an address: ${address}`);
  return { family: "ipv6", address: v6, prefix: Number(netmask) };
}

const bits = (family: Family) => (family === "ipv4" ? 32 : 128);
const textOf = (family: Family, value: bigint) => (family === "ipv4" ? formatIpv4(Number(value)) : formatIpv6(value));

function contains(net: Net, family: Family, address: bigint): boolean {
  if (net.family !== family) return false;
  const shift = BigInt(bits(family) - net.prefix);
  return address >> shift === net.address >> shift;
}

/** The bystander: no firewall, addresses of the documentation ranges, which no generated project uses. */
export const BYSTANDER = { key: "bystand", ipv4: "198.51.100.1", ipv6: "2001:db8:ff::1", port: 9 } as const;

export interface Machine {
  key: string;
  /** The entity it stands for, or null for the bystander. */
  entity: string | null;
  restrictOutgoing: boolean;
  /** Its address on each of the entity's interfaces, by interface name. */
  addressOf: Map<string, { family: Family; value: bigint; text: string }>;
  /** Those of its addresses that stand for a network interface (an address inside the network). */
  networkAddresses: Set<string>;
}

export type ProbeKind =
  | "flow"
  | "past the range"
  | "other protocol"
  | "other family"
  | "unrecorded source"
  | "left out"
  | "outgoing to a bystander";

export interface PlannedProbe {
  kind: ProbeKind;
  from: Machine;
  to: Machine;
  request: ProbeRequest;
  /** The oracle's answer: the firewalls must let it through. */
  expected: boolean;
  /** For kind "flow": the index of the communication it sends, in the project's list. */
  flow?: number;
}

export interface ProbePlan {
  machines: Machine[];
  probes: PlannedProbe[];
  /** Flows no probe can send (left out of the files: type 255, expired), counted for the report. */
  leftOut: number;
}

/**
 * The machines, probes and expected outcomes of a project on `today`.
 * A network interface's machine address is the first address from network + 10
 * (+ 1 for small networks) that no other machine holds.
 */
export function planProbes(project: ModelProject, today: string): ProbePlan {
  const taken = new Set<string>();
  for (const e of project.entities) {
    for (const i of e.interfaces) {
      const net = netOf(i.address, i.netmask);
      if (net.prefix === bits(net.family)) taken.add(`${net.family} ${net.address}`);
    }
  }
  const machines: Machine[] = project.entities.map((e, index) => {
    const addressOf = new Map<string, { family: Family; value: bigint; text: string }>();
    const networkAddresses = new Set<string>();
    for (const i of e.interfaces) {
      const net = netOf(i.address, i.netmask);
      let value = net.address;
      if (net.prefix < bits(net.family)) {
        value = net.address + (net.prefix <= bits(net.family) - 5 ? 10n : 1n);
        while (taken.has(`${net.family} ${value}`) && contains(net, net.family, value + 1n)) value += 1n;
        taken.add(`${net.family} ${value}`);
        networkAddresses.add(textOf(net.family, value));
      }
      addressOf.set(i.name, { family: net.family, value, text: textOf(net.family, value) });
    }
    const restrictOutgoing = e.restrictOutgoing === true;
    return { key: `m${index}`, entity: e.name, restrictOutgoing, addressOf, networkAddresses };
  });
  const bystander: Machine = {
    key: BYSTANDER.key,
    entity: null,
    restrictOutgoing: false,
    networkAddresses: new Set(),
    addressOf: new Map([
      ["ipv4", { family: "ipv4", value: BigInt(parseIpv4(BYSTANDER.ipv4) ?? 0), text: BYSTANDER.ipv4 }],
      ["ipv6", { family: "ipv6", value: parseIpv6(BYSTANDER.ipv6) ?? 0n, text: BYSTANDER.ipv6 }],
    ]),
  };
  machines.push(bystander);

  const nets = new Map<string, Net>();
  for (const e of project.entities)
    for (const i of e.interfaces) nets.set(`${e.name}/${i.name}`, netOf(i.address, i.netmask));
  const endNet = (end: { entity: string; interface: string }) => {
    const net = nets.get(`${end.entity}/${end.interface}`);
    if (net === undefined) throw new Error(`unknown interface ${end.entity}/${end.interface}`);
    return net;
  };
  const live = project.communications.filter(
    (c) => !isExpired(c.expires, today) && !((c.protocol === "ICMP" || c.protocol === "ICMPv6") && c.port === 255),
  );
  const machineOf = (entity: string) => machines.find((m) => m.entity === entity) as Machine;

  /** The oracle (module header). */
  const lets = (
    from: Machine,
    to: Machine,
    protocol: Protocol,
    port: number,
    family: Family,
    src: bigint,
    dst: bigint,
  ) => {
    const covers = (c: (typeof live)[number]) =>
      c.protocol === protocol &&
      port >= c.port &&
      port <= (c.portEnd ?? c.port) &&
      contains(endNet(c.source), family, src) &&
      contains(endNet(c.destination), family, dst);
    const inbound = to.entity === null || live.some((c) => c.destination.entity === to.entity && covers(c));
    const outbound = !from.restrictOutgoing || live.some((c) => c.source.entity === from.entity && covers(c));
    return inbound && outbound;
  };

  const probes: PlannedProbe[] = [];
  const seen = new Set<string>();
  const add = (kind: ProbeKind, from: Machine, to: Machine, protocol: Protocol, port: number, family: Family) => {
    const src = [...from.addressOf.values()].find((a) => a.family === family);
    const dst = [...to.addressOf.values()].find((a) => a.family === family);
    if (src === undefined || dst === undefined) return;
    addBetween(kind, from, to, protocol, port, src, dst);
  };
  const addBetween = (
    kind: ProbeKind,
    from: Machine,
    to: Machine,
    protocol: Protocol,
    port: number,
    src: { family: Family; value: bigint; text: string },
    dst: { family: Family; value: bigint; text: string },
    flow?: number,
  ) => {
    const request = { protocol, from: src.text, to: dst.text, port };
    const key = JSON.stringify(request);
    if (port > 65535 || seen.has(key)) return;
    seen.add(key);
    const expected = lets(from, to, protocol, port, src.family, src.value, dst.value);
    probes.push({ kind, from, to, request, expected, ...(flow === undefined ? {} : { flow }) });
  };

  for (const c of project.communications.filter((c) => !live.includes(c))) {
    const src = machineOf(c.source.entity).addressOf.get(c.source.interface);
    const dst = machineOf(c.destination.entity).addressOf.get(c.destination.interface);
    if (src === undefined || dst === undefined) throw new Error(`no machine address for a flow's end`);
    addBetween("left out", machineOf(c.source.entity), machineOf(c.destination.entity), c.protocol, c.port, src, dst);
  }
  for (const c of live) {
    const from = machineOf(c.source.entity);
    const to = machineOf(c.destination.entity);
    const src = from.addressOf.get(c.source.interface);
    const dst = to.addressOf.get(c.destination.interface);
    if (src === undefined || dst === undefined) throw new Error(`no machine address for a flow's end`);
    const last = c.portEnd ?? c.port;
    const ported = c.protocol === "TCP" || c.protocol === "UDP";
    const ports = ported ? [...new Set([c.port, Math.floor((c.port + last) / 2), last])] : [c.port];
    const index = project.communications.indexOf(c);
    for (const port of ports) addBetween("flow", from, to, c.protocol, port, src, dst, index);
    if (ported) addBetween("past the range", from, to, c.protocol, last + 1, src, dst);
    const other: Protocol = c.protocol === "TCP" ? "UDP" : c.protocol === "UDP" ? "TCP" : "UDP";
    addBetween("other protocol", from, to, other, c.port, src, dst);
    const otherFamily: Family = src.family === "ipv4" ? "ipv6" : "ipv4";
    const swapped: Protocol = c.protocol === "ICMP" ? "ICMPv6" : c.protocol === "ICMPv6" ? "ICMP" : c.protocol;
    add("other family", from, to, swapped, c.port, otherFamily);
    const stranger = machines.find(
      (m) =>
        m !== from &&
        m !== to &&
        m.entity !== null &&
        [...m.addressOf.values()].some(
          (a) => a.family === src.family && !contains(endNet(c.source), a.family, a.value),
        ),
    );
    if (stranger !== undefined) add("unrecorded source", stranger, to, c.protocol, c.port, src.family);
  }
  for (const m of machines) {
    if (m === bystander) continue;
    for (const family of ["ipv4", "ipv6"] as const)
      add("outgoing to a bystander", m, bystander, "TCP", BYSTANDER.port, family);
  }
  return { machines, probes, leftOut: project.communications.length - live.length };
}

/** The TCP and UDP ports each machine must serve for the probes sent to it. */
export function servedPorts(plan: ProbePlan, machine: Machine): { tcp: number[]; udp: number[] } {
  const sent = plan.probes.filter((p) => p.to === machine);
  const ports = (protocol: Protocol) =>
    [...new Set(sent.filter((p) => p.request.protocol === protocol).map((p) => p.request.port))].sort((a, b) => a - b);
  return { tcp: ports("TCP"), udp: ports("UDP") };
}
