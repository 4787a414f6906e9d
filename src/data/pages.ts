// The project page and entity page data (docs/usage.md), each in a fixed
// number of queries whatever the project holds.
//
// The rows are read with plain SQL through Prisma's `$queryRaw` (tagged, so
// every value is a bound parameter; the quoted names are those of
// prisma/schema.prisma, valid on SQLite and PostgreSQL), each flow with both
// its ends joined in: Prisma's query API took several times the time and
// memory per row, and its nested filters (`some`) became correlated
// subqueries over every interface (bench/read-load.ts, docs/benchmarks.md).
import { PROTOCOLS } from "../domain/constants.js";
import { addressText } from "../domain/display.js";
import { todayUtc } from "../domain/expiry.js";
import type { Database } from "./engine.js";
import {
  type CommunicationEnd,
  type CommunicationRow,
  type EntityRow,
  entitySelect,
  type FlowColumns,
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

/** A flow as the page statements read it: its own columns, then each end's interface and entity. */
type RawFlow = Record<
  | "id"
  | "protocol"
  | "port"
  | "portEnd"
  | "description"
  | "requestedBy"
  | "reference"
  | "expires"
  | `${"s" | "d"}${"Id" | "Name" | "Address" | "Netmask" | "EntityId" | "EntityName"}`,
  unknown
>;

// SQLite may answer integers as numbers or bigints.
const int = (value: unknown) => Number(value);
const text = (value: unknown) => String(value ?? "");

type FlowColumn = "id" | "protocol" | "port" | "portEnd" | "description" | "requestedBy" | "reference" | "expires";

const flowColumnsOf = (r: Record<FlowColumn, unknown>): FlowColumns => ({
  protocol: text(r.protocol),
  port: int(r.port),
  portEnd: int(r.portEnd),
  description: text(r.description),
  requestedBy: text(r.requestedBy),
  reference: text(r.reference),
  expires: r.expires === null || r.expires === undefined ? null : String(r.expires),
});

function toRow(r: RawFlow, today: string): CommunicationRow {
  const end = (side: "s" | "d") => {
    const iface = {
      id: int(r[`${side}Id`]),
      name: text(r[`${side}Name`]),
      address: text(r[`${side}Address`]),
      netmask: text(r[`${side}Netmask`]),
    };
    return {
      entity: { id: int(r[`${side}EntityId`]), name: text(r[`${side}EntityName`]) },
      interface: { ...iface, display: addressText(iface) },
    };
  };
  return {
    id: int(r.id),
    ...flowFields(flowColumnsOf(r), today),
    source: end("s"),
    destination: end("d"),
  };
}

// One collator instead of String.prototype.localeCompare, which builds one per call
// (the same order; the project page sorts 20,000 rows on the huge preset).
const compareText = new Intl.Collator().compare;

/** Protocol in PROTOCOLS order, then the first port, then the last (docs/usage.md). */
function byProtocolPort(a: CommunicationRow, b: CommunicationRow): number {
  return (
    PROTOCOLS.indexOf(a.protocol) - PROTOCOLS.indexOf(b.protocol) ||
    a.port - b.port ||
    a.portEnd - b.portEnd ||
    a.id - b.id
  );
}

/** The entity page (docs/usage.md): five queries whatever the entity holds. */
export async function getEntityPage(db: Database, id: number): Promise<EntityPage | null> {
  return db.run(async (c) => {
    const entity = await c.entity.findUnique({ where: { id }, select: entitySelect });
    if (!whole(entity, "project", "location")) return null;
    const [interfaces, incoming, outgoing] = await Promise.all([
      c.interface.findMany({
        where: { entityId: id },
        select: { id: true, name: true, description: true, address: true, netmask: true },
        orderBy: [{ name: "asc" }, { id: "asc" }],
      }),
      c.$queryRaw<RawFlow[]>`
        SELECT f."id", f."protocol", f."port", f."portEnd", f."description", f."requestedBy", f."reference", f."expires",
               s."id" AS "sId", s."name" AS "sName", s."address" AS "sAddress", s."netmask" AS "sNetmask",
               se."id" AS "sEntityId", se."name" AS "sEntityName",
               d."id" AS "dId", d."name" AS "dName", d."address" AS "dAddress", d."netmask" AS "dNetmask",
               d."entityId" AS "dEntityId", '' AS "dEntityName"
          FROM "Communication" f
          JOIN "Interface" d ON d."id" = f."destinationId"
          JOIN "Interface" s ON s."id" = f."sourceId"
          JOIN "Entity" se ON se."id" = s."entityId"
         WHERE d."entityId" = ${id}`,
      c.$queryRaw<RawFlow[]>`
        SELECT f."id", f."protocol", f."port", f."portEnd", f."description", f."requestedBy", f."reference", f."expires",
               s."id" AS "sId", s."name" AS "sName", s."address" AS "sAddress", s."netmask" AS "sNetmask",
               s."entityId" AS "sEntityId", '' AS "sEntityName",
               d."id" AS "dId", d."name" AS "dName", d."address" AS "dAddress", d."netmask" AS "dNetmask",
               de."id" AS "dEntityId", de."name" AS "dEntityName"
          FROM "Communication" f
          JOIN "Interface" s ON s."id" = f."sourceId"
          JOIN "Interface" d ON d."id" = f."destinationId"
          JOIN "Entity" de ON de."id" = d."entityId"
         WHERE s."entityId" = ${id}`,
    ]);
    const today = todayUtc();
    // This entity's own end carries its name from the entity row.
    const rows = (list: RawFlow[], own: "sEntityName" | "dEntityName") =>
      list.map((r) => toRow({ ...r, [own]: entity.name }, today)).sort(byProtocolPort);
    return {
      entity,
      interfaces: interfaces.map((i) => ({ ...i, display: addressText(i) })),
      incoming: rows(incoming, "dEntityName"),
      outgoing: rows(outgoing, "sEntityName"),
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

/** The project page reads the flows of this many source entities a statement. */
export const ENTITY_BATCH = 500;

/** The project page (docs/usage.md): three queries, then one per ENTITY_BATCH entities. */
export async function getProjectPage(db: Database, projectId: number): Promise<ProjectPage> {
  const [entityRows, locationRows, interfaceRows] = await db.run((c) =>
    Promise.all([
      c.$queryRaw<Record<"id" | "name" | "description" | "locationId", unknown>[]>`
        SELECT "id", "name", "description", "locationId" FROM "Entity" WHERE "projectId" = ${projectId}`,
      c.$queryRaw<Record<"id" | "name", unknown>[]>`
        SELECT l."id", l."name" FROM "Location" l
         WHERE l."id" IN (SELECT e."locationId" FROM "Entity" e WHERE e."projectId" = ${projectId})`,
      c.$queryRaw<Record<"id" | "name" | "address" | "netmask" | "entityId", unknown>[]>`
        SELECT i."id", i."name", i."address", i."netmask", i."entityId"
          FROM "Interface" i JOIN "Entity" e ON e."id" = i."entityId"
         WHERE e."projectId" = ${projectId}`,
    ]),
  );
  const entities = entityRows.map((e) => ({
    id: int(e.id),
    name: text(e.name),
    description: text(e.description),
    locationId: int(e.locationId),
  }));
  const names = new Map(entities.map((e) => [e.id, e.name]));
  // Each end is built once from its interface and shared by its rows.
  const ends = new Map<number, CommunicationEnd>();
  for (const r of interfaceRows) {
    const iface = { id: int(r.id), name: text(r.name), address: text(r.address), netmask: text(r.netmask) };
    const entityId = int(r.entityId);
    ends.set(iface.id, {
      entity: { id: entityId, name: names.get(entityId) ?? "" },
      interface: { ...iface, display: addressText(iface) },
    });
  }
  // The flows come without their ends' columns (each value read costs more than a
  // join in memory), those of ENTITY_BATCH source entities at a time, each batch
  // its own statement and turn of the queue, made into rows before the next is
  // read: what the driver and Prisma hold for a result stays bounded (the huge
  // preset's page reached 400 MiB of RSS reading its 20,000 flows at once;
  // docs/benchmarks.md). Batches by entity need no ORDER BY: the rows are sorted below.
  const today = todayUtc();
  const communications: CommunicationRow[] = [];
  const ids = entities.map((e) => e.id).sort((x, y) => x - y);
  for (let i = 0; i < ids.length; i += ENTITY_BATCH) {
    const first = ids[i] as number;
    const last = ids[Math.min(i + ENTITY_BATCH, ids.length) - 1] as number;
    const batch = await db.run(
      (c) =>
        c.$queryRaw<Record<FlowColumn | "sourceId" | "destinationId", unknown>[]>`
          SELECT f."id", f."sourceId", f."destinationId", f."protocol", f."port", f."portEnd",
                 f."description", f."requestedBy", f."reference", f."expires"
            FROM "Communication" f
            JOIN "Interface" s ON s."id" = f."sourceId"
            JOIN "Entity" e ON e."id" = s."entityId"
           WHERE e."projectId" = ${projectId} AND e."id" >= ${first} AND e."id" <= ${last}`,
    );
    for (const r of batch) {
      const source = ends.get(int(r.sourceId));
      const destination = ends.get(int(r.destinationId));
      // An interface added after the first statement: its flows were too, after the page was read.
      if (!source || !destination) continue;
      communications.push({ id: int(r.id), ...flowFields(flowColumnsOf(r), today), source, destination });
    }
  }
  const blocks = locationRows
    .map((l) => ({ id: int(l.id), name: text(l.name) }))
    .sort((a, b) => compareText(a.name, b.name) || a.id - b.id)
    .map((l) => ({
      id: l.id,
      name: l.name,
      entities: entities
        .filter((e) => e.locationId === l.id)
        .sort((a, b) => compareText(a.name, b.name) || a.id - b.id)
        .map(({ id, name, description }) => ({ id, name, description })),
    }));
  const rows = communications.sort(
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
