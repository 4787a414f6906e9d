// Rule downloads (docs/rules.md): one entity's file, and ZIP archives per
// project and per project location.
import { Router } from "express";
import { getEntityPage } from "../data/entities.js";
import { getLocation } from "../data/locations.js";
import { getProject } from "../data/projects.js";
import { entityRulesInput, loadProjectRules } from "../data/rules.js";
import { entityRulesFileName, locationArchiveName, projectArchiveName } from "../domain/archive-names.js";
import { generateEntityRules } from "../domain/iptables.js";
import { streamRulesArchive } from "../services/rules-archive.js";
import type { AppDeps } from "../web/deps.js";
import { notFound, parseId } from "../web/http-errors.js";

export function rulesRouter({ db, logger }: AppDeps): Router {
  const router = Router();

  router.get("/entities/:id/iptables", async (req, res) => {
    const page = await getEntityPage(db, parseId(req.params.id, "entity"));
    if (!page) throw notFound("entity");
    const text = generateEntityRules(entityRulesInput(page.entity, page.incoming));
    res.attachment(entityRulesFileName(page.entity.name, page.entity.id));
    res.type("text/plain; charset=utf-8").send(text);
  });

  const sendArchive = async (
    res: Parameters<Parameters<Router["get"]>[1]>[1],
    fileName: string,
    entities: Awaited<ReturnType<typeof loadProjectRules>>,
  ) => {
    res.attachment(fileName);
    res.type("application/zip");
    res.set("Cache-Control", "no-store");
    try {
      await streamRulesArchive(entities, res);
    } catch (err) {
      // Nothing sent yet (the first entry failed): the error page answers, as a page, not a download.
      if (!res.headersSent) {
        for (const header of ["Content-Disposition", "Content-Type", "Cache-Control"]) res.removeHeader(header);
        throw err;
      }
      // Headers are gone: the client sees a cut connection, the log has why.
      logger.error({ err }, "archive stream failed");
      res.destroy();
    }
  };

  router.get("/projects/:id/iptables.zip", async (req, res) => {
    const project = await getProject(db, parseId(req.params.id, "project"));
    if (!project) throw notFound("project");
    const entities = await loadProjectRules(db, project.id);
    await sendArchive(res, projectArchiveName(project.name, project.id), entities);
  });

  router.get("/projects/:id/locations/:locationId/iptables.zip", async (req, res) => {
    const project = await getProject(db, parseId(req.params.id, "project"));
    if (!project) throw notFound("project");
    const location = await getLocation(db, parseId(req.params.locationId, "location"));
    if (!location) throw notFound("location");
    const entities = await loadProjectRules(db, project.id, location.id);
    await sendArchive(res, locationArchiveName(project.name, location.name, project.id, location.id), entities);
  });

  return router;
}
