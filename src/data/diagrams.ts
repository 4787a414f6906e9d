// The rows behind a project's diagram and its colours (docs/usage.md): a project
// page's rows mapped to the diagram builder's plain input (all of it, one
// location's flows, or one entity's neighbourhood), and the entity ids the
// colour stylesheet covers.
import type { DiagramInput } from "../domain/types.js";
import type { Database } from "./engine.js";
import type { ProjectPage } from "./entities.js";

/** What a diagram shows: the whole project, the flows touching a location, or those of one entity. */
export type DiagramScope = { location?: number; entity?: number };

/**
 * The diagram input of a project page. With a scope, the communications with
 * either end in the location (or on the entity), and the entities at their
 * ends, in their own locations; a location's or entity's own entities stay
 * even without flows.
 */
export function diagramInput(page: ProjectPage, scope: DiagramScope = {}): DiagramInput {
  const entities = page.locations.flatMap((l) =>
    l.entities.map((e) => ({ id: e.id, name: e.name, location: { id: l.id, name: l.name } })),
  );
  const inScope = (entity: { id: number; location: { id: number } }) =>
    (scope.location === undefined || entity.location.id === scope.location) &&
    (scope.entity === undefined || entity.id === scope.entity);
  const scoped = scope.location !== undefined || scope.entity !== undefined;
  const byId = new Map(entities.map((e) => [e.id, e]));
  const kept = new Set(entities.filter(inScope).map((e) => e.id));
  const communications = page.communications.filter((c) => {
    if (!scoped) return true;
    const source = byId.get(c.source.entity.id);
    const destination = byId.get(c.destination.entity.id);
    return (source && inScope(source)) || (destination && inScope(destination));
  });
  for (const c of communications) {
    kept.add(c.source.entity.id);
    kept.add(c.destination.entity.id);
  }
  return {
    entities: scoped ? entities.filter((e) => kept.has(e.id)) : entities,
    communications: communications.map((c) => ({
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
