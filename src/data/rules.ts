// Loads what the firewall generators read (docs/rules.md) as plain data: one
// entity, or every entity of a project (optionally of one location), each with
// its incoming flows (destination interface on the entity), its outgoing flows
// (source interface on the entity) when it restricts outgoing traffic, port
// ranges and both families. Flows expired on `today` (UTC unless given) are
// left out (src/domain/expiry.ts).
//
// A project is read in bounded pieces so that streaming the ZIP of a large
// project holds no more than one batch of entities' flows at a time: the
// project, its locations' names and its entities first, then the flows of
// ENTITY_BATCH entities at a time, keyed by entity id, each with both its
// ends; every statement reads at most ROW_CHUNK rows (src/data/rules-rows.ts).
// Each piece is its own `db.run` (docs/architecture.md: on SQLite the queue
// runs one at a time, so a long stream never holds it, nor a transaction, for
// the whole archive). Statements: 3, then 2 for every batch of entities, plus
// one for every further ROW_CHUNK rows of a read — a number that grows with
// the size of the project divided by those bounds, never row by row.
import type { Protocol } from "../domain/constants.js";
import { isExpired, todayUtc } from "../domain/expiry.js";
import type { EntityRulesInput, IncomingFlow } from "../domain/types.js";
import type { Database } from "./engine.js";
import {
  type FlowEnd,
  type FlowRow,
  ROW_CHUNK,
  type RulesScope,
  readBatchFlows,
  readScopeEntities,
} from "./rules-rows.js";

/** Entities whose flows are read together; bounds the rows held while a ZIP streams. */
export const ENTITY_BATCH = 500;

export interface RulesOptions {
  /** The day (`YYYY-MM-DD`, UTC) whose expired flows are left out; today by default. */
  today?: string;
  /** Entities per batch of flows (tests use small ones); ENTITY_BATCH by default. */
  batchSize?: number;
  /** Most rows a statement reads (tests use small ones); ROW_CHUNK by default. */
  rowChunk?: number;
}

export interface RulesBatchEntity {
  id: number;
  name: string;
  input: EntityRulesInput;
}

/** The rules of a project, read as they are consumed. */
export interface ProjectRules {
  /** Every entity, by id: enough to name all files before any flow is read. */
  entities: { id: number; name: string }[];
  /** Each entity with its generator input, in id order; reads the flows batch by batch. */
  inputs(): AsyncGenerator<RulesBatchEntity>;
}

/** Flows not expired on `today`, grouped by the entity at `side`, as generator flows (in id order). */
function groupFlows(rows: FlowRow[], side: "source" | "destination", today: string): Map<number, IncomingFlow[]> {
  const byEntity = new Map<number, IncomingFlow[]>();
  const endpoint = (end: FlowEnd) => ({ address: end.address, netmask: end.netmask });
  for (const row of rows) {
    if (isExpired(row.expires, today)) continue;
    const flow: IncomingFlow = {
      protocol: row.protocol as Protocol,
      port: row.port,
      description: row.description,
      source: endpoint(row.source),
      destination: endpoint(row.destination),
    };
    if (row.portEnd !== row.port) flow.portEnd = row.portEnd;
    const owner = row[side].entityId;
    const list = byEntity.get(owner);
    if (list) list.push(flow);
    else byEntity.set(owner, [flow]);
  }
  return byEntity;
}

/** The generator input of one entity from its flows. */
function inputOf(
  entity: { name: string; restrictOutgoing: boolean },
  names: { project: string; location: string },
  incoming: IncomingFlow[],
  outgoing: IncomingFlow[],
): EntityRulesInput {
  const input: EntityRulesInput = { entity: { name: entity.name, ...names }, incoming };
  if (entity.restrictOutgoing) {
    input.restrictOutgoing = true;
    input.outgoing = outgoing;
  }
  return input;
}

/** Both sides' flows of the scope's entities with ids in [first, last], grouped by entity. */
async function batchFlows(
  db: Database,
  scope: RulesScope,
  ids: { first: number; last: number },
  today: string,
  chunk: number,
) {
  const incoming = groupFlows(await readBatchFlows(db, scope, ids, "destination", chunk), "destination", today);
  const outgoing = groupFlows(await readBatchFlows(db, scope, ids, "source", chunk), "source", today);
  return { incoming: (id: number) => incoming.get(id) ?? [], outgoing: (id: number) => outgoing.get(id) ?? [] };
}

/**
 * The rules of every entity of a project (or of one of its locations), to be
 * read with `inputs()`; null when the project does not exist. Reads the
 * project, its entities and their locations' names now, the flows later, a
 * batch of entities at a time.
 */
export async function openProjectRules(
  db: Database,
  projectId: number,
  locationId?: number,
  options: RulesOptions = {},
): Promise<ProjectRules | null> {
  const today = options.today ?? todayUtc();
  const batchSize = options.batchSize ?? ENTITY_BATCH;
  const chunk = options.rowChunk ?? ROW_CHUNK;
  const scope: RulesScope = { projectId, ...(locationId === undefined ? {} : { locationId }) };
  const [project, locations] = await db.run((c) =>
    Promise.all([
      c.project.findUnique({ where: { id: projectId }, select: { name: true } }),
      c.location.findMany({ where: { entities: { some: scope } }, select: { id: true, name: true } }),
    ]),
  );
  if (!project) return null;
  const projectName = project.name;
  const entities = await readScopeEntities(db, scope);
  const locationName = new Map(locations.map((l) => [l.id, l.name]));

  async function* inputs(): AsyncGenerator<RulesBatchEntity> {
    for (let start = 0; start < entities.length; start += batchSize) {
      const batch = entities.slice(start, start + batchSize);
      const ids = { first: batch[0]?.id ?? 0, last: batch[batch.length - 1]?.id ?? 0 };
      const flows = await batchFlows(db, scope, ids, today, chunk);
      for (const entity of batch) {
        const names = { project: projectName, location: locationName.get(entity.locationId) ?? "" };
        yield {
          id: entity.id,
          name: entity.name,
          input: inputOf(entity, names, flows.incoming(entity.id), flows.outgoing(entity.id)),
        };
      }
    }
  }

  return { entities: entities.map(({ id, name }) => ({ id, name })), inputs };
}

/**
 * Every entity of a project (or of one of its locations) with its generator
 * input, all at once (id order); [] when the project does not exist. For
 * callers that need every file together; the ZIP streams with openProjectRules.
 */
export async function loadProjectRules(
  db: Database,
  projectId: number,
  locationId?: number,
  options: RulesOptions = {},
): Promise<RulesBatchEntity[]> {
  const rules = await openProjectRules(db, projectId, locationId, options);
  const all: RulesBatchEntity[] = [];
  if (rules) for await (const entity of rules.inputs()) all.push(entity);
  return all;
}

/** One entity with its generator input, in three statements; null when it does not exist. */
export async function loadEntityRules(
  db: Database,
  entityId: number,
  options: RulesOptions = {},
): Promise<RulesBatchEntity | null> {
  const entity = await db.run((c) =>
    c.entity.findUnique({
      where: { id: entityId },
      select: {
        id: true,
        name: true,
        projectId: true,
        restrictOutgoing: true,
        project: { select: { name: true } },
        location: { select: { name: true } },
      },
    }),
  );
  // A project or location deleted meanwhile (PostgreSQL reads relations apart): the entity is going too.
  if (!entity?.project || !entity.location) return null;
  const ids = { first: entity.id, last: entity.id };
  const flows = await batchFlows(db, { projectId: entity.projectId }, ids, options.today ?? todayUtc(), ROW_CHUNK);
  const names = { project: entity.project.name, location: entity.location.name };
  return {
    id: entity.id,
    name: entity.name,
    input: inputOf(entity, names, flows.incoming(entity.id), flows.outgoing(entity.id)),
  };
}
