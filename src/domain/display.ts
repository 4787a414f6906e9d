// Display strings of docs/usage.md, used in lists, selects, messages and deletion previews.
import { HOST_NETMASK } from "./constants.js";

export function entityLabel(e: { name: string; project: string; location: string }): string {
  return `${e.name} (${e.project} - ${e.location})`;
}

/** The prefix length an IPv6 interface stores for one host. */
const IPV6_HOST_PREFIX = "128";

/**
 * An interface's address as shown: `ADDRESS` for one host (IPv4 or IPv6),
 * `ADDRESS/NETMASK` for an IPv4 network, `ADDRESS/PREFIX` for an IPv6 one.
 * IPv4 netmasks are stored dotted and IPv6 ones as a prefix length, so a
 * stored `128` is always an IPv6 host.
 */
export function addressText(i: { address: string; netmask: string }): string {
  return isHostNetmask(i.netmask) ? i.address : `${i.address}/${i.netmask}`;
}

/** Whether a stored netmask means one host: `255.255.255.255` (IPv4) or `128` (IPv6). */
export function isHostNetmask(netmask: string): boolean {
  return netmask === HOST_NETMASK || netmask === IPV6_HOST_PREFIX;
}

export function interfaceLabel(i: { entity: string; address: string; netmask: string }): string {
  return `${i.entity} (${addressText(i)})`;
}

/** `22` for one port or type, `8000-8100` for a range. */
export function portsText(c: { port: number; portEnd?: number }): string {
  return c.portEnd === undefined || c.portEnd === c.port ? String(c.port) : `${c.port}-${c.portEnd}`;
}

export function communicationLabel(c: {
  source: string;
  destination: string;
  protocol: string;
  port: number;
  portEnd?: number;
}): string {
  return `${c.source} -> ${c.destination} (${c.protocol}:${portsText(c)})`;
}

/** One line of a deletion preview with what goes along with it. */
export interface PreviewNode {
  kind: "entity" | "interface" | "communication";
  id: number;
  label: string;
  children: PreviewNode[];
}

export interface PreviewCounts {
  entities: number;
  interfaces: number;
  communications: number;
}

/** Counts the distinct objects of a preview (a communication is listed under both of its ends). */
export function countPreview(nodes: PreviewNode[]): PreviewCounts {
  const seen = { entity: new Set<number>(), interface: new Set<number>(), communication: new Set<number>() };
  const walk = (list: PreviewNode[]) => {
    for (const n of list) {
      seen[n.kind].add(n.id);
      walk(n.children);
    }
  };
  walk(nodes);
  return { entities: seen.entity.size, interfaces: seen.interface.size, communications: seen.communication.size };
}
