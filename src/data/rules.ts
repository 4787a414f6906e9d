// Loads what the iptables generator needs (SPEC §5) as plain data: one entity,
// or every entity of a project (optionally of one location) in two queries.
import type { Protocol } from "../domain/constants.js";
import type { EntityRulesInput, IncomingFlow } from "../domain/types.js";
import type { Database } from "./engine.js";
import type { CommunicationRow, EntityRow } from "./entities.js";

export function toIncomingFlow(c: Pick<CommunicationRow, "protocol" | "port" | "description" | "source" | "destination">): IncomingFlow {
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
 * flows: two queries, whatever the size of the project.
 */
export async function loadProjectRules(
  db: Database,
  projectId: number,
  locationId?: number,
): Promise<RulesBatchEntity[]> {
  const where = { projectId, ...(locationId === undefined ? {} : { locationId }) };
  const [entities, flows] = await db.run((c) =>
    Promise.all([
      c.entity.findMany({
        where,
        select: { id: true, name: true, project: { select: { name: true } }, location: { select: { name: true } } },
        orderBy: { id: "asc" },
      }),
      c.communication.findMany({
        where: { destination: { entity: where } },
        select: {
          protocol: true,
          port: true,
          description: true,
          source: { select: { address: true, netmask: true } },
          destination: { select: { address: true, netmask: true, entityId: true } },
        },
      }),
    ]),
  );
  const byEntity = new Map<number, IncomingFlow[]>();
  for (const f of flows) {
    const list = byEntity.get(f.destination.entityId) ?? [];
    list.push({
      protocol: f.protocol as Protocol,
      port: f.port,
      description: f.description,
      source: { address: f.source.address, netmask: f.source.netmask },
      destination: { address: f.destination.address, netmask: f.destination.netmask },
    });
    byEntity.set(f.destination.entityId, list);
  }
  return entities.map((e) => ({
    id: e.id,
    name: e.name,
    input: {
      entity: { name: e.name, project: e.project.name, location: e.location.name },
      incoming: byEntity.get(e.id) ?? [],
    },
  }));
}
