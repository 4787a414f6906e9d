// The data lists (docs/usage.md, "Data lists"): entities, interfaces and
// communications of every project, filtered by project, location and text,
// sorted on a column and read one page at a time. A page is two statements
// (the count and the rows) plus the ends' relations, whatever the list holds:
// nothing loads the whole list.
//
// The text filter is Prisma's `contains`, ignoring case (SQLite's LIKE folds
// ASCII letters only; PostgreSQL gets ILIKE). It is a LIKE pattern: `%` and
// `_` in the text match any characters and any one character, so a filter
// can only show more rows than the literal text would, never fewer.
import { addressText } from "../domain/display.js";
import type { Database } from "./engine.js";
import { type CommunicationRow, communicationSelect, toCommunicationRow, whole } from "./rows.js";

export interface ListFilters {
  project?: number;
  location?: number;
  /** Trimmed text; empty means no text filter. */
  q?: string;
}

export interface ListRequest<Sort extends string> {
  filters: ListFilters;
  sort: Sort;
  descending: boolean;
  /** 1-based; a page past the last reads the last. */
  page: number;
  perPage: number;
}

export interface ListPage<T> {
  count: number;
  /** The page actually read (the last one when the request asked past it). */
  page: number;
  rows: T[];
}

export const ENTITY_SORTS = ["name", "project", "location", "interfaces"] as const;
export const INTERFACE_SORTS = ["entity", "name", "address", "project", "location"] as const;
export const COMMUNICATION_SORTS = [
  "source",
  "destination",
  "protocol",
  "port",
  "description",
  "requested_by",
  "reference",
  "expires",
] as const;
export type EntitySort = (typeof ENTITY_SORTS)[number];
export type InterfaceSort = (typeof INTERFACE_SORTS)[number];
export type CommunicationSort = (typeof COMMUNICATION_SORTS)[number];

export interface EntityListRow {
  id: number;
  name: string;
  description: string;
  project: { id: number; name: string };
  location: { id: number; name: string };
  interfaces: number;
}

export interface InterfaceListRow {
  id: number;
  name: string;
  description: string;
  display: string;
  entity: { id: number; name: string };
  project: { id: number; name: string };
  location: { id: number; name: string };
}

type Direction = "asc" | "desc";

function textFilter(db: Database, q: string | undefined): ((field: string) => object) | undefined {
  if (!q) return undefined;
  const mode = db.engine === "postgresql" ? { mode: "insensitive" as const } : {};
  return (field) => ({ [field]: { contains: q, ...mode } });
}

const and = (...parts: (object | undefined | false)[]) => {
  const present = parts.filter((p): p is object => typeof p === "object");
  return present.length === 0 ? {} : { AND: present };
};

/** Reads the count, then the rows of the page (the last page when asked past it). */
async function readPage<T>(
  db: Database,
  request: ListRequest<string>,
  count: (c: Parameters<Parameters<Database["run"]>[0]>[0]) => Promise<number>,
  rows: (c: Parameters<Parameters<Database["run"]>[0]>[0], skip: number, take: number) => Promise<T[]>,
): Promise<ListPage<T>> {
  return db.run(async (c) => {
    const total = await count(c);
    const last = Math.max(1, Math.ceil(total / request.perPage));
    const page = Math.min(request.page, last);
    const read = total === 0 ? [] : await rows(c, (page - 1) * request.perPage, request.perPage);
    return { count: total, page, rows: read };
  });
}

const entityWhere = (db: Database, f: ListFilters) => {
  const text = textFilter(db, f.q);
  return and(
    f.project !== undefined && { projectId: f.project },
    f.location !== undefined && { locationId: f.location },
    text && { OR: [text("name"), text("description")] },
  );
};

function entityOrder(sort: EntitySort, dir: Direction): object[] {
  const byName = [{ name: dir }, { id: dir }];
  switch (sort) {
    case "project":
      return [{ project: { name: dir } }, ...byName];
    case "location":
      return [{ location: { name: dir } }, ...byName];
    case "interfaces":
      return [{ interfaces: { _count: dir } }, ...byName];
    default:
      return byName;
  }
}

export function listEntityRows(db: Database, request: ListRequest<EntitySort>): Promise<ListPage<EntityListRow>> {
  const where = entityWhere(db, request.filters);
  const dir: Direction = request.descending ? "desc" : "asc";
  return readPage(
    db,
    request,
    (c) => c.entity.count({ where }),
    async (c, skip, take) => {
      const rows = await c.entity.findMany({
        where,
        orderBy: entityOrder(request.sort, dir),
        skip,
        take,
        select: {
          id: true,
          name: true,
          description: true,
          project: { select: { id: true, name: true } },
          location: { select: { id: true, name: true } },
          _count: { select: { interfaces: true } },
        },
      });
      return rows
        .filter((e) => whole(e, "project", "location"))
        .map(({ _count, ...e }) => ({ ...e, interfaces: _count.interfaces }));
    },
  );
}

const interfaceWhere = (db: Database, f: ListFilters) => {
  const text = textFilter(db, f.q);
  return and(
    f.project !== undefined && { entity: { projectId: f.project } },
    f.location !== undefined && { entity: { locationId: f.location } },
    text && { OR: [text("name"), text("description"), text("address"), { entity: text("name") }] },
  );
};

function interfaceOrder(sort: InterfaceSort, dir: Direction): object[] {
  const byName = [{ name: dir }, { id: dir }];
  switch (sort) {
    case "entity":
      return [{ entity: { name: dir } }, ...byName];
    case "address":
      return [{ address: dir }, { netmask: dir }, { id: dir }];
    case "project":
      return [{ entity: { project: { name: dir } } }, { entity: { name: dir } }, ...byName];
    case "location":
      return [{ entity: { location: { name: dir } } }, { entity: { name: dir } }, ...byName];
    default:
      return byName;
  }
}

export function listInterfaceRows(
  db: Database,
  request: ListRequest<InterfaceSort>,
): Promise<ListPage<InterfaceListRow>> {
  const where = interfaceWhere(db, request.filters);
  const dir: Direction = request.descending ? "desc" : "asc";
  const named = { select: { id: true, name: true } } as const;
  return readPage(
    db,
    request,
    (c) => c.interface.count({ where }),
    async (c, skip, take) => {
      const rows = await c.interface.findMany({
        where,
        orderBy: interfaceOrder(request.sort, dir),
        skip,
        take,
        select: {
          id: true,
          name: true,
          description: true,
          address: true,
          netmask: true,
          entity: { select: { id: true, name: true, project: named, location: named } },
        },
      });
      return rows
        .filter((i) => whole(i, "entity") && whole(i.entity, "project", "location"))
        .map((i) => ({
          id: i.id,
          name: i.name,
          description: i.description,
          display: addressText(i),
          entity: { id: i.entity.id, name: i.entity.name },
          project: i.entity.project,
          location: i.entity.location,
        }));
    },
  );
}

/** Flows with either end on an entity matching `entity` (a Prisma entity filter). */
const eitherEnd = (entity: object) => ({ OR: [{ source: { entity } }, { destination: { entity } }] });

export function communicationWhere(db: Database, f: ListFilters): object {
  const text = textFilter(db, f.q);
  return and(
    // Both ends of a flow are in the same project.
    f.project !== undefined && { source: { entity: { projectId: f.project } } },
    f.location !== undefined && eitherEnd({ locationId: f.location }),
    text && {
      OR: [
        text("description"),
        text("requestedBy"),
        text("reference"),
        text("protocol"),
        { source: { entity: text("name") } },
        { destination: { entity: text("name") } },
        { source: text("address") },
        { destination: text("address") },
      ],
    },
  );
}

function communicationOrder(sort: CommunicationSort, dir: Direction): object[] {
  const byEnds = [{ source: { entity: { name: dir } } }, { destination: { entity: { name: dir } } }];
  const byPorts = [{ protocol: dir }, { port: dir }, { portEnd: dir }, { id: dir }];
  switch (sort) {
    case "destination":
      return [{ destination: { entity: { name: dir } } }, { source: { entity: { name: dir } } }, ...byPorts];
    case "protocol":
    case "port":
      return sort === "port" ? [{ port: dir }, { portEnd: dir }, { protocol: dir }, { id: dir }] : byPorts;
    case "description":
      return [{ description: dir }, ...byEnds, ...byPorts];
    case "requested_by":
      return [{ requestedBy: dir }, ...byEnds, ...byPorts];
    case "reference":
      return [{ reference: dir }, ...byEnds, ...byPorts];
    case "expires":
      // Never-expiring flows (null) after every date going up, before them going down.
      return [{ expires: { sort: dir, nulls: dir === "asc" ? "last" : "first" } }, ...byEnds, ...byPorts];
    default:
      return [...byEnds, ...byPorts];
  }
}

/** A communication of the list, with the `updatedAt` the bulk edit carries (docs/usage.md, "Editing many communications at once"). */
export type CommunicationListRow = CommunicationRow & { updatedAt: Date };

export function listCommunicationRows(
  db: Database,
  request: ListRequest<CommunicationSort>,
): Promise<ListPage<CommunicationListRow>> {
  const where = communicationWhere(db, request.filters);
  const dir: Direction = request.descending ? "desc" : "asc";
  return readPage(
    db,
    request,
    (c) => c.communication.count({ where }),
    async (c, skip, take) => {
      const rows = await c.communication.findMany({
        where,
        orderBy: communicationOrder(request.sort, dir),
        skip,
        take,
        select: { ...communicationSelect, updatedAt: true },
      });
      return rows
        .filter((r) => whole(r, "source", "destination"))
        .map((r) => ({ ...toCommunicationRow(r), updatedAt: r.updatedAt }));
    },
  );
}
