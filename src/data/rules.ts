// Loads what the firewall generators read (docs/rules.md) as plain data: one
// entity, or every entity of a project (optionally of one location), each with
// its incoming flows (destination interface on the entity), its outgoing flows
// (source interface on the entity) when it restricts outgoing traffic, port
// ranges and both families. Flows expired on `today` (UTC unless given) are
// left out (src/domain/expiry.ts).
//
// A project is read in bounded pieces so that streaming the ZIP of a large
// project holds no more than one batch of entities' flows at a time: the
// entities and the project's interfaces (small) first, then the flows of
// ENTITY_BATCH entities at a time, keyed by entity id. Each piece is its own
// `db.run` (docs/architecture.md: on SQLite the queue runs one at a time, so a
// long stream never holds it, nor a transaction, for the whole archive). The
// number of statements is fixed per batch: 4, then 2 for every ENTITY_BATCH
// entities, whatever the number of flows.
import type { Protocol } from "../domain/constants.js";
import { isExpired, todayUtc } from "../domain/expiry.js";
import type { Endpoint, EntityRulesInput, IncomingFlow } from "../domain/types.js";
import type { Client, Database } from "./engine.js";

/** Entities whose flows are read together; bounds the rows held while a ZIP streams. */
export const ENTITY_BATCH = 500;

export interface RulesOptions {
  /** The day (`YYYY-MM-DD`, UTC) whose expired flows are left out; today by default. */
  today?: string;
  /** Entities per batch of flows (tests use small ones); ENTITY_BATCH by default. */
  batchSize?: number;
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

const flowSelect = {
  protocol: true,
  port: true,
  portEnd: true,
  description: true,
  expires: true,
  sourceId: true,
  destinationId: true,
} as const;

// Flows in a fixed order, so a file lists them alike however they are read.
const byId = { id: "asc" } as const;

interface FlowRow {
  protocol: string;
  port: number;
  portEnd: number;
  description: string;
  expires: string | null;
  sourceId: number;
  destinationId: number;
}

interface InterfaceEnd {
  address: string;
  netmask: string;
  entityId: number;
}

const interfaceSelect = { id: true, address: true, netmask: true, entityId: true } as const;

/** Flows not expired on `today`, grouped by the entity at `side`, as generator flows. */
function groupFlows(
  rows: FlowRow[],
  ends: Map<number, InterfaceEnd>,
  side: "source" | "destination",
  today: string,
): Map<number, IncomingFlow[]> {
  const byEntity = new Map<number, IncomingFlow[]>();
  const endpoint = (i: InterfaceEnd): Endpoint => ({ address: i.address, netmask: i.netmask });
  for (const row of rows) {
    if (isExpired(row.expires, today)) continue;
    const source = ends.get(row.sourceId);
    const destination = ends.get(row.destinationId);
    // An end created or deleted between two reads: its flow came or goes with it.
    if (!source || !destination) continue;
    const owner = (side === "source" ? source : destination).entityId;
    const flow: IncomingFlow = {
      protocol: row.protocol as Protocol,
      port: row.port,
      description: row.description,
      source: endpoint(source),
      destination: endpoint(destination),
    };
    if (row.portEnd !== row.port) flow.portEnd = row.portEnd;
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

/**
 * The rules of every entity of a project (or of one of its locations), to be
 * read with `inputs()`; null when the project does not exist. Reads the
 * entities, their locations' names and the project's interfaces now, the flows
 * later, a batch of entities at a time.
 */
export async function openProjectRules(
  db: Database,
  projectId: number,
  locationId?: number,
  options: RulesOptions = {},
): Promise<ProjectRules | null> {
  const today = options.today ?? todayUtc();
  const batchSize = options.batchSize ?? ENTITY_BATCH;
  const where = { projectId, ...(locationId === undefined ? {} : { locationId }) };
  const [project, entities, locations, interfaces] = await db.run((c) =>
    Promise.all([
      c.project.findUnique({ where: { id: projectId }, select: { name: true } }),
      c.entity.findMany({
        where,
        select: { id: true, name: true, locationId: true, restrictOutgoing: true },
        orderBy: { id: "asc" },
      }),
      c.location.findMany({ where: { entities: { some: where } }, select: { id: true, name: true } }),
      // Both ends of a communication are in the same project (docs/usage.md).
      c.interface.findMany({ where: { entity: { projectId } }, select: interfaceSelect }),
    ]),
  );
  if (!project) return null;
  const projectName = project.name;
  const ends = new Map(interfaces.map(({ id, ...end }) => [id, end]));
  const locationName = new Map(locations.map((l) => [l.id, l.name]));

  async function* inputs(): AsyncGenerator<RulesBatchEntity> {
    for (let start = 0; start < entities.length; start += batchSize) {
      const batch = entities.slice(start, start + batchSize);
      const ids = { gte: batch[0]?.id ?? 0, lte: batch[batch.length - 1]?.id ?? 0 };
      const [incomingRows, outgoingRows] = await db.run((c: Client) =>
        Promise.all([
          c.communication.findMany({
            where: { destination: { entity: { ...where, id: ids } } },
            select: flowSelect,
            orderBy: byId,
          }),
          c.communication.findMany({
            where: { source: { entity: { ...where, id: ids, restrictOutgoing: true } } },
            select: flowSelect,
            orderBy: byId,
          }),
        ]),
      );
      const incoming = groupFlows(incomingRows, ends, "destination", today);
      const outgoing = groupFlows(outgoingRows, ends, "source", today);
      for (const entity of batch) {
        const names = { project: projectName, location: locationName.get(entity.locationId) ?? "" };
        yield {
          id: entity.id,
          name: entity.name,
          input: inputOf(entity, names, incoming.get(entity.id) ?? [], outgoing.get(entity.id) ?? []),
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

/** One entity with its generator input, in four statements; null when it does not exist. */
export async function loadEntityRules(
  db: Database,
  entityId: number,
  options: RulesOptions = {},
): Promise<RulesBatchEntity | null> {
  const today = options.today ?? todayUtc();
  const [entity, incomingRows, outgoingRows, interfaces] = await db.run((c) =>
    Promise.all([
      c.entity.findUnique({
        where: { id: entityId },
        select: {
          id: true,
          name: true,
          restrictOutgoing: true,
          project: { select: { name: true } },
          location: { select: { name: true } },
        },
      }),
      c.communication.findMany({ where: { destination: { entityId } }, select: flowSelect, orderBy: byId }),
      c.communication.findMany({
        where: { source: { entityId, entity: { restrictOutgoing: true } } },
        select: flowSelect,
        orderBy: byId,
      }),
      // The entity's interfaces and those at the other end of its flows.
      c.interface.findMany({
        where: {
          OR: [
            { entityId },
            { outgoing: { some: { destination: { entityId } } } },
            { incoming: { some: { source: { entityId } } } },
          ],
        },
        select: interfaceSelect,
      }),
    ]),
  );
  // A project or location deleted meanwhile (PostgreSQL reads relations apart): the entity is going too.
  if (!entity?.project || !entity.location) return null;
  const ends = new Map(interfaces.map(({ id, ...end }) => [id, end]));
  const names = { project: entity.project.name, location: entity.location.name };
  return {
    id: entity.id,
    name: entity.name,
    input: inputOf(
      entity,
      names,
      groupFlows(incomingRows, ends, "destination", today).get(entity.id) ?? [],
      groupFlows(outgoingRows, ends, "source", today).get(entity.id) ?? [],
    ),
  };
}
