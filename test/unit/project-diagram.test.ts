// What a project page shows for its diagram (src/services/diagram/project.ts,
// docs/usage.md "Diagram"): nothing to draw, a render started in the
// background, and for more than MAX_DRAWN_FLOWS flows a note at once, without
// starting a layout that could not finish.
import { describe, expect, it } from "vitest";
import { MAX_DRAWN_FLOWS, type ProjectDiagramDeps, projectDiagram } from "../../src/services/diagram/project.js";

function fakeDeps() {
  const rendered: string[] = [];
  const deps: ProjectDiagramDeps = {
    diagrams: {
      peek: () => "pending",
      render: async (dot: string) => {
        rendered.push(dot);
        return { status: "timeout" } as const;
      },
    },
    config: { DIAGRAM_TIMEOUT_MS: 10_000 },
    logger: { warn: () => undefined },
  };
  return { deps, rendered };
}

describe("projectDiagram", () => {
  it("is empty without entities and starts no render", () => {
    const { deps, rendered } = fakeDeps();
    expect(projectDiagram(deps, "digraph {}", 0, 0)).toEqual({ status: "empty" });
    expect(rendered).toEqual([]);
  });

  it("starts a render in the background for a drawable project", () => {
    const { deps, rendered } = fakeDeps();
    expect(projectDiagram(deps, "digraph { a -> b }", 2, MAX_DRAWN_FLOWS).status).toBe("pending");
    expect(rendered).toEqual(["digraph { a -> b }"]);
  });

  it("says at once that a project of more flows is not drawn, naming the count, and starts no layout", () => {
    const { deps, rendered } = fakeDeps();
    const state = projectDiagram(deps, "digraph { a -> b }", 2_000, 20_000);
    expect(state).toEqual({
      status: "unavailable",
      message:
        "The diagram has 20,000 communications, more than the 10,000 one is drawn for: choose one location on the diagram page, or see the communications list.",
    });
    expect(rendered).toEqual([]);
  });
});
