// Writes a project model (test/support/analysis-model.ts) into a database, as
// rows of every version 2 field the analyses read (restrictOutgoing, portEnd,
// expires), so tests can go through the real loaders: src/data/analysis.ts for
// the reach function and the report, src/data/rules.ts for the files.
import type { Database } from "../../src/data/engine.js";
import type { AnalysisModel } from "../../src/domain/analysis-model.js";

/** Saves the model as a new project (its location named after it); returns the project's id. */
export async function saveModel(db: Database, model: AnalysisModel): Promise<number> {
  return db.transaction(async (tx) => {
    const project = await tx.project.create({
      data: { name: model.project.name, nameKey: model.project.name.toLowerCase() },
    });
    const location = await tx.location.create({
      data: { name: `${model.project.name} site`, nameKey: `${model.project.name} site`.toLowerCase() },
    });
    const entityIds = new Map<number, number>();
    for (const e of model.entities) {
      const row = await tx.entity.create({
        data: { name: e.name, restrictOutgoing: e.restrictOutgoing, projectId: project.id, locationId: location.id },
      });
      entityIds.set(e.id, row.id);
    }
    const interfaceIds = new Map<number, number>();
    for (const i of model.interfaces) {
      const row = await tx.interface.create({
        data: {
          name: i.name,
          address: i.address,
          netmask: i.netmask,
          entityId: entityIds.get(i.entityId) as number,
        },
      });
      interfaceIds.set(i.id, row.id);
    }
    for (const c of model.communications) {
      await tx.communication.create({
        data: {
          sourceId: interfaceIds.get(c.sourceId) as number,
          destinationId: interfaceIds.get(c.destinationId) as number,
          protocol: c.protocol,
          port: c.port,
          portEnd: c.portEnd,
          description: c.description,
          expires: c.expires,
        },
      });
    }
    return project.id;
  });
}
