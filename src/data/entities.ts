// Entities (SPEC §2, §3.2, §3.3): the project page and entity page data, each
// in a fixed number of queries, and entity changes with their rules.
import type { Protocol } from "../domain/constants.js";
import type { PreviewNode } from "../domain/display.js";
import type { Database } from "./engine.js";
import { entityPreview, entityPreviewInclude } from "./preview.js";

export interface EntityInput {
  name: string;
  description: string;
  projectId: number;
  locationId: number;
}

export interface EntityRow {
  id: number;
  name: string;
  description: string;
  project: { id: number; name: string };
  location: { id: number; name: string };
}

export interface InterfaceRow {
  id: number;
  name: string;
  description: string;
  address: string;
  netmask: string;
}

export interface CommunicationEnd {
  entity: { id: number; name: string };
  interface: { id: number; name: string; address: string; netmask: string };
}

export interface CommunicationRow {
  id: number;
  protocol: Protocol;
  port: number;
  description: string;
  source: CommunicationEnd;
  destination: CommunicationEnd;
}

const entitySelect = {
  id: true,
  name: true,
  description: true,
  project: { select: { id: true, name: true } },
  location: { select: { id: true, name: true } },
} as const;

const endSelect = {
  id: true,
  name: true,
  address: true,
  netmask: true,
  entity: { select: { id: true, name: true } },
} as const;

export const communicationSelect = {
  id: true,
  protocol: true,
  port: true,
  description: true,
  source: { select: endSelect },
  destination: { select: endSelect },
} as const;

type EndRow = { id: number; name: string; address: string; netmask: string; entity: { id: number; name: string } };

export function toCommunicationRow(c: {
  id: number;
  protocol: string;
  port: number;
  description: string;
  source: EndRow;
  destination: EndRow;
}): CommunicationRow {
  const end = (i: EndRow): CommunicationEnd => ({
    entity: i.entity,
    interface: { id: i.id, name: i.name, address: i.address, netmask: i.netmask },
  });
  return {
    id: c.id,
    protocol: c.protocol as Protocol,
    port: c.port,
    description: c.description,
    source: end(c.source),
    destination: end(c.destination),
  };
}

export function getEntity(db: Database, id: number): Promise<EntityRow | null> {
  return db.run((c) => c.entity.findUnique({ where: { id }, select: entitySelect }));
}

export interface EntityPage {
  entity: EntityRow;
  interfaces: InterfaceRow[];
  incoming: CommunicationRow[];
  outgoing: CommunicationRow[];
}

const commOrder = [{ protocol: "asc" as const }, { port: "asc" as const }, { id: "asc" as const }];

/** The entity page (SPEC §3.3): three queries whatever the entity holds. */
export async function getEntityPage(db: Database, id: number): Promise<EntityPage | null> {
  return db.run(async (c) => {
    const entity = await c.entity.findUnique({
      where: { id },
      select: {
        ...entitySelect,
        interfaces: {
          select: { id: true, name: true, description: true, address: true, netmask: true },
          orderBy: [{ name: "asc" }, { id: "asc" }],
        },
      },
    });
    if (!entity) return null;
    const [incoming, outgoing] = await Promise.all([
      c.communication.findMany({ where: { destination: { entityId: id } }, select: communicationSelect, orderBy: commOrder }),
      c.communication.findMany({ where: { source: { entityId: id } }, select: communicationSelect, orderBy: commOrder }),
    ]);
    const { interfaces, ...rest } = entity;
    return {
      entity: rest,
      interfaces,
      incoming: incoming.map(toCommunicationRow),
      outgoing: outgoing.map(toCommunicationRow),
    };
  });
}

export interface ProjectPage {
  /** Blocks of entities per location, locations alphabetical. */
  locations: { id: number; name: string; entities: { id: number; name: string; description: string }[] }[];
  communications: CommunicationRow[];
  entityIds: number[];
}

/** The project page (SPEC §3.2): two queries whatever the project holds. */
export async function getProjectPage(db: Database, projectId: number): Promise<ProjectPage> {
  const [entities, communications] = await db.run((c) =>
    Promise.all([
      c.entity.findMany({
        where: { projectId },
        select: { id: true, name: true, description: true, location: { select: { id: true, name: true } } },
        orderBy: [{ location: { name: "asc" } }, { name: "asc" }],
      }),
      c.communication.findMany({
        where: { source: { entity: { projectId } } },
        select: communicationSelect,
        orderBy: [{ source: { entity: { name: "asc" } } }, { destination: { entity: { name: "asc" } } }, ...commOrder],
      }),
    ]),
  );
  const blocks = new Map<number, ProjectPage["locations"][number]>();
  for (const e of entities) {
    let block = blocks.get(e.location.id);
    if (!block) {
      block = { id: e.location.id, name: e.location.name, entities: [] };
      blocks.set(e.location.id, block);
    }
    block.entities.push({ id: e.id, name: e.name, description: e.description });
  }
  return {
    locations: [...blocks.values()],
    communications: communications.map(toCommunicationRow),
    entityIds: entities.map((e) => e.id),
  };
}

/** Entities to choose from in forms, labelled `NAME (PROJECT - LOCATION)`. */
export function listEntities(db: Database, where: { projectId?: number } = {}): Promise<EntityRow[]> {
  return db.run((c) =>
    c.entity.findMany({
      where,
      select: entitySelect,
      orderBy: [{ project: { name: "asc" } }, { name: "asc" }, { id: "asc" }],
    }),
  );
}

export function createEntity(db: Database, input: EntityInput): Promise<EntityRow> {
  return db.run((c) => c.entity.create({ data: input, select: entitySelect }));
}

export class EntityMoveError extends Error {}

/**
 * Updates an entity. It may change project only while no communication
 * involves it (SPEC §2); the check and the update run in one transaction.
 */
export async function updateEntity(db: Database, id: number, input: EntityInput): Promise<EntityRow> {
  return db.transaction(async (tx) => {
    const current = await tx.entity.findUniqueOrThrow({ where: { id }, select: { projectId: true } });
    if (current.projectId !== input.projectId) {
      const involved = await tx.communication.count({
        where: { OR: [{ source: { entityId: id } }, { destination: { entityId: id } }] },
      });
      if (involved > 0) throw new EntityMoveError();
    }
    return tx.entity.update({ where: { id }, data: input, select: entitySelect });
  });
}

export async function entityDeletionPreview(db: Database, id: number): Promise<PreviewNode[]> {
  const entity = await db.run((c) => c.entity.findUnique({ where: { id }, include: entityPreviewInclude }));
  return entity ? entityPreview(entity).children : [];
}

export async function deleteEntity(db: Database, id: number): Promise<void> {
  await db.transaction(async (tx) => {
    const interfaces = { entityId: id };
    await tx.communication.deleteMany({ where: { OR: [{ source: interfaces }, { destination: interfaces }] } });
    await tx.interface.deleteMany({ where: interfaces });
    await tx.entity.delete({ where: { id } });
  });
}
