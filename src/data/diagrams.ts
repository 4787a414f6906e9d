// The rows behind a project's diagram and its colours (docs/usage.md): a project
// page's rows mapped to the diagram builder's plain input, and the entity ids
// the colour stylesheet covers.
import type { DiagramInput } from "../domain/types.js";
import type { Database } from "./engine.js";
import type { ProjectPage } from "./entities.js";

export function diagramInput(page: ProjectPage): DiagramInput {
  return {
    entities: page.locations.flatMap((l) =>
      l.entities.map((e) => ({ id: e.id, name: e.name, location: { id: l.id, name: l.name } })),
    ),
    communications: page.communications.map((c) => ({
      id: c.id,
      sourceEntityId: c.source.entity.id,
      destinationEntityId: c.destination.entity.id,
      protocol: c.protocol,
      port: c.port,
      portEnd: c.portEnd,
    })),
  };
}

/** Ids of the project's entities, in id order (the colours depend on the set, not on the order). */
export async function projectEntityIds(db: Database, projectId: number): Promise<number[]> {
  const rows = await db.run((c) =>
    c.entity.findMany({ where: { projectId }, select: { id: true }, orderBy: { id: "asc" } }),
  );
  return rows.map((row) => row.id);
}
