// Builds deletion previews (docs/usage.md): what the deletion of entities or
// of one interface takes along. Flat rows joined here, never nested relations:
// Prisma fetches those with `IN (…)` lists split every few hundred ids, so the
// number of statements would grow with the data (docs/architecture.md). An
// entity scope costs seven queries, an interface four, whatever the size.
import { communicationLabel, entityLabel, interfaceLabel, type PreviewNode } from "../domain/display.js";
import type { Prisma } from "../generated/sqlite/client.js";
import type { Client, Database } from "./engine.js";

interface Interfaces {
  /** Interface nodes of the scope by entity id, each interface's communications by id. */
  byEntity: Map<number, PreviewNode[]>;
  /** Names of the entities at either end of the scope's communications, and of the scope's own. */
  entityNames: Map<number, string>;
}

/** The interfaces matching `scope` with their communications, in four queries. */
async function interfaceNodes(c: Client, scope: Prisma.InterfaceWhereInput): Promise<Interfaces> {
  const ends: Prisma.InterfaceWhereInput = {
    OR: [scope, { outgoing: { some: { destination: scope } } }, { incoming: { some: { source: scope } } }],
  };
  const [interfaces, communications, endInterfaces, entities] = await Promise.all([
    c.interface.findMany({
      where: scope,
      select: { id: true, name: true, address: true, netmask: true, entityId: true },
      orderBy: { name: "asc" },
    }),
    c.communication.findMany({
      where: { OR: [{ source: scope }, { destination: scope }] },
      select: { id: true, sourceId: true, destinationId: true, protocol: true, port: true, portEnd: true },
      orderBy: { id: "asc" },
    }),
    c.interface.findMany({ where: ends, select: { id: true, entityId: true } }),
    c.entity.findMany({ where: { interfaces: { some: ends } }, select: { id: true, name: true } }),
  ]);
  const entityNames = new Map(entities.map((e) => [e.id, e.name]));
  const entityOf = new Map(endInterfaces.map((i) => [i.id, i.entityId]));
  const nameOf = (interfaceId: number) => entityNames.get(entityOf.get(interfaceId) ?? -1) ?? "";

  // Each communication is listed once (issue 13 defect 5): under its source
  // when the source is in the scope, else under its destination.
  const inScope = new Set(interfaces.map((i) => i.id));
  const byInterface = new Map<number, PreviewNode[]>();
  for (const k of communications) {
    const node: PreviewNode = {
      kind: "communication",
      id: k.id,
      label: communicationLabel({
        source: nameOf(k.sourceId),
        destination: nameOf(k.destinationId),
        protocol: k.protocol,
        port: k.port,
        portEnd: k.portEnd,
      }),
      children: [],
    };
    const end = inScope.has(k.sourceId) ? k.sourceId : k.destinationId;
    const list = byInterface.get(end);
    if (list) list.push(node);
    else byInterface.set(end, [node]);
  }

  const byEntity = new Map<number, PreviewNode[]>();
  for (const i of interfaces) {
    const node: PreviewNode = {
      kind: "interface",
      id: i.id,
      label: `${i.name}: ${interfaceLabel({ entity: entityNames.get(i.entityId) ?? "", address: i.address, netmask: i.netmask })}`,
      children: byInterface.get(i.id) ?? [],
    };
    const list = byEntity.get(i.entityId);
    if (list) list.push(node);
    else byEntity.set(i.entityId, [node]);
  }
  return { byEntity, entityNames };
}

/**
 * The entities matching `scope`, in `orderBy` order, each with its interfaces
 * (by name) and their communications (by id).
 */
export async function previewEntities(
  c: Client,
  scope: Prisma.EntityWhereInput,
  orderBy: Prisma.EntityOrderByWithRelationInput[],
): Promise<PreviewNode[]> {
  const [entities, projects, locations, interfaces] = await Promise.all([
    c.entity.findMany({ where: scope, select: { id: true, name: true, projectId: true, locationId: true }, orderBy }),
    c.project.findMany({ where: { entities: { some: scope } }, select: { id: true, name: true } }),
    c.location.findMany({ where: { entities: { some: scope } }, select: { id: true, name: true } }),
    interfaceNodes(c, { entity: scope }),
  ]);
  const projectNames = new Map(projects.map((p) => [p.id, p.name]));
  const locationNames = new Map(locations.map((l) => [l.id, l.name]));
  return entities.map((e) => ({
    kind: "entity",
    id: e.id,
    label: entityLabel({
      name: e.name,
      project: projectNames.get(e.projectId) ?? "",
      location: locationNames.get(e.locationId) ?? "",
    }),
    children: interfaces.byEntity.get(e.id) ?? [],
  }));
}

/** The communications an interface's deletion takes along; null when the interface is gone. */
export async function previewInterface(c: Client, id: number): Promise<PreviewNode[] | null> {
  const { byEntity } = await interfaceNodes(c, { id });
  const [node] = [...byEntity.values()].flat();
  return node ? node.children : null;
}

/** How many entities match `scope` (a location's deletion says whether it took any along). */
export function countScopeEntities(db: Database, scope: Prisma.EntityWhereInput): Promise<number> {
  return db.run((c) => c.entity.count({ where: scope }));
}
