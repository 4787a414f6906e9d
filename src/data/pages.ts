// The project page and entity page data (docs/usage.md), each in a fixed
// number of queries whatever the project holds.
import { PROTOCOLS } from "../domain/constants.js";
import { addressText } from "../domain/display.js";
import { todayUtc } from "../domain/expiry.js";
import type { Database } from "./engine.js";
import {
  type CommunicationEnd,
  type CommunicationRow,
  type EntityRow,
  endInterface,
  entitySelect,
  type FlowColumns,
  flowColumns,
  flowFields,
  type InterfaceRow,
  whole,
} from "./rows.js";

export interface EntityPage {
  entity: EntityRow;
  interfaces: InterfaceRow[];
  incoming: CommunicationRow[];
  outgoing: CommunicationRow[];
}

// Pages load flat rows and join them here: Prisma fetches nested relations
// with `IN (…)` lists that it splits every few hundred ids, which would make
// the number of statements grow with the data.

interface FlatCommunication extends FlowColumns {
  id: number;
  sourceId: number;
  destinationId: number;
}

interface FlatInterface {
  id: number;
  name: string;
  address: string;
  netmask: string;
  entityId: number;
}

const flatCommunication = {
  id: true,
  sourceId: true,
  destinationId: true,
  ...flowColumns,
} as const;
const flatInterface = { id: true, name: true, address: true, netmask: true, entityId: true } as const;

function joinCommunications(
  rows: FlatCommunication[],
  interfaces: FlatInterface[],
  entities: { id: number; name: string }[],
  today: string = todayUtc(),
): CommunicationRow[] {
  const ifaces = new Map(interfaces.map((i) => [i.id, i]));
  const names = new Map(entities.map((e) => [e.id, e.name]));
  const end = (interfaceId: number): CommunicationEnd => {
    const i = ifaces.get(interfaceId);
    if (!i) throw new Error(`interface ${interfaceId} missing from the page query`);
    return {
      entity: { id: i.entityId, name: names.get(i.entityId) ?? "" },
      interface: endInterface(i),
    };
  };
  return rows.map((c) => ({
    id: c.id,
    ...flowFields(c, today),
    source: end(c.sourceId),
    destination: end(c.destinationId),
  }));
}

const compareText = (a: string, b: string) => a.localeCompare(b);

/** Protocol in PROTOCOLS order, then the first port, then the last (docs/usage.md). */
function byProtocolPort(a: CommunicationRow, b: CommunicationRow): number {
  return (
    PROTOCOLS.indexOf(a.protocol) - PROTOCOLS.indexOf(b.protocol) ||
    a.port - b.port ||
    a.portEnd - b.portEnd ||
    a.id - b.id
  );
}

/** The entity page (docs/usage.md): six queries whatever the entity holds. */
export async function getEntityPage(db: Database, id: number): Promise<EntityPage | null> {
  return db.run(async (c) => {
    const entity = await c.entity.findUnique({ where: { id }, select: entitySelect });
    if (!whole(entity, "project", "location")) return null;
    // Interfaces and entities at the other end of this entity's communications.
    const otherEnds = {
      OR: [
        { outgoing: { some: { destination: { entityId: id } } } },
        { incoming: { some: { source: { entityId: id } } } },
      ],
    };
    const [interfaces, incoming, outgoing, others, otherEntities] = await Promise.all([
      c.interface.findMany({
        where: { entityId: id },
        select: { id: true, name: true, description: true, address: true, netmask: true, entityId: true },
        orderBy: [{ name: "asc" }, { id: "asc" }],
      }),
      c.communication.findMany({ where: { destination: { entityId: id } }, select: flatCommunication }),
      c.communication.findMany({ where: { source: { entityId: id } }, select: flatCommunication }),
      c.interface.findMany({ where: otherEnds, select: flatInterface }),
      c.entity.findMany({ where: { interfaces: { some: otherEnds } }, select: { id: true, name: true } }),
    ]);
    const allInterfaces = [...interfaces, ...others];
    const allEntities = [{ id: entity.id, name: entity.name }, ...otherEntities];
    return {
      entity,
      interfaces: interfaces.map(({ entityId: _, ...i }) => ({ ...i, display: addressText(i) })),
      incoming: joinCommunications(incoming, allInterfaces, allEntities).sort(byProtocolPort),
      outgoing: joinCommunications(outgoing, allInterfaces, allEntities).sort(byProtocolPort),
    };
  });
}

export interface ProjectPage {
  /** Blocks of entities per location, locations alphabetical. */
  locations: { id: number; name: string; entities: { id: number; name: string; description: string }[] }[];
  communications: CommunicationRow[];
  /** The flows that are expired or expire within 14 days, expired first, then by date (docs/usage.md). */
  expiring: CommunicationRow[];
  entityIds: number[];
}

/** The project page (docs/usage.md): four queries whatever the project holds. */
export async function getProjectPage(db: Database, projectId: number): Promise<ProjectPage> {
  const [entities, locations, interfaces, communications] = await db.run((c) =>
    Promise.all([
      c.entity.findMany({
        where: { projectId },
        select: { id: true, name: true, description: true, locationId: true },
      }),
      c.location.findMany({ where: { entities: { some: { projectId } } }, select: { id: true, name: true } }),
      c.interface.findMany({ where: { entity: { projectId } }, select: flatInterface }),
      c.communication.findMany({ where: { source: { entity: { projectId } } }, select: flatCommunication }),
    ]),
  );
  const blocks = locations
    .sort((a, b) => compareText(a.name, b.name) || a.id - b.id)
    .map((l) => ({
      id: l.id,
      name: l.name,
      entities: entities
        .filter((e) => e.locationId === l.id)
        .sort((a, b) => compareText(a.name, b.name) || a.id - b.id)
        .map(({ id, name, description }) => ({ id, name, description })),
    }));
  const rows = joinCommunications(communications, interfaces, entities).sort(
    (a, b) =>
      compareText(a.source.entity.name, b.source.entity.name) ||
      compareText(a.destination.entity.name, b.destination.entity.name) ||
      byProtocolPort(a, b),
  );
  return {
    locations: blocks,
    communications: rows,
    expiring: rows
      .filter((r) => r.expiry !== "active")
      .sort((a, b) => (a.expires ?? "").localeCompare(b.expires ?? "") || a.id - b.id),
    entityIds: entities.map((e) => e.id).sort((a, b) => a - b),
  };
}
