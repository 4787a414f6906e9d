// The rows behind a project's firewall files (src/data/rules.ts), read in
// bounded chunks: at most `chunk` rows a statement, keyset by id (`id > last
// ORDER BY id LIMIT chunk`), each chunk its own `db.run`, so no statement's
// result and no hold on the SQLite queue grows with the project.
//
// These are plain SQL through Prisma's `$queryRaw` (tagged, so every value is
// a bound parameter; the quoted names are those of prisma/schema.prisma, valid
// on SQLite and PostgreSQL): for the huge preset's archive, Prisma's query API
// took about three times the time and the memory per row (bench/zip.ts,
// docs/benchmarks.md), which was most of the archive's cost.
import type { Database } from "./engine.js";

/** Most rows one statement reads. */
export const ROW_CHUNK = 5000;

export interface RuleEntityRow {
  id: number;
  name: string;
  locationId: number;
  restrictOutgoing: boolean;
}

/** One end of a flow: its interface's address and netmask, and the entity it belongs to. */
export interface FlowEnd {
  address: string;
  netmask: string;
  entityId: number;
}

export interface FlowRow {
  id: number;
  protocol: string;
  port: number;
  portEnd: number;
  description: string;
  expires: string | null;
  source: FlowEnd;
  destination: FlowEnd;
}

/** Which entities: a project's, or its entities in one location. */
export interface RulesScope {
  projectId: number;
  locationId?: number;
}

// SQLite may answer integers and booleans as numbers, bigints or 0/1.
const int = (value: unknown) => Number(value);
const bool = (value: unknown) => Boolean(Number(value));

/** Reads `chunk` rows at a time after the last id read (each `read` its own `db.run`), until a chunk comes back short. */
async function readChunks<T extends { id: number }>(
  chunk: number,
  read: (after: number, limit: number) => Promise<T[]>,
): Promise<T[]> {
  const all: T[] = [];
  let after = 0;
  for (;;) {
    const rows = await read(after, chunk);
    all.push(...rows);
    const last = rows.at(-1);
    if (rows.length < chunk || last === undefined) return all;
    after = last.id;
  }
}

/** The entities of the scope, by id. */
export async function readScopeEntities(db: Database, scope: RulesScope): Promise<RuleEntityRow[]> {
  const all = scope.locationId === undefined ? 1 : 0;
  const rows = await db.run(
    (c) =>
      c.$queryRaw<Record<keyof RuleEntityRow, unknown>[]>`
      SELECT "id", "name", "locationId", "restrictOutgoing" FROM "Entity"
       WHERE "projectId" = ${scope.projectId} AND (${all} = 1 OR "locationId" = ${scope.locationId ?? 0})
       ORDER BY "id"`,
  );
  return rows.map((r) => ({
    id: int(r.id),
    name: String(r.name),
    locationId: int(r.locationId),
    restrictOutgoing: bool(r.restrictOutgoing),
  }));
}

type RawFlow = Record<
  | "id"
  | "protocol"
  | "port"
  | "portEnd"
  | "description"
  | "expires"
  | `${"s" | "d"}${"Address" | "Netmask" | "Entity"}`,
  unknown
>;

/**
 * The flows ending (`destination`) or starting (`source`, of entities that
 * restrict outgoing traffic only) at entities of the scope whose ids lie in
 * [first, last], by id, each with both its ends.
 */
export function readBatchFlows(
  db: Database,
  scope: RulesScope,
  ids: { first: number; last: number },
  side: "destination" | "source",
  chunk = ROW_CHUNK,
): Promise<FlowRow[]> {
  const all = scope.locationId === undefined ? 1 : 0;
  const location = scope.locationId ?? 0;
  // The ends are joined in, so no map of the project's interfaces is held while the archive streams.
  return readChunks(chunk, async (after, limit) => {
    const found = await db.run((c) =>
      side === "destination"
        ? c.$queryRaw<RawFlow[]>`
            SELECT f."id", f."protocol", f."port", f."portEnd", f."description", f."expires",
                   s."address" AS "sAddress", s."netmask" AS "sNetmask", s."entityId" AS "sEntity",
                   d."address" AS "dAddress", d."netmask" AS "dNetmask", d."entityId" AS "dEntity"
              FROM "Communication" f
              JOIN "Interface" s ON s."id" = f."sourceId"
              JOIN "Interface" d ON d."id" = f."destinationId"
              JOIN "Entity" e ON e."id" = d."entityId"
             WHERE e."projectId" = ${scope.projectId} AND (${all} = 1 OR e."locationId" = ${location})
               AND e."id" >= ${ids.first} AND e."id" <= ${ids.last} AND f."id" > ${after}
             ORDER BY f."id" LIMIT ${limit}`
        : c.$queryRaw<RawFlow[]>`
            SELECT f."id", f."protocol", f."port", f."portEnd", f."description", f."expires",
                   s."address" AS "sAddress", s."netmask" AS "sNetmask", s."entityId" AS "sEntity",
                   d."address" AS "dAddress", d."netmask" AS "dNetmask", d."entityId" AS "dEntity"
              FROM "Communication" f
              JOIN "Interface" s ON s."id" = f."sourceId"
              JOIN "Interface" d ON d."id" = f."destinationId"
              JOIN "Entity" e ON e."id" = s."entityId"
             WHERE e."projectId" = ${scope.projectId} AND (${all} = 1 OR e."locationId" = ${location})
               AND e."id" >= ${ids.first} AND e."id" <= ${ids.last} AND e."restrictOutgoing" AND f."id" > ${after}
             ORDER BY f."id" LIMIT ${limit}`,
    );
    return found.map((r) => ({
      id: int(r.id),
      protocol: String(r.protocol),
      port: int(r.port),
      portEnd: int(r.portEnd),
      description: String(r.description),
      expires: r.expires === null ? null : String(r.expires),
      source: { address: String(r.sAddress), netmask: String(r.sNetmask), entityId: int(r.sEntity) },
      destination: { address: String(r.dAddress), netmask: String(r.dNetmask), entityId: int(r.dEntity) },
    }));
  });
}
