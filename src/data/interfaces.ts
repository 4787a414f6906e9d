// Interfaces (docs/usage.md): an entity's addresses.
import type { PreviewNode } from "../domain/display.js";
import type { Database } from "./engine.js";
import { interfacePreview } from "./preview.js";

export interface InterfaceInput {
  name: string;
  description: string;
  entityId: number;
  address: string;
  netmask: string;
}

export interface InterfaceDetail {
  id: number;
  name: string;
  description: string;
  address: string;
  netmask: string;
  entity: { id: number; name: string; projectId: number };
}

const select = {
  id: true,
  name: true,
  description: true,
  address: true,
  netmask: true,
  entity: { select: { id: true, name: true, projectId: true } },
} as const;

export function getInterface(db: Database, id: number): Promise<InterfaceDetail | null> {
  return db.run((c) => c.interface.findUnique({ where: { id }, select }));
}

const interfaceData = (i: InterfaceInput) => ({
  name: i.name,
  description: i.description,
  entityId: i.entityId,
  address: i.address,
  netmask: i.netmask,
});

export function createInterface(db: Database, input: InterfaceInput): Promise<InterfaceDetail> {
  return db.run((c) => c.interface.create({ data: interfaceData(input), select }));
}

/** Why an interface cannot move to the entity chosen; the message is the form's. */
export class InterfaceMoveError extends Error {}

/**
 * Updates an interface. It may only move to an entity of the same project,
 * and not to the entity at the other end of one of its communications: that
 * flow would join an entity to itself (docs/usage.md).
 */
export async function updateInterface(db: Database, id: number, input: InterfaceInput): Promise<InterfaceDetail> {
  return db.transaction(async (tx) => {
    const current = await tx.interface.findUniqueOrThrow({ where: { id }, select });
    if (current.entity.id !== input.entityId) {
      const target = await tx.entity.findUnique({ where: { id: input.entityId }, select: { projectId: true } });
      if (target?.projectId !== current.entity.projectId) {
        throw new InterfaceMoveError("Choose an entity of the same project.");
      }
      const selfFlows = await tx.communication.count({
        where: {
          OR: [
            { sourceId: id, destination: { entityId: input.entityId } },
            { destinationId: id, source: { entityId: input.entityId } },
          ],
        },
      });
      if (selfFlows > 0) {
        throw new InterfaceMoveError(
          "The interface cannot move to this entity: it has communications with it, and a communication joins two different entities.",
        );
      }
    }
    return tx.interface.update({ where: { id }, data: interfaceData(input), select });
  });
}

const end = { include: { entity: { include: { project: true, location: true } } } } as const;

export async function interfaceDeletionPreview(db: Database, id: number): Promise<PreviewNode[]> {
  const row = await db.run((c) =>
    c.interface.findUnique({
      where: { id },
      include: {
        entity: true,
        outgoing: { include: { source: end, destination: end } },
        incoming: { include: { source: end, destination: end } },
      },
    }),
  );
  return row ? interfacePreview(row.entity.name, row).children : [];
}

export async function deleteInterface(db: Database, id: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.communication.deleteMany({ where: { OR: [{ sourceId: id }, { destinationId: id }] } });
    await tx.interface.delete({ where: { id } });
  });
}
