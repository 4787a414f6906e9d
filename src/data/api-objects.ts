// The API's objects (docs/api.md): each resource as its JSON answer gives it
// (the interchange format's fields, ids for references), one at a time or as
// a page of a filtered list ordered by id. A page is two statements (the
// count and the rows), whatever the size of the list. Writes go through the
// same functions as the forms (src/data/projects.ts and the others).
import type { Protocol } from "../domain/constants.js";
import type { Client, Database } from "./engine.js";
import { flowColumns } from "./rows.js";

export interface ApiProject {
  id: number;
  name: string;
  description: string;
}
export type ApiLocation = ApiProject;
export interface ApiEntity {
  id: number;
  name: string;
  description: string;
  project: number;
  location: number;
  restrictOutgoing: boolean;
}
export interface ApiInterface {
  id: number;
  name: string;
  description: string;
  entity: number;
  address: string;
  netmask: string;
}
export interface ApiCommunication {
  id: number;
  source: number;
  destination: number;
  protocol: Protocol;
  port: number;
  portEnd: number;
  description: string;
  requestedBy: string;
  reference: string;
  expires: string | null;
}

export interface ApiFilters {
  project?: number;
  location?: number;
  entity?: number;
}
export interface ApiPage {
  limit: number;
  offset: number;
}
export interface ApiList<T> {
  count: number;
  results: T[];
}

/** One resource's reads: its Prisma delegate's where clause per filter, and the row mapping. */
interface Reader<Row, T> {
  where(filters: ApiFilters): object;
  count(c: Client, where: object): Promise<number>;
  rows(c: Client, args: { where: object; skip?: number; take?: number }): Promise<Row[]>;
  map(row: Row): T;
}

const and = (...parts: (object | undefined)[]) => {
  const present = parts.filter((p): p is object => p !== undefined);
  return present.length === 0 ? {} : { AND: present };
};

const projectSelect = { id: true, name: true, description: true } as const;

const projects: Reader<ApiProject, ApiProject> = {
  where: (f) => and(f.location === undefined ? undefined : { entities: { some: { locationId: f.location } } }),
  count: (c, where) => c.project.count({ where }),
  rows: (c, args) => c.project.findMany({ ...args, select: projectSelect, orderBy: { id: "asc" } }),
  map: (row) => row,
};

const locations: Reader<ApiLocation, ApiLocation> = {
  where: (f) => and(f.project === undefined ? undefined : { entities: { some: { projectId: f.project } } }),
  count: (c, where) => c.location.count({ where }),
  rows: (c, args) => c.location.findMany({ ...args, select: projectSelect, orderBy: { id: "asc" } }),
  map: (row) => row,
};

const entitySelect = {
  id: true,
  name: true,
  description: true,
  projectId: true,
  locationId: true,
  restrictOutgoing: true,
} as const;
type EntityRecord = { id: number; name: string; description: string; projectId: number; locationId: number };

const entities: Reader<EntityRecord & { restrictOutgoing: boolean }, ApiEntity> = {
  where: (f) =>
    and(
      f.project === undefined ? undefined : { projectId: f.project },
      f.location === undefined ? undefined : { locationId: f.location },
    ),
  count: (c, where) => c.entity.count({ where }),
  rows: (c, args) => c.entity.findMany({ ...args, select: entitySelect, orderBy: { id: "asc" } }),
  map: ({ projectId, locationId, ...row }) => ({
    id: row.id,
    name: row.name,
    description: row.description,
    project: projectId,
    location: locationId,
    restrictOutgoing: row.restrictOutgoing,
  }),
};

const interfaceSelect = {
  id: true,
  name: true,
  description: true,
  entityId: true,
  address: true,
  netmask: true,
} as const;

const interfaces: Reader<Omit<ApiInterface, "entity"> & { entityId: number }, ApiInterface> = {
  where: (f) =>
    and(
      f.entity === undefined ? undefined : { entityId: f.entity },
      f.project === undefined ? undefined : { entity: { projectId: f.project } },
      f.location === undefined ? undefined : { entity: { locationId: f.location } },
    ),
  count: (c, where) => c.interface.count({ where }),
  rows: (c, args) => c.interface.findMany({ ...args, select: interfaceSelect, orderBy: { id: "asc" } }),
  map: (row) => ({
    id: row.id,
    name: row.name,
    description: row.description,
    entity: row.entityId,
    address: row.address,
    netmask: row.netmask,
  }),
};

const communicationSelect = { id: true, sourceId: true, destinationId: true, ...flowColumns } as const;
type CommunicationRecord = Omit<ApiCommunication, "source" | "destination" | "protocol"> & {
  sourceId: number;
  destinationId: number;
  protocol: string;
};

/** Flows with either end on an entity matching `entity` (a Prisma entity filter). */
const eitherEnd = (entity: object) => ({ OR: [{ source: { entity } }, { destination: { entity } }] });

const communications: Reader<CommunicationRecord, ApiCommunication> = {
  // Both ends of a flow are in the same project.
  where: (f) =>
    and(
      f.project === undefined ? undefined : { source: { entity: { projectId: f.project } } },
      f.entity === undefined ? undefined : eitherEnd({ id: f.entity }),
      f.location === undefined ? undefined : eitherEnd({ locationId: f.location }),
    ),
  count: (c, where) => c.communication.count({ where }),
  rows: (c, args) => c.communication.findMany({ ...args, select: communicationSelect, orderBy: { id: "asc" } }),
  map: ({ sourceId, destinationId, protocol, ...row }) => ({
    id: row.id,
    source: sourceId,
    destination: destinationId,
    protocol: protocol as Protocol,
    port: row.port,
    portEnd: row.portEnd,
    description: row.description,
    requestedBy: row.requestedBy,
    reference: row.reference,
    expires: row.expires,
  }),
};

async function listOf<Row, T>(db: Database, reader: Reader<Row, T>, filters: ApiFilters, page: ApiPage) {
  const where = reader.where(filters);
  const [count, rows] = await db.run((c) =>
    Promise.all([reader.count(c, where), reader.rows(c, { where, skip: page.offset, take: page.limit })]),
  );
  return { count, results: rows.map(reader.map) };
}

async function oneOf<Row, T>(db: Database, reader: Reader<Row, T>, id: number): Promise<T | null> {
  const [row] = await db.run((c) => reader.rows(c, { where: { id }, take: 1 }));
  return row === undefined ? null : reader.map(row);
}

/** The reads of every API resource, by URL name. */
const READERS = { projects, locations, entities, interfaces, communications } as const;
export type ApiResourceName = keyof typeof READERS;
export interface ApiObjects {
  projects: ApiProject;
  locations: ApiLocation;
  entities: ApiEntity;
  interfaces: ApiInterface;
  communications: ApiCommunication;
}

export function listApiObjects<R extends ApiResourceName>(
  db: Database,
  resource: R,
  filters: ApiFilters,
  page: ApiPage,
): Promise<ApiList<ApiObjects[R]>> {
  return listOf(db, READERS[resource] as unknown as Reader<unknown, ApiObjects[R]>, filters, page);
}

export function getApiObject<R extends ApiResourceName>(
  db: Database,
  resource: R,
  id: number,
): Promise<ApiObjects[R] | null> {
  return oneOf(db, READERS[resource] as unknown as Reader<unknown, ApiObjects[R]>, id);
}
