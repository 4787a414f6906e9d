// An entity saved with its interfaces in one transaction (docs/usage.md
// "Forms": the entity form's Interfaces rows). The entity is created or
// updated as createEntity and updateEntity do (./entities.ts), then the rows
// marked Delete are deleted with their communications, the changed rows
// updated and the new rows created, each with the history entry the single
// interface forms record (./interfaces.ts). All or nothing: a refused row
// rolls everything back.

import { addressFamily } from "../domain/flow-rules.js";
import type { InterfaceRowData, InterfaceRowInput } from "../validation/entity-interfaces.js";
import { duplicateRowMessages, rowField } from "../validation/entity-interfaces.js";
import { created, interfaceRowSnapshot, loadScope, removals, updated } from "./change-records.js";
import type { Database, Tx } from "./engine.js";
import { createEntityIn, type EntityInput, parentGone, updateEntityIn } from "./entities.js";
import { guardWrite, RefusedChange, uniqueViolationFields } from "./errors.js";
import { author, goneAsNull, recordChanges } from "./history.js";
import { lockEntityScope } from "./history-locks.js";
import { InterfaceFamilyError, interfaceSelect } from "./interfaces.js";
import type { EntityRow } from "./rows.js";

/** An interface of the entity as its form row shows it. */
export interface EntityInterfaceItem {
  id: number;
  name: string;
  description: string;
  address: string;
  netmask: string;
  /** The communications its deletion takes along. */
  communications: number;
}

/** The entity's interfaces by name, each with its number of communications. */
export async function listEntityInterfaces(db: Database, entityId: number): Promise<EntityInterfaceItem[]> {
  const rows = await db.run((c) =>
    c.interface.findMany({
      where: { entityId },
      select: {
        id: true,
        name: true,
        description: true,
        address: true,
        netmask: true,
        _count: { select: { outgoing: true, incoming: true } },
      },
      orderBy: [{ name: "asc" }, { id: "asc" }],
    }),
  );
  return rows.map(({ _count, ...i }) => ({ ...i, communications: _count.outgoing + _count.incoming }));
}

/** Rows refused by what only the database knows: a message per row field, like a form's. */
export class InterfaceRowsRefused extends RefusedChange {
  constructor(readonly errors: Record<string, string>) {
    const [field, message] = Object.entries(errors)[0] ?? ["_form", "An interface row was refused."];
    super(field, message);
  }
}

export interface EntityWithInterfacesOutcome {
  entity: EntityRow;
  added: number;
  changed: number;
  deleted: number;
}

const select = interfaceSelect;

const FAMILY_NAMES = { ipv4: "IPv4", ipv6: "IPv6" } as const;

const sameFields = (a: InterfaceRowData, b: InterfaceRowData) =>
  a.name === b.name && a.description === b.description && a.address === b.address && a.netmask === b.netmask;

/** A unique violation of one row's write (none is expected: the entity's interfaces are locked) on that row. */
async function onRow<T>(index: number, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const fields = uniqueViolationFields(error);
    if (fields === null) throw error;
    const field = fields.includes("address") ? "address" : "name";
    throw new InterfaceRowsRefused({ [rowField(index, field)]: duplicateRowMessages[field] });
  }
}

/**
 * Creates (`entityId` null) or updates the entity, then applies its interface
 * rows, in one transaction. Null when the entity is gone; a refused entity
 * field is a RefusedChange, refused rows an InterfaceRowsRefused.
 */
export async function saveEntityWithInterfaces(
  db: Database,
  entityId: number | null,
  input: EntityInput,
  rows: readonly InterfaceRowInput[],
): Promise<EntityWithInterfacesOutcome | null> {
  const by = author(db.engine);
  return goneAsNull(() =>
    guardWrite(
      () =>
        db.transaction(async (tx) => {
          let entity: EntityRow | null;
          if (entityId === null) {
            entity = await createEntityIn(tx, by, input);
          } else {
            // The entity and its interfaces, as a deletion locks them (./history-locks.ts).
            await lockEntityScope(tx, db.engine, entityId);
            entity = await updateEntityIn(tx, by, entityId, input);
            if (!entity) return null;
          }
          const counts = await applyRows(tx, by, entity.id, rows);
          return { entity, ...counts };
        }),
      parentGone,
    ),
  );
}

async function applyRows(
  tx: Tx,
  by: ReturnType<typeof author>,
  entityId: number,
  rows: readonly InterfaceRowInput[],
): Promise<{ added: number; changed: number; deleted: number }> {
  const current = await tx.interface.findMany({ where: { entityId }, select, orderBy: { id: "asc" } });
  const byId = new Map(current.map((i) => [i.id, i]));
  const errors: Record<string, string> = {};
  const deletes: number[] = [];
  const updates: { index: number; before: (typeof current)[number]; data: InterfaceRowData }[] = [];
  const creates: { index: number; data: InterfaceRowData }[] = [];
  for (const row of rows) {
    if (row.id === null) {
      if (row.data) creates.push({ index: row.index, data: row.data });
      continue;
    }
    const before = byId.get(row.id);
    if (!before) {
      errors[rowField(row.index, "name")] =
        "This interface no longer belongs to this entity: it was deleted or moved meanwhile.";
    } else if (row.delete) {
      deletes.push(row.id);
    } else if (row.data && !sameFields(before, row.data)) {
      updates.push({ index: row.index, before, data: row.data });
    }
  }

  // An address may change family only while no communication uses it (./interfaces.ts).
  const refamilied = updates.filter((u) => addressFamily(u.before.address) !== addressFamily(u.data.address));
  if (refamilied.length > 0) {
    const ids = refamilied.map((u) => u.before.id);
    const flows = await tx.communication.findMany({
      where: { OR: [{ sourceId: { in: ids } }, { destinationId: { in: ids } }] },
      select: { sourceId: true, destinationId: true },
    });
    const used = new Set(flows.flatMap((f) => [f.sourceId, f.destinationId]));
    for (const u of refamilied) {
      if (!used.has(u.before.id)) continue;
      const refusal = new InterfaceFamilyError(
        FAMILY_NAMES[addressFamily(u.before.address)],
        FAMILY_NAMES[addressFamily(u.data.address)],
      );
      errors[rowField(u.index, "address")] = refusal.message;
    }
  }

  // Names and addresses unique among the interfaces the entity will have:
  // those the form leaves alone first, so a changed or new row is the one refused.
  const changedIds = new Set([...deletes, ...updates.map((u) => u.before.id)]);
  const final: { index: number | null; data: InterfaceRowData }[] = [
    ...current.filter((i) => !changedIds.has(i.id)).map((i) => ({ index: null, data: i })),
    ...updates.map((u) => ({ index: u.index, data: u.data })),
    ...creates,
  ];
  const names = new Set<string>();
  const addresses = new Set<string>();
  for (const { index, data } of final) {
    const address = `${data.address}/${data.netmask}`;
    if (index !== null && names.has(data.name)) errors[rowField(index, "name")] ??= duplicateRowMessages.name;
    else if (index !== null && addresses.has(address)) {
      errors[rowField(index, "address")] ??= duplicateRowMessages.address;
    }
    names.add(data.name);
    addresses.add(address);
  }
  if (Object.keys(errors).length > 0) throw new InterfaceRowsRefused(errors);

  // Deletions first, with their communications, as the single deletion does.
  if (deletes.length > 0) {
    const scope = { id: { in: deletes } };
    const removal = await loadScope(tx, { interface: scope });
    await recordChanges(tx, by, removals(removal));
    await tx.communication.deleteMany({ where: { OR: [{ source: scope }, { destination: scope }] } });
    await tx.interface.deleteMany({ where: scope });
  }
  // Two changed rows may swap names or addresses: each first takes a value no
  // row can have (a control character, which names and addresses refuse; not
  // NUL, which PostgreSQL text refuses).
  if (updates.length > 1) {
    for (const u of updates) {
      await tx.interface.update({
        where: { id: u.before.id },
        data: { name: `\u0001${u.before.id}`, address: `\u0001${u.before.id}` },
      });
    }
  }
  for (const u of updates) {
    const saved = await onRow(u.index, () =>
      tx.interface.update({ where: { id: u.before.id }, data: { ...u.data }, select }),
    );
    await recordChanges(tx, by, updated(interfaceRowSnapshot(u.before), interfaceRowSnapshot(saved)));
  }
  for (const c of creates) {
    const saved = await onRow(c.index, () => tx.interface.create({ data: { ...c.data, entityId }, select }));
    await recordChanges(tx, by, [created(interfaceRowSnapshot(saved))]);
  }
  return { added: creates.length, changed: updates.length, deleted: deletes.length };
}
