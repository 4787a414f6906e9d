// The diagram service's public face (docs/architecture.md, Diagram rendering):
// renderer.ts puts together pool.ts (Graphviz workers), cache.ts (LRU and
// ETags) and svg-policy.ts (what a served SVG may hold); project.ts says what
// a project page shows.
export { diagramEtag } from "./cache.js";
export {
  type DiagramState,
  MAX_DRAWN_FLOWS,
  type ProjectDiagramDeps,
  projectDiagram,
  tooLargeMessage,
} from "./project.js";
export {
  DiagramRenderer,
  type DiagramRendererOptions,
  type DiagramRendererStats,
  type RenderResult,
} from "./renderer.js";
export { SVG_CONTENT_SECURITY_POLICY, sanitiseSvg } from "./svg-policy.js";
