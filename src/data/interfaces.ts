// Interfaces (docs/usage.md): an entity's addresses. Every change records its
// history entries in its transaction (./history.ts).
import type { PreviewNode } from "../domain/display.js";
import { addressFamily } from "../domain/flow-rules.js";
import { created, interfaceRowSnapshot, loadScope, removals, updated } from "./change-records.js";
import type { Database } from "./engine.js";
import { guardWrite, RefusedChange } from "./errors.js";
import { author, Gone, goneAsNull, recordChanges } from "./history.js";
import { lockRow } from "./history-locks.js";
import { previewInterface } from "./preview.js";
import { lockRows, whole } from "./rows.js";

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

/** The fields of an interface its history entry and detail need (also the entity form's rows: src/data/entity-interfaces.ts). */
export const interfaceSelect = {
  id: true,
  name: true,
  description: true,
  address: true,
  netmask: true,
  entity: { select: { id: true, name: true, projectId: true } },
} as const;
const select = interfaceSelect;

export async function getInterface(db: Database, id: number): Promise<InterfaceDetail | null> {
  const row = await db.run((c) => c.interface.findUnique({ where: { id }, select }));
  return whole(row, "entity") ? row : null;
}

const interfaceData = (i: InterfaceInput) => ({
  name: i.name,
  description: i.description,
  entityId: i.entityId,
  address: i.address,
  netmask: i.netmask,
});

const entityGone = () => new RefusedChange("entity", "This entity no longer exists: choose another from the list.");

/** Creates an interface with its history entry; an entity deleted meanwhile is a RefusedChange. */
export async function createInterface(db: Database, input: InterfaceInput): Promise<InterfaceDetail> {
  const by = author(db.engine);
  const row = await guardWrite(
    () =>
      db.transaction(async (tx) => {
        if ((await tx.entity.count({ where: { id: input.entityId } })) === 0) throw entityGone();
        const saved = await tx.interface.create({ data: interfaceData(input), select });
        if (!whole(saved, "entity")) throw entityGone();
        await recordChanges(tx, by, [created(interfaceRowSnapshot(saved))]);
        return saved;
      }),
    entityGone,
  );
  if (!row) throw entityGone();
  return row;
}

/** Why an interface cannot move to the entity chosen; the message is the form's. */
export class InterfaceMoveError extends RefusedChange {
  constructor(message: string) {
    super("entity", message);
  }
}

/** Why an interface's address cannot change family; the message is the form's. */
export class InterfaceFamilyError extends RefusedChange {
  constructor(from: string, to: string) {
    super(
      "address",
      `The address cannot change from ${from} to ${to} while the interface has communications: a communication joins two addresses of one family. Delete its communications first, or add another interface.`,
    );
  }
}

const FAMILY_NAMES = { ipv4: "IPv4", ipv6: "IPv6" } as const;

/**
 * Updates an interface; null when it is gone. It may only move to an entity
 * of the same project, and not to the entity at the other end of one of its
 * communications: that flow would join an entity to itself (docs/usage.md).
 * Its address may change family (IPv4, IPv6) only while no communication uses
 * it: each of them would join two families.
 */
export async function updateInterface(
  db: Database,
  id: number,
  input: InterfaceInput,
): Promise<InterfaceDetail | null> {
  const by = author(db.engine);
  return goneAsNull(() =>
    guardWrite(
      () =>
        db.transaction(async (tx) => {
          // Its entities first, then the interface: the order a deletion locks in (./history-locks.ts).
          const owner = await tx.interface.findUnique({ where: { id }, select: { entityId: true } });
          if (!owner) return null;
          await lockRows(tx, db.engine, "Entity", [owner.entityId, input.entityId], "SHARE");
          await lockRows(tx, db.engine, "Interface", [id], "UPDATE");
          const current = await tx.interface.findUnique({ where: { id }, select });
          if (!whole(current, "entity")) return null;
          const [from, to] = [addressFamily(current.address), addressFamily(input.address)];
          if (from !== to) {
            const flows = await tx.communication.count({ where: { OR: [{ sourceId: id }, { destinationId: id }] } });
            if (flows > 0) throw new InterfaceFamilyError(FAMILY_NAMES[from], FAMILY_NAMES[to]);
          }
          if (current.entity.id !== input.entityId) {
            const target = await tx.entity.findUnique({ where: { id: input.entityId }, select: { projectId: true } });
            if (!target) throw entityGone();
            if (target.projectId !== current.entity.projectId) {
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
          const saved = await tx.interface.update({ where: { id }, data: interfaceData(input), select });
          // Its entity deleted meanwhile (PostgreSQL): the interface is going too; nothing is written.
          if (!whole(saved, "entity")) throw new Gone();
          await recordChanges(tx, by, updated(interfaceRowSnapshot(current), interfaceRowSnapshot(saved)));
          return saved;
        }),
      entityGone,
    ),
  );
}

/** The communications the interface's deletion takes along (docs/usage.md); null when it is gone. */
export function interfaceDeletionPreview(db: Database, id: number): Promise<PreviewNode[] | null> {
  return db.run((c) => previewInterface(c, id));
}

/** Deletes the interface and its communications, a history entry for each; false when it was gone. */
export async function deleteInterface(db: Database, id: number): Promise<boolean> {
  const by = author(db.engine);
  const done = await guardWrite(() =>
    db.transaction(async (tx) => {
      await lockRow(tx, db.engine, "Interface", id);
      const removal = await loadScope(tx, { interface: { id } });
      if (removal.interfaces.length === 0) return false;
      await recordChanges(tx, by, removals(removal));
      await tx.communication.deleteMany({ where: { OR: [{ sourceId: id }, { destinationId: id }] } });
      await tx.interface.delete({ where: { id } });
      return true;
    }),
  );
  return done ?? false;
}
