// What a project page shows for its diagram (docs/usage.md): the SVG's version
// for its URL, nothing for a project without entities, or a note when the
// layout timed out or failed (the table below the diagram lists everything).
import type { Logger } from "../../logger.js";
import type { DiagramRenderer } from "./renderer.js";

export type DiagramState =
  | { status: "ok"; version: string }
  | { status: "empty" }
  | { status: "unavailable"; message: string };

/** The part of the app's dependencies a project page's diagram needs. */
export interface ProjectDiagramDeps {
  diagrams: Pick<DiagramRenderer, "render">;
  config: { DIAGRAM_TIMEOUT_MS: number };
  logger: Pick<Logger, "warn">;
}

/** Renders (or finds cached) the diagram of a project page and says what the page should show. */
export async function projectDiagram(
  deps: ProjectDiagramDeps,
  dot: string,
  entityCount: number,
): Promise<DiagramState> {
  if (entityCount === 0) return { status: "empty" };
  const result = await deps.diagrams.render(dot);
  if (result.status === "ok") return { status: "ok", version: result.etag.replace(/"/g, "").slice(0, 16) };
  if (result.status === "timeout")
    return {
      status: "unavailable",
      message: `The diagram is too dense to lay out within ${Math.round(deps.config.DIAGRAM_TIMEOUT_MS / 1000)} s; the table below lists every communication.`,
    };
  deps.logger.warn({ message: result.message }, "diagram render failed");
  return {
    status: "unavailable",
    message: "The diagram could not be drawn; the table below lists every communication.",
  };
}
