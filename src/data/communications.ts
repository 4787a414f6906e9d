// Communications (docs/usage.md): flows between interfaces of one project.
// Every change records its history entry in its transaction (./history.ts).
import type { Protocol } from "../domain/constants.js";
import { interfaceLabel } from "../domain/display.js";
import { addressFamily, familyMessages, flowFamilyIssue } from "../domain/flow-rules.js";
import { compareByName } from "../domain/sort.js";
import { created, deleted, loadCommunication, updated } from "./change-records.js";
import type { Database, Engine, Tx } from "./engine.js";
import { foreignKeyColumn, guardWrite, isRecordNotFound, isUniqueViolation, RefusedChange } from "./errors.js";
import { type Author, author, recordChanges } from "./history.js";
import { lockRow } from "./history-locks.js";
import { type CommunicationRow, communicationSelect, lockRows, toCommunicationRow, whole } from "./rows.js";

export interface CommunicationInput {
  sourceId: number;
  destinationId: number;
  protocol: Protocol;
  port: number;
  /** Last port of a TCP/UDP range; absent or equal to port for one port or type. */
  portEnd?: number;
  description: string;
  /** Who asked for the flow; absent means "". */
  requestedBy?: string;
  /** Ticket or change number; absent means "". */
  reference?: string;
  /** The last day the flow is enforced, `YYYY-MM-DD` (UTC); absent or null: never expires. */
  expires?: string | null;
}

const communicationData = (i: CommunicationInput) => ({
  sourceId: i.sourceId,
  destinationId: i.destinationId,
  protocol: i.protocol,
  port: i.port,
  portEnd: i.portEnd ?? i.port,
  description: i.description,
  requestedBy: i.requestedBy ?? "",
  reference: i.reference ?? "",
  expires: i.expires ?? null,
});

export function getCommunication(db: Database, id: number): Promise<(CommunicationRow & { projectId: number }) | null> {
  return db.run(async (c) => {
    const row = await c.communication.findUnique({
      where: { id },
      select: {
        ...communicationSelect,
        source: {
          select: {
            ...communicationSelect.source.select,
            entity: { select: { id: true, name: true, projectId: true } },
          },
        },
      },
    });
    // An end or its entity deleted between Prisma's statements: the communication is going too.
    if (!whole(row, "source", "destination") || !whole(row.source, "entity") || !whole(row.destination, "entity")) {
      return null;
    }
    return { ...toCommunicationRow(row), projectId: row.source.entity.projectId };
  });
}

export interface InterfaceOption {
  value: number;
  label: string;
  entityId: number;
  /** The select's group: `LOCATION › ENTITY` (docs/usage.md "Forms"). */
  group: string;
}

/**
 * Interfaces of a project's entities, labelled `ENTITY (ADDRESS[/NETMASK])`
 * plus the interface name, in the one order (../domain/sort.ts): by location,
 * then entity, then interface name.
 */
export async function projectInterfaceOptions(db: Database, projectId: number): Promise<InterfaceOption[]> {
  const rows = await db.run((c) =>
    c.interface.findMany({
      where: { entity: { projectId } },
      select: {
        id: true,
        name: true,
        address: true,
        netmask: true,
        entity: { select: { id: true, name: true, location: { select: { id: true, name: true } } } },
      },
      orderBy: [{ entity: { name: "asc" } }, { name: "asc" }, { id: "asc" }],
    }),
  );
  return rows
    .filter((i) => whole(i, "entity") && whole(i.entity, "location"))
    .sort(
      (a, b) =>
        compareByName(a.entity.location, b.entity.location) || compareByName(a.entity, b.entity) || compareByName(a, b),
    )
    .map((i) => ({
      value: i.id,
      entityId: i.entity.id,
      group: `${i.entity.location.name} › ${i.entity.name}`,
      label: `${interfaceLabel({ entity: i.entity.name, address: i.address, netmask: i.netmask })} ${i.name}`,
    }));
}

export class CommunicationEndsError extends RefusedChange {
  constructor(
    override readonly field: "source" | "destination" | "protocol",
    message: string,
  ) {
    super(field, message);
  }
}

/** An end deleted after the check (PostgreSQL): SQLite does not name the column, and the source is checked first. */
const endGone = (column: string) =>
  column === "destinationId"
    ? new CommunicationEndsError("destination", "This destination interface no longer exists: choose another.")
    : new CommunicationEndsError("source", "This source interface no longer exists: choose another.");

/**
 * Checks docs/usage.md rules for the two ends inside the transaction that
 * writes: interfaces of different entities of the given project, of one
 * address family, which the protocol fits (ICMP IPv4, ICMPv6 IPv6).
 */
/**
 * Locks interfaces and their entities FOR SHARE until the write commits
 * (lockRows), entities first: a deletion locks its scope from the top down
 * (./history-locks.ts), and the other order let the two wait for each other
 * until PostgreSQL broke the deadlock.
 */
async function lockEnds(tx: Tx, engine: Engine, ids: number[]): Promise<void> {
  const ownersOf = async () =>
    (await tx.interface.findMany({ where: { id: { in: ids } }, select: { entityId: true } })).map((o) => o.entityId);
  const owners = await ownersOf();
  await lockRows(tx, engine, "Entity", owners, "SHARE");
  await lockRows(tx, engine, "Interface", ids, "SHARE");
  // An end that moved to another entity before its lock: that entity is held too.
  const moved = (await ownersOf()).filter((id) => !owners.includes(id));
  await lockRows(tx, engine, "Entity", moved, "SHARE");
}

async function checkEnds(tx: Tx, engine: Engine, projectId: number, input: CommunicationInput): Promise<void> {
  // The ends and their entities stay as checked until the write commits.
  await lockEnds(tx, engine, [input.sourceId, input.destinationId]);
  // One statement (a relation filter, not a relation read), so it sees one
  // state of the database even on PostgreSQL.
  const ends = await tx.interface.findMany({
    where: { id: { in: [input.sourceId, input.destinationId] }, entity: { projectId } },
    select: { id: true, entityId: true, address: true },
  });
  const source = ends.find((e) => e.id === input.sourceId);
  const destination = ends.find((e) => e.id === input.destinationId);
  if (!source) throw new CommunicationEndsError("source", "Choose a source interface of this project.");
  if (!destination) throw new CommunicationEndsError("destination", "Choose a destination interface of this project.");
  if (source.entityId === destination.entityId)
    throw new CommunicationEndsError("destination", "Source and destination must be on different entities.");
  const family = flowFamilyIssue(input.protocol, addressFamily(source.address), addressFamily(destination.address));
  // Mixed ends: the destination is the field to change, as for the other pair rules; else the protocol.
  if (family !== null)
    throw new CommunicationEndsError(family === familyMessages.mixed ? "destination" : "protocol", family);
}

/** Creates a communication with its history entry; returns its id. */
export async function createCommunication(db: Database, projectId: number, input: CommunicationInput): Promise<number> {
  const by = author(db.engine);
  const id = await guardWrite(
    () =>
      db.transaction(async (tx) => {
        await checkEnds(tx, db.engine, projectId, input);
        const row = await tx.communication.create({ data: communicationData(input), select: { id: true } });
        const after = await loadCommunication(tx, row.id);
        if (!after) throw endGone("");
        await recordChanges(tx, by, [created(after)]);
        return row.id;
      }),
    endGone,
  );
  if (id === null) throw endGone("");
  return id;
}

/**
 * The update of one communication inside a transaction, with its history
 * entry when a field changed; false when it is gone. `check` runs on the row
 * as it is once locked (the bulk edit's "changed meanwhile" test).
 */
async function updateInTx(
  tx: Tx,
  engine: Engine,
  by: Author,
  id: number,
  projectId: number,
  input: CommunicationInput,
  check?: (row: { updatedAt: Date }) => void,
): Promise<boolean> {
  // Its ends, old and new, before the row itself: the order a deletion locks in.
  const current = await tx.communication.findUnique({
    where: { id },
    select: { sourceId: true, destinationId: true },
  });
  if (!current) return false;
  await lockEnds(tx, engine, [current.sourceId, current.destinationId, input.sourceId, input.destinationId]);
  await lockRow(tx, engine, "Communication", id);
  const before = await loadCommunication(tx, id);
  if (!before) return false;
  if (check) {
    const locked = await tx.communication.findUnique({ where: { id }, select: { updatedAt: true } });
    if (!locked) return false;
    check(locked);
  }
  await checkEnds(tx, engine, projectId, input);
  await tx.communication.update({ where: { id }, data: communicationData(input) });
  const after = await loadCommunication(tx, id);
  if (!after) throw endGone("");
  await recordChanges(tx, by, updated(before, after));
  return true;
}

/** Updates a communication, with its history entry when a field changed; false when it is gone. */
export async function updateCommunication(
  db: Database,
  id: number,
  projectId: number,
  input: CommunicationInput,
): Promise<boolean> {
  const by = author(db.engine);
  const done = await guardWrite(
    () => db.transaction((tx) => updateInTx(tx, db.engine, by, id, projectId, input)),
    endGone,
  );
  return done ?? false;
}

/** One row of a bulk edit: the communication, its new fields, and the `updatedAt` the editor saw. */
export interface BulkCommunicationChange {
  id: number;
  input: CommunicationInput;
  /** The row's updatedAt when its form was read; a later one means someone else changed it meanwhile. */
  seen: Date;
}

/** Why a bulk edit saved nothing: the row and its field (`_row` for the row as a whole) with the message. */
export class BulkRowRefused extends Error {
  constructor(
    readonly id: number,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export const CHANGED_MEANWHILE =
  "Someone else changed this communication after the page was read: check its values, then save again to keep yours.";
export const GONE_MEANWHILE = "This communication was deleted after the page was read.";
export const DUPLICATE_FLOW =
  "This communication (same source, destination, protocol and port or port range) already exists.";

/**
 * Updates several communications of one project in ONE transaction, each as
 * updateCommunication does (locks, the ends' rules, a history entry per row
 * that changed): all are saved or none. The first refused row throws
 * BulkRowRefused and rolls every row back. Returns the number of rows saved.
 */
export async function updateCommunications(
  db: Database,
  projectId: number,
  changes: readonly BulkCommunicationChange[],
): Promise<number> {
  const by = author(db.engine);
  // By id: two bulk edits of overlapping rows lock them in one order, so neither waits on the other's next row.
  const ordered = [...changes].sort((a, b) => a.id - b.id);
  return db.transaction(async (tx) => {
    for (const change of ordered) {
      const refuse = (field: string, message: string) => new BulkRowRefused(change.id, field, message);
      let done: boolean;
      try {
        done = await updateInTx(tx, db.engine, by, change.id, projectId, change.input, (row) => {
          if (row.updatedAt.getTime() !== change.seen.getTime()) throw refuse("_row", CHANGED_MEANWHILE);
        });
      } catch (error) {
        if (error instanceof BulkRowRefused) throw error;
        // The ends are not edited here: their refusals are about the row as a whole.
        if (error instanceof CommunicationEndsError)
          throw refuse(error.field === "protocol" ? "protocol" : "_row", error.message);
        if (isUniqueViolation(error)) throw refuse("port", DUPLICATE_FLOW);
        if (isRecordNotFound(error)) throw refuse("_row", GONE_MEANWHILE);
        if (foreignKeyColumn(error) !== null) throw refuse("_row", GONE_MEANWHILE);
        throw error;
      }
      if (!done) throw refuse("_row", GONE_MEANWHILE);
    }
    return changes.length;
  });
}

/** Deletes a communication with its history entry; false when it was gone. */
export async function deleteCommunication(db: Database, id: number): Promise<boolean> {
  const by = author(db.engine);
  const done = await guardWrite(() =>
    db.transaction(async (tx) => {
      await lockRow(tx, db.engine, "Communication", id);
      const before = await loadCommunication(tx, id);
      if (!before) return false;
      await recordChanges(tx, by, [deleted(before)]);
      await tx.communication.delete({ where: { id }, select: { id: true } });
      return true;
    }),
  );
  return done ?? false;
}
