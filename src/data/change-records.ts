// The change history's records (docs/usage.md "Change history"): what each
// object looked like before and after a change, read inside the transaction
// that changes it, and the entry a change becomes. src/data/history.ts
// writes them; every write function of the five kinds calls it.
import type { ChangeAction, Fields, FieldValue, ObjectType } from "../domain/changes.js";
import { communicationLabel, entityLabel, interfaceLabel, portsText } from "../domain/display.js";
import type { Prisma } from "../generated/sqlite/client.js";
import type { Tx } from "./engine.js";
import { type FlowColumns, flowColumns } from "./rows.js";

/** One object as the history records it at one moment. */
export interface Snapshot {
  type: ObjectType;
  id: number;
  display: string;
  /** Null for a location. */
  projectId: number | null;
  /** The entity itself, an interface's entity, a communication's source entity. */
  entityId: number | null;
  /** A communication's destination entity. */
  peerEntityId: number | null;
  fields: Record<string, FieldValue>;
}

/** A change as the history stores it. */
export interface ChangeRecord {
  action: ChangeAction;
  objectType: ObjectType;
  objectId: number;
  display: string;
  projectId: number | null;
  entityId: number | null;
  peerEntityId: number | null;
  before: Fields | null;
  after: Fields | null;
}

/** A creation (no before), a deletion (no after) or an update; the scope and display are the object's as it is after. */
export function changeOf(before: Snapshot | null, after: Snapshot | null): ChangeRecord {
  const now = after ?? before;
  if (now === null) throw new Error("a change needs a before or an after");
  return {
    action: before === null ? "create" : after === null ? "delete" : "update",
    objectType: now.type,
    objectId: now.id,
    display: now.display,
    projectId: now.projectId,
    entityId: now.entityId,
    peerEntityId: now.peerEntityId,
    before: before?.fields ?? null,
    after: after?.fields ?? null,
  };
}

export const created = (after: Snapshot) => changeOf(null, after);
export const deleted = (before: Snapshot) => changeOf(before, null);

/** An update's entry, or none when it changed no field (a form saved as it was). */
export function updated(before: Snapshot, after: Snapshot): ChangeRecord[] {
  const same =
    before.display === after.display &&
    Object.keys({ ...before.fields, ...after.fields }).every((k) => before.fields[k] === after.fields[k]);
  return same ? [] : [changeOf(before, after)];
}

/** The deletions of what a removal takes along, in the order they happen: communications, interfaces, entities. */
export function removals(r: Removal): ChangeRecord[] {
  return [...r.communications, ...r.interfaces, ...r.entities].map(deleted);
}

export function projectSnapshot(p: { id: number; name: string; description: string }): Snapshot {
  return {
    type: "project",
    id: p.id,
    display: p.name,
    projectId: p.id,
    entityId: null,
    peerEntityId: null,
    fields: { name: p.name, description: p.description },
  };
}

export function locationSnapshot(l: { id: number; name: string; description: string }): Snapshot {
  return { ...projectSnapshot(l), type: "location", projectId: null };
}

export interface EntityFacts {
  id: number;
  name: string;
  description: string;
  restrictOutgoing: boolean;
  projectId: number;
  /** The project's and the location's names. */
  project: string;
  location: string;
}

export function entitySnapshot(e: EntityFacts): Snapshot {
  return {
    type: "entity",
    id: e.id,
    display: entityLabel(e),
    projectId: e.projectId,
    entityId: e.id,
    peerEntityId: null,
    fields: {
      name: e.name,
      description: e.description,
      project: e.project,
      location: e.location,
      restrictOutgoing: e.restrictOutgoing,
    },
  };
}

export interface InterfaceFacts {
  id: number;
  name: string;
  description: string;
  address: string;
  netmask: string;
  entityId: number;
  /** The entity's name. */
  entity: string;
  projectId: number;
}

export function interfaceSnapshot(i: InterfaceFacts): Snapshot {
  return {
    type: "interface",
    id: i.id,
    display: interfaceLabel(i),
    projectId: i.projectId,
    entityId: i.entityId,
    peerEntityId: null,
    fields: { name: i.name, description: i.description, entity: i.entity, address: i.address, netmask: i.netmask },
  };
}

/** A communication's end: its interface's address and its entity. */
export interface EndFacts {
  entityId: number;
  entity: string;
  address: string;
  netmask: string;
}

export interface CommunicationFacts extends FlowColumns {
  id: number;
  source: EndFacts;
  destination: EndFacts;
  projectId: number;
}

export function communicationSnapshot(c: CommunicationFacts): Snapshot {
  return {
    type: "communication",
    id: c.id,
    display: communicationLabel({ ...c, source: c.source.entity, destination: c.destination.entity }),
    projectId: c.projectId,
    entityId: c.source.entityId,
    peerEntityId: c.destination.entityId,
    fields: {
      source: interfaceLabel(c.source),
      destination: interfaceLabel(c.destination),
      protocol: c.protocol,
      port: portsText(c),
      description: c.description,
      requestedBy: c.requestedBy,
      reference: c.reference,
      expires: c.expires,
    },
  };
}

// Loaders of one object, for updates: a fixed number of statements each.

const basic = { id: true, name: true, description: true } as const;

export async function loadProject(tx: Tx, id: number): Promise<Snapshot | null> {
  const row = await tx.project.findUnique({ where: { id }, select: basic });
  return row && projectSnapshot(row);
}

export async function loadLocation(tx: Tx, id: number): Promise<Snapshot | null> {
  const row = await tx.location.findUnique({ where: { id }, select: basic });
  return row && locationSnapshot(row);
}

/** An entity row as src/data/rows.ts reads it. */
export function entityRowSnapshot(e: {
  id: number;
  name: string;
  description: string;
  restrictOutgoing: boolean;
  project: { id: number; name: string };
  location: { name: string };
}): Snapshot {
  return entitySnapshot({ ...e, projectId: e.project.id, project: e.project.name, location: e.location.name });
}

export async function loadEntity(tx: Tx, id: number): Promise<Snapshot | null> {
  const row = await tx.entity.findUnique({
    where: { id },
    select: {
      ...basic,
      restrictOutgoing: true,
      project: { select: { id: true, name: true } },
      location: { select: basic },
    },
  });
  return row?.project && row.location ? entityRowSnapshot(row) : null;
}

/** An interface with its entity, as src/data/interfaces.ts reads it. */
export function interfaceRowSnapshot(i: {
  id: number;
  name: string;
  description: string;
  address: string;
  netmask: string;
  entity: { id: number; name: string; projectId: number };
}): Snapshot {
  return interfaceSnapshot({ ...i, entityId: i.entity.id, entity: i.entity.name, projectId: i.entity.projectId });
}

export async function loadInterface(tx: Tx, id: number): Promise<Snapshot | null> {
  const row = await tx.interface.findUnique({
    where: { id },
    select: { ...basic, address: true, netmask: true, entity: { select: { id: true, name: true, projectId: true } } },
  });
  return row?.entity ? interfaceRowSnapshot(row) : null;
}

export async function loadCommunication(tx: Tx, id: number): Promise<Snapshot | null> {
  const [snapshot] = (await loadCommunications(tx, { id })).values();
  return snapshot ?? null;
}

/** What a deletion takes along: the entities, interfaces and communications of a scope. */
export interface Removal {
  entities: Snapshot[];
  interfaces: Snapshot[];
  communications: Snapshot[];
}

/** The scope of a deletion: entities (a project's, a location's, one) or one interface. */
export type Scope = { entity: Prisma.EntityWhereInput } | { interface: Prisma.InterfaceWhereInput };

/**
 * Everything in `scope` with what depends on it, in a fixed number of
 * statements (flat rows joined here, as src/data/preview.ts does): the
 * entities of an entity scope, the interfaces of the scope, and every
 * communication with an end among them.
 */
export async function loadScope(tx: Tx, scope: Scope): Promise<Removal> {
  const interfaceScope: Prisma.InterfaceWhereInput = "entity" in scope ? { entity: scope.entity } : scope.interface;
  const entityScope: Prisma.EntityWhereInput =
    "entity" in scope ? scope.entity : { interfaces: { some: scope.interface } };
  const [entities, projects, locations, interfaces, communications] = await Promise.all([
    tx.entity.findMany({
      where: entityScope,
      select: { ...basic, restrictOutgoing: true, projectId: true, locationId: true },
      orderBy: { id: "asc" },
    }),
    tx.project.findMany({ where: { entities: { some: entityScope } }, select: { id: true, name: true } }),
    tx.location.findMany({ where: { entities: { some: entityScope } }, select: { id: true, name: true } }),
    tx.interface.findMany({
      where: interfaceScope,
      select: { ...basic, address: true, netmask: true, entityId: true },
      orderBy: { id: "asc" },
    }),
    loadCommunications(tx, { OR: [{ source: interfaceScope }, { destination: interfaceScope }] }),
  ]);
  const projectNames = new Map(projects.map((p) => [p.id, p.name]));
  const locationNames = new Map(locations.map((l) => [l.id, l.name]));
  const entityOf = new Map(entities.map((e) => [e.id, e]));
  const entitySnapshots = entities.map((e) =>
    entitySnapshot({
      ...e,
      project: projectNames.get(e.projectId) ?? "",
      location: locationNames.get(e.locationId) ?? "",
    }),
  );
  const interfaceSnapshots = interfaces.map((i) =>
    interfaceSnapshot({
      ...i,
      entity: entityOf.get(i.entityId)?.name ?? "",
      projectId: entityOf.get(i.entityId)?.projectId ?? 0,
    }),
  );
  return {
    entities: "entity" in scope ? entitySnapshots : [],
    interfaces: interfaceSnapshots,
    communications: [...communications.values()],
  };
}

/** The communications matching `where`, by id, in three statements. */
async function loadCommunications(tx: Tx, where: Prisma.CommunicationWhereInput): Promise<Map<number, Snapshot>> {
  const rows = await tx.communication.findMany({
    where,
    select: { id: true, sourceId: true, destinationId: true, ...flowColumns },
    orderBy: { id: "asc" },
  });
  if (rows.length === 0) return new Map();
  const ends: Prisma.InterfaceWhereInput = { OR: [{ outgoing: { some: where } }, { incoming: { some: where } }] };
  const [interfaces, entities] = await Promise.all([
    tx.interface.findMany({ where: ends, select: { id: true, address: true, netmask: true, entityId: true } }),
    tx.entity.findMany({ where: { interfaces: { some: ends } }, select: { id: true, name: true, projectId: true } }),
  ]);
  const entityOf = new Map(entities.map((e) => [e.id, e]));
  const endOf = new Map(
    interfaces.map((i): [number, EndFacts & { projectId: number }] => {
      const entity = entityOf.get(i.entityId);
      return [i.id, { ...i, entity: entity?.name ?? "", projectId: entity?.projectId ?? 0 }];
    }),
  );
  const none = { entityId: 0, entity: "", address: "", netmask: "", projectId: 0 };
  return new Map(
    rows.map((c) => {
      const source = endOf.get(c.sourceId) ?? none;
      const destination = endOf.get(c.destinationId) ?? none;
      return [c.id, communicationSnapshot({ ...c, source, destination, projectId: source.projectId })];
    }),
  );
}
