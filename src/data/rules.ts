// Loads what the iptables generator needs (docs/rules.md) as plain data: one entity,
// or every entity of a project (optionally of one location) in two queries.
import type { Protocol } from "../domain/constants.js";
import type { EntityRulesInput, IncomingFlow } from "../domain/types.js";
import type { Database } from "./engine.js";
import type { CommunicationRow, EntityRow } from "./entities.js";

export function toIncomingFlow(
  c: Pick<CommunicationRow, "protocol" | "port" | "description" | "source" | "destination">,
): IncomingFlow {
  return {
    protocol: c.protocol,
    port: c.port,
    description: c.description,
    source: { address: c.source.interface.address, netmask: c.source.interface.netmask },
    destination: { address: c.destination.interface.address, netmask: c.destination.interface.netmask },
  };
}

export function entityRulesInput(entity: EntityRow, incoming: CommunicationRow[]): EntityRulesInput {
  return {
    entity: { name: entity.name, project: entity.project.name, location: entity.location.name },
    incoming: incoming.map(toIncomingFlow),
  };
}

export interface RulesBatchEntity {
  id: number;
  name: string;
  input: EntityRulesInput;
}

/**
 * Every entity of a project (or of one of its locations) with its incoming
 * flows: five flat queries, whatever the size of the project (nested
 * relations would be fetched in `IN (…)` chunks that grow with the data).
 */
export async function loadProjectRules(
  db: Database,
  projectId: number,
  locationId?: number,
): Promise<RulesBatchEntity[]> {
  const where = { projectId, ...(locationId === undefined ? {} : { locationId }) };
  const [project, entities, locations, interfaces, flows] = await db.run((c) =>
    Promise.all([
      c.project.findUniqueOrThrow({ where: { id: projectId }, select: { name: true } }),
      c.entity.findMany({ where, select: { id: true, name: true, locationId: true }, orderBy: { id: "asc" } }),
      c.location.findMany({ where: { entities: { some: where } }, select: { id: true, name: true } }),
      // Both ends of a communication are in the same project.
      c.interface.findMany({
        where: { entity: { projectId } },
        select: { id: true, address: true, netmask: true, entityId: true },
      }),
      c.communication.findMany({
        where: { destination: { entity: where } },
        select: { protocol: true, port: true, description: true, sourceId: true, destinationId: true },
      }),
    ]),
  );
  const ifaces = new Map(interfaces.map((i) => [i.id, i]));
  const locationName = new Map(locations.map((l) => [l.id, l.name]));
  const byEntity = new Map<number, IncomingFlow[]>();
  for (const f of flows) {
    const source = ifaces.get(f.sourceId);
    const destination = ifaces.get(f.destinationId);
    if (!source || !destination) continue;
    const owner = destination.entityId;
    const list = byEntity.get(owner) ?? [];
    list.push({
      protocol: f.protocol as Protocol,
      port: f.port,
      description: f.description,
      source: { address: source.address, netmask: source.netmask },
      destination: { address: destination.address, netmask: destination.netmask },
    });
    byEntity.set(owner, list);
  }
  return entities.map((e) => ({
    id: e.id,
    name: e.name,
    input: {
      entity: { name: e.name, project: project.name, location: locationName.get(e.locationId) ?? "" },
      incoming: byEntity.get(e.id) ?? [],
    },
  }));
}
