// Builds deletion previews (docs/usage.md) from entities loaded with their
// interfaces and the communications using them, in a fixed number of queries.
import { communicationLabel, entityLabel, interfaceLabel, type PreviewNode } from "../domain/display.js";
import type { Prisma } from "../generated/sqlite/client.js";

const end = { include: { entity: { include: { project: true, location: true } } } } as const;

/** The `include` that loads what an entity's deletion takes along. */
export const entityPreviewInclude = {
  project: true,
  location: true,
  interfaces: {
    orderBy: { name: "asc" },
    include: {
      outgoing: { include: { source: end, destination: end }, orderBy: { id: "asc" } },
      incoming: { include: { source: end, destination: end }, orderBy: { id: "asc" } },
    },
  },
} as const satisfies Prisma.EntityInclude;

type PreviewEntity = Prisma.EntityGetPayload<{ include: typeof entityPreviewInclude }>;
type PreviewInterface = PreviewEntity["interfaces"][number];
type PreviewCommunication = PreviewInterface["outgoing"][number];

export function communicationPreview(c: PreviewCommunication): PreviewNode {
  return {
    kind: "communication",
    id: c.id,
    label: communicationLabel({
      source: c.source.entity.name,
      destination: c.destination.entity.name,
      protocol: c.protocol,
      port: c.port,
    }),
    children: [],
  };
}

export function interfacePreview(entityName: string, i: PreviewInterface): PreviewNode {
  const communications = [...i.outgoing, ...i.incoming].sort((a, b) => a.id - b.id).map(communicationPreview);
  return {
    kind: "interface",
    id: i.id,
    label: `${i.name}: ${interfaceLabel({ entity: entityName, address: i.address, netmask: i.netmask })}`,
    children: communications,
  };
}

export function entityPreview(e: PreviewEntity): PreviewNode {
  return {
    kind: "entity",
    id: e.id,
    label: entityLabel({ name: e.name, project: e.project.name, location: e.location.name }),
    children: e.interfaces.map((i) => interfacePreview(e.name, i)),
  };
}
