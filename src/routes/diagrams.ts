// The communications diagram (docs/usage.md) as SVG, and the colours the project
// page's table shares with it, as a stylesheet (the CSP allows no inline style).
import { createHash } from "node:crypto";
import { type Request, type Response, Router } from "express";
import { diagramInput, projectEntityIds } from "../data/diagrams.js";
import { getProjectPage } from "../data/entities.js";
import { getProject } from "../data/projects.js";
import { entityColours } from "../domain/colours.js";
import { buildProjectDot } from "../domain/dot.js";
import { diagramEtag, SVG_CONTENT_SECURITY_POLICY } from "../services/diagram/index.js";
import type { AppDeps } from "../web/deps.js";
import { notFound, parseId } from "../web/http-errors.js";

export function coloursCss(entityIds: number[]): string {
  const lines: string[] = [];
  for (const [id, colour] of entityColours(entityIds)) {
    lines.push(`.entity-colour-${id}{background-color:${colour.fill};color:${colour.text}}`);
    lines.push(`.entity-colour-${id} a{color:${colour.text}}`);
  }
  return `${lines.join("\n")}\n`;
}

function sendCached(req: Request, res: Response, etag: string, type: string, body: string): void {
  res.set("ETag", etag);
  res.set("Cache-Control", "private, no-cache");
  res.type(type);
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  res.send(body);
}

export function diagramsRouter(deps: AppDeps): Router {
  const { db } = deps;
  const router = Router();

  const load = async (req: Request) => {
    const project = await getProject(db, parseId(req.params.id, "project"));
    if (!project) throw notFound("project");
    return { project, page: await getProjectPage(db, project.id) };
  };

  router.get("/projects/:id/diagram.svg", async (req, res) => {
    const { page } = await load(req);
    const dot = buildProjectDot(diagramInput(page));
    // The ETag is a hash of the DOT: a browser's revalidation needs no render.
    res.set("ETag", diagramEtag(dot));
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    const result = await deps.diagrams.render(dot);
    if (result.status !== "ok") {
      res
        .status(503)
        .set("Retry-After", "60")
        .type("text/plain")
        .send(
          result.status === "timeout"
            ? "The diagram is too dense to lay out in time."
            : "The diagram could not be drawn.",
        );
      return;
    }
    res.set("Content-Security-Policy", SVG_CONTENT_SECURITY_POLICY);
    sendCached(req, res, result.etag, "image/svg+xml", result.svg);
  });

  router.get("/projects/:id/colours.css", async (req, res) => {
    const project = await getProject(db, parseId(req.params.id, "project"));
    if (!project) throw notFound("project");
    const css = coloursCss(await projectEntityIds(db, project.id));
    const etag = `"${createHash("sha256").update(css).digest("base64url").slice(0, 27)}"`;
    sendCached(req, res, etag, "text/css", css);
  });

  return router;
}
