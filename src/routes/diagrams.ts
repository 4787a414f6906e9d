// The communications diagram (docs/usage.md) as SVG (the project's, one
// location's with ?location=ID, or one entity's neighbourhood), its full-size
// page with zoom and pan (public/js/diagram.js), and the colours the project
// page's table shares with it, as a stylesheet (the CSP allows no inline style).
import { createHash } from "node:crypto";
import { type Request, type Response, Router } from "express";
import { type DiagramScope, diagramInput, projectEntityIds } from "../data/diagrams.js";
import { getEntity, getProjectPage } from "../data/entities.js";
import { getProject } from "../data/projects.js";
import { entityColours } from "../domain/colours.js";
import { buildProjectDot } from "../domain/dot.js";
import type { DiagramInput } from "../domain/types.js";
import {
  diagramEtag,
  MAX_DRAWN_FLOWS,
  SVG_CONTENT_SECURITY_POLICY,
  tooLargeMessage,
} from "../services/diagram/index.js";
import type { AppDeps } from "../web/deps.js";
import { badRequest, notFound, parseId } from "../web/http-errors.js";

export function coloursCss(entityIds: number[]): string {
  const lines: string[] = [];
  for (const [id, colour] of entityColours(entityIds)) {
    lines.push(`.entity-colour-${id}{background-color:${colour.fill};color:${colour.text}}`);
    lines.push(`.entity-colour-${id} a{color:${colour.text}}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * A checked SVG (src/services/diagram/svg-policy.ts: drawing elements and
 * entity links only) ready to sit inside an HTML page: no XML declaration,
 * no comments (Graphviz's name the graph), no fixed size in points (the page
 * scales it; public/js/diagram.js zooms it), and a title for assistive technology.
 */
export function inlineSvg(svg: string): string {
  const start = svg.indexOf("<svg");
  return svg
    .slice(start === -1 ? 0 : start)
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(
      /^<svg width="([\d.]+)pt" height="([\d.]+)pt"/,
      '<svg data-width="$1" data-height="$2" width="$1pt" height="$2pt" role="img" aria-labelledby="diagram-title"',
    );
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

  /** `?location=ID`: one of the project's locations, or a 400 naming the problem. */
  const locationScope = (req: Request, page: Awaited<ReturnType<typeof load>>["page"]): DiagramScope => {
    const text = req.query.location;
    if (text === undefined || text === "") return {};
    const id = typeof text === "string" && /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : Number.NaN;
    if (!page.locations.some((l) => l.id === id)) {
      throw badRequest("The location filter must name a location that has entities of this project.");
    }
    return { location: id };
  };

  const sendSvg = async (req: Request, res: Response, input: DiagramInput) => {
    if (input.communications.length > MAX_DRAWN_FLOWS) {
      res.status(503).type("text/plain").send(tooLargeMessage(input.communications.length));
      return;
    }
    const dot = buildProjectDot(input);
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
  };

  // The full-size page: the SVG inline, so its nodes link to their entities.
  router.get("/projects/:id/diagram", async (req, res) => {
    const { project, page } = await load(req);
    const scope = locationScope(req, page);
    const input = diagramInput(page, scope);
    const tooLarge = input.communications.length > MAX_DRAWN_FLOWS;
    const result = input.entities.length === 0 || tooLarge ? null : await deps.diagrams.render(buildProjectDot(input));
    res.render("diagrams/project.njk", {
      title: `Diagram of ${project.name}`,
      project,
      locations: page.locations,
      location: page.locations.find((l) => l.id === scope.location),
      svg: result?.status === "ok" ? inlineSvg(result.svg) : "",
      problem: tooLarge
        ? tooLargeMessage(input.communications.length)
        : result === null
          ? "The diagram appears once the project has entities."
          : result.status === "timeout"
            ? "The diagram is too dense to lay out in time: choose one location, or see the communications list."
            : result.status === "error"
              ? "The diagram could not be drawn."
              : "",
      counts: { entities: input.entities.length, communications: input.communications.length },
    });
  });

  // One entity and the entities it talks to, for its page (views/diagrams/neighbourhood.njk).
  router.get("/entities/:id/diagram.svg", async (req, res) => {
    const entity = await getEntity(db, parseId(req.params.id, "entity"));
    if (!entity) throw notFound("entity");
    const page = await getProjectPage(db, entity.project.id);
    await sendSvg(req, res, diagramInput(page, { entity: entity.id }));
  });

  router.get("/projects/:id/diagram.svg", async (req, res) => {
    const { page } = await load(req);
    await sendSvg(req, res, diagramInput(page, locationScope(req, page)));
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
