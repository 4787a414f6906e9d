// Loads a project's model for "Can it reach?" and the project report
// (docs/usage.md) as plain rows: entities with their outgoing setting, their
// interfaces, and every communication with its ports and expiry. Four flat
// queries whatever the size of the project (nested relations would be fetched
// in `IN (…)` chunks that grow with the data). On PostgreSQL each query sees
// what is committed by then: a communication whose end was deleted meanwhile
// is skipped by the model's reader (src/domain/analysis-model.ts).
import type { AnalysisModel } from "../domain/analysis-model.js";
import type { Protocol } from "../domain/constants.js";
import type { Database } from "./engine.js";

/** The project's model, or null when the project does not exist. */
export async function loadAnalysisModel(db: Database, projectId: number): Promise<AnalysisModel | null> {
  const [project, entities, interfaces, communications] = await db.run((c) =>
    Promise.all([
      c.project.findUnique({ where: { id: projectId }, select: { id: true, name: true } }),
      c.entity.findMany({
        where: { projectId },
        select: { id: true, name: true, restrictOutgoing: true },
        orderBy: { id: "asc" },
      }),
      c.interface.findMany({
        where: { entity: { projectId } },
        select: { id: true, entityId: true, name: true, address: true, netmask: true },
        orderBy: { id: "asc" },
      }),
      // Both ends of a communication are in the same project.
      c.communication.findMany({
        where: { source: { entity: { projectId } } },
        select: {
          id: true,
          sourceId: true,
          destinationId: true,
          protocol: true,
          port: true,
          portEnd: true,
          description: true,
          expires: true,
        },
        orderBy: { id: "asc" },
      }),
    ]),
  );
  if (project === null) return null;
  return {
    project,
    entities,
    interfaces,
    communications: communications.map((c) => ({ ...c, protocol: c.protocol as Protocol })),
  };
}
