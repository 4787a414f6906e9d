// Maps a project page's rows to the diagram builder's plain input (docs/usage.md).
import type { DiagramInput } from "../domain/types.js";
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
    })),
  };
}
