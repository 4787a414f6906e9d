// What a project page shows for its diagram (docs/usage.md): the SVG's version
// for its URL, nothing for a project without entities, or a note when the
// layout timed out or failed (the table below the diagram lists everything).
// The page never waits for Graphviz: a diagram not yet laid out is started in
// the background and the page links its SVG, which the browser loads when the
// layout is done (the SVG request joins the render already running).
import type { Logger } from "../../logger.js";
import { diagramEtag } from "./cache.js";
import type { DiagramRenderer } from "./renderer.js";

export type DiagramState =
  | { status: "ok"; version: string }
  | { status: "pending"; version: string }
  | { status: "empty" }
  | { status: "unavailable"; message: string };

/** The part of the app's dependencies a project page's diagram needs. */
export interface ProjectDiagramDeps {
  diagrams: Pick<DiagramRenderer, "render" | "peek">;
  config: { DIAGRAM_TIMEOUT_MS: number };
  logger: Pick<Logger, "warn">;
}

const versionOf = (dot: string) => diagramEtag(dot).replace(/"/g, "").slice(0, 16);

export const timeoutMessage = (deps: ProjectDiagramDeps) =>
  `The diagram is too dense to lay out within ${Math.round(deps.config.DIAGRAM_TIMEOUT_MS / 1000)} s; the table below lists every communication.`;

/**
 * Flows a diagram is drawn for at most (docs/usage.md "Diagram"): a layout of
 * more never finished within the default time limit on the machines we
 * measured (docs/benchmarks.md), and would only spend a worker's CPU and some
 * 80 MiB to say so. One location's diagram of such a project is drawn.
 */
export const MAX_DRAWN_FLOWS = 10_000;

export const tooLargeMessage = (flows: number) =>
  `The diagram has ${flows.toLocaleString("en-GB")} communications, more than the ${MAX_DRAWN_FLOWS.toLocaleString("en-GB")} one is drawn for: choose one location on the diagram page, or see the communications list.`;

/** Says what a project page should show for `dot`, at once; starts a render that is neither cached nor remembered as timed out. */
export function projectDiagram(
  deps: ProjectDiagramDeps,
  dot: string,
  entityCount: number,
  flowCount: number,
): DiagramState {
  if (entityCount === 0) return { status: "empty" };
  if (flowCount > MAX_DRAWN_FLOWS) return { status: "unavailable", message: tooLargeMessage(flowCount) };
  const state = deps.diagrams.peek(dot);
  if (state === "ok") return { status: "ok", version: versionOf(dot) };
  if (state === "timeout") return { status: "unavailable", message: timeoutMessage(deps) };
  void deps.diagrams.render(dot).then((result) => {
    if (result.status === "error") deps.logger.warn({ message: result.message }, "diagram render failed");
  });
  return { status: "pending", version: versionOf(dot) };
}
