// Display strings of docs/usage.md, used in lists, selects, messages and deletion previews.
import { HOST_NETMASK } from "./constants.js";

export function entityLabel(e: { name: string; project: string; location: string }): string {
  return `${e.name} (${e.project} - ${e.location})`;
}

export function interfaceLabel(i: { entity: string; address: string; netmask: string }): string {
  return i.netmask === HOST_NETMASK ? `${i.entity} (${i.address})` : `${i.entity} (${i.address}/${i.netmask})`;
}

export function communicationLabel(c: { source: string; destination: string; protocol: string; port: number }): string {
  return `${c.source} -> ${c.destination} (${c.protocol}:${c.port})`;
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
