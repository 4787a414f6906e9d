// Entities (docs/usage.md): the project page and entity page data, each
// in a fixed number of queries, and entity changes with their rules.
import { PROTOCOLS, type Protocol } from "../domain/constants.js";
import { addressText, type PreviewNode } from "../domain/display.js";
import { type ExpiryState, expiryState, todayUtc } from "../domain/expiry.js";
import type { Database, Engine, Tx } from "./engine.js";
import { guardWrite, RefusedChange } from "./errors.js";
import { previewEntities } from "./preview.js";

export interface EntityInput {
  name: string;
  description: string;
  projectId: number;
  locationId: number;
  /** Filter what the entity sends too (docs/usage.md); absent means false. */
  restrictOutgoing?: boolean;
}

export interface EntityRow {
  id: number;
  name: string;
  description: string;
  project: { id: number; name: string };
  location: { id: number; name: string };
  restrictOutgoing: boolean;
}

export interface InterfaceRow {
  id: number;
  name: string;
  description: string;
  address: string;
  netmask: string;
  /** The address as shown (src/domain/display.ts addressText): `fd00:77::21`, `10.0.0.0/255.255.255.0`. */
  display: string;
}

export interface CommunicationEnd {
  entity: { id: number; name: string };
  interface: { id: number; name: string; address: string; netmask: string; display: string };
}

export interface CommunicationRow {
  id: number;
  protocol: Protocol;
  port: number;
  /** Equal to port for one port or type. */
  portEnd: number;
  description: string;
  requestedBy: string;
  reference: string;
  /** The last day the flow is enforced (`YYYY-MM-DD`), or null: it never expires. */
  expires: string | null;
  /** expired, expiring (within 14 days) or active, as of the day the row was read (UTC). */
  expiry: ExpiryState;
  source: CommunicationEnd;
  destination: CommunicationEnd;
}

const entitySelect = {
  id: true,
  name: true,
  description: true,
  project: { select: { id: true, name: true } },
  location: { select: { id: true, name: true } },
  restrictOutgoing: true,
} as const;

const endSelect = {
  id: true,
  name: true,
  address: true,
  netmask: true,
  entity: { select: { id: true, name: true } },
} as const;

/** The columns of a communication itself, without its ends. */
const flowColumns = {
  protocol: true,
  port: true,
  portEnd: true,
  description: true,
  requestedBy: true,
  reference: true,
  expires: true,
} as const;

interface FlowColumns {
  protocol: string;
  port: number;
  portEnd: number;
  description: string;
  requestedBy: string;
  reference: string;
  expires: string | null;
}

/** A communication's own fields as a row carries them, with its expiry state on `today`. */
function flowFields(c: FlowColumns, today: string) {
  return {
    protocol: c.protocol as Protocol,
    port: c.port,
    portEnd: c.portEnd,
    description: c.description,
    requestedBy: c.requestedBy,
    reference: c.reference,
    expires: c.expires,
    expiry: expiryState(c.expires, today),
  };
}

/** An interface as the ends of a communication row carry it. */
const endInterface = (i: { id: number; name: string; address: string; netmask: string }) => ({
  id: i.id,
  name: i.name,
  address: i.address,
  netmask: i.netmask,
  display: addressText(i),
});

export const communicationSelect = {
  id: true,
  ...flowColumns,
  source: { select: endSelect },
  destination: { select: endSelect },
} as const;

type EndRow = { id: number; name: string; address: string; netmask: string; entity: { id: number; name: string } };

export function toCommunicationRow(
  c: FlowColumns & { id: number; source: EndRow; destination: EndRow },
  today: string = todayUtc(),
): CommunicationRow {
  const end = (i: EndRow): CommunicationEnd => ({ entity: i.entity, interface: endInterface(i) });
  return { id: c.id, ...flowFields(c, today), source: end(c.source), destination: end(c.destination) };
}

/**
 * Whether a row read with its relations has them all. Prisma reads relations
 * with further statements; on PostgreSQL each sees what is committed by then
 * (READ COMMITTED), so a parent deleted in between reads as null although the
 * schema says it cannot be. Its deletion cascades: the row is going too, and
 * the callers treat it as gone.
 */
export function whole<T extends object>(row: T | null, ...relations: (keyof T)[]): row is T {
  return row !== null && relations.every((r) => row[r] != null);
}

/**
 * Locks rows until the transaction ends, on PostgreSQL: its READ COMMITTED
 * transactions would otherwise let a check and a concurrent change both pass
 * (an entity moving project while a communication to it is added would join
 * two projects; docs/usage.md). A move locks its row FOR UPDATE before its
 * checks; a communication locks its ends FOR SHARE before its own. SQLite's
 * queue already runs one transaction at a time.
 */
export async function lockRows(
  tx: Tx,
  engine: Engine,
  table: "Entity" | "Interface",
  ids: number[],
  mode: "UPDATE" | "SHARE",
): Promise<void> {
  const unique = [...new Set(ids)].sort((a, b) => a - b);
  if (engine !== "postgresql" || unique.length === 0) return;
  const list = unique.map((_, i) => `$${i + 1}`).join(", ");
  await tx.$queryRawUnsafe(`SELECT id FROM "${table}" WHERE id IN (${list}) ORDER BY id FOR ${mode}`, ...unique);
}

export async function getEntity(db: Database, id: number): Promise<EntityRow | null> {
  const row = await db.run((c) => c.entity.findUnique({ where: { id }, select: entitySelect }));
  return whole(row, "project", "location") ? row : null;
}

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

/** Entities to choose from in forms, labelled `NAME (PROJECT - LOCATION)`. */
export async function listEntities(db: Database, where: { projectId?: number } = {}): Promise<EntityRow[]> {
  const rows = await db.run((c) =>
    c.entity.findMany({
      where,
      select: entitySelect,
      orderBy: [{ project: { name: "asc" } }, { name: "asc" }, { id: "asc" }],
    }),
  );
  return rows.filter((e) => whole(e, "project", "location"));
}

const entityData = (i: EntityInput) => ({
  name: i.name,
  description: i.description,
  projectId: i.projectId,
  locationId: i.locationId,
  // Absent: a new entity takes the default (off), an edited one keeps its setting.
  ...(i.restrictOutgoing === undefined ? {} : { restrictOutgoing: i.restrictOutgoing }),
});

const projectGone = () => new RefusedChange("project", "This project no longer exists: choose another from the list.");
const locationGone = () =>
  new RefusedChange("location", "This location no longer exists: choose another from the list.");
/** A foreign key failure by column; SQLite does not name it, and the project is checked first. */
const parentGone = (column: string) => (column === "locationId" ? locationGone() : projectGone());

/** The entity's project and location still exist: checked inside the transaction that writes. */
async function checkParents(tx: Tx, input: EntityInput): Promise<void> {
  if ((await tx.project.count({ where: { id: input.projectId } })) === 0) throw projectGone();
  if ((await tx.location.count({ where: { id: input.locationId } })) === 0) throw locationGone();
}

/** Creates an entity; a project or location deleted meanwhile is a RefusedChange. */
export async function createEntity(db: Database, input: EntityInput): Promise<EntityRow> {
  const row = await guardWrite(
    () =>
      db.transaction(async (tx) => {
        await checkParents(tx, input);
        return tx.entity.create({ data: entityData(input), select: entitySelect });
      }),
    parentGone,
  );
  if (!row) throw projectGone();
  return row;
}

/** Why an entity cannot change project (docs/usage.md); the message is the form's. */
export class EntityMoveError extends RefusedChange {
  constructor() {
    super("project", "The entity cannot move while it has communications in its current project.");
  }
}

/**
 * Updates an entity; null when it is gone. It may change project only while
 * no communication involves it (docs/usage.md); the checks and the update run
 * in one transaction.
 */
export async function updateEntity(db: Database, id: number, input: EntityInput): Promise<EntityRow | null> {
  return guardWrite(
    () =>
      db.transaction(async (tx) => {
        await lockRows(tx, db.engine, "Entity", [id], "UPDATE");
        const current = await tx.entity.findUnique({ where: { id }, select: { projectId: true } });
        if (!current) return null;
        await checkParents(tx, input);
        if (current.projectId !== input.projectId) {
          const involved = await tx.communication.count({
            where: { OR: [{ source: { entityId: id } }, { destination: { entityId: id } }] },
          });
          if (involved > 0) throw new EntityMoveError();
        }
        const saved = await tx.entity.update({ where: { id }, data: entityData(input), select: entitySelect });
        return whole(saved, "project", "location") ? saved : null;
      }),
    parentGone,
  );
}

/** What the entity's deletion takes along (docs/usage.md); null when it is gone. */
export async function entityDeletionPreview(db: Database, id: number): Promise<PreviewNode[] | null> {
  const [entity] = await db.run((c) => previewEntities(c, { id }, [{ id: "asc" }]));
  return entity ? entity.children : null;
}

/** Deletes the entity with its interfaces and their communications; false when it was gone. */
export async function deleteEntity(db: Database, id: number): Promise<boolean> {
  const done = await guardWrite(() =>
    db.transaction(async (tx) => {
      const interfaces = { entityId: id };
      await tx.communication.deleteMany({ where: { OR: [{ source: interfaces }, { destination: interfaces }] } });
      await tx.interface.deleteMany({ where: interfaces });
      await tx.entity.delete({ where: { id } });
      return true;
    }),
  );
  return done ?? false;
}
