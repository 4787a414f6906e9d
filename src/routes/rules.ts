// Rule downloads (docs/rules.md): one entity's iptables, ip6tables or nftables
// file, and the iptables and nftables ZIP archives per project and per
// project location.
import { type Response, Router } from "express";
import { getLocation } from "../data/locations.js";
import { getProject } from "../data/projects.js";
import { loadEntityRules, openProjectRules, type ProjectRules } from "../data/rules.js";
import {
  ARCHIVE_FORMATS,
  type ArchiveFormat,
  entityFileName,
  locationArchiveName,
  projectArchiveName,
  RULES_FILE_KINDS,
} from "../domain/archive-names.js";
import { entityFileText, streamRulesArchive } from "../services/rules-archive.js";
import type { AppDeps } from "../web/deps.js";
import { HttpError, notFound, parseId } from "../web/http-errors.js";

export function rulesRouter({ db, logger }: AppDeps): Router {
  const router = Router();

  for (const kind of RULES_FILE_KINDS) {
    router.get(`/entities/:id/${kind}`, async (req, res) => {
      const entity = await loadEntityRules(db, parseId(req.params.id, "entity"));
      if (!entity) throw notFound("entity");
      const text = entityFileText(entity, kind);
      res.attachment(entityFileName(entity.name, entity.id, kind));
      res.type("text/plain; charset=utf-8").send(text);
    });
  }

  const sendArchive = async (
    res: Response,
    fileName: string,
    rules: ProjectRules,
    format: ArchiveFormat,
    scope: string,
  ) => {
    // An archive without entries would download as a few bytes without a word (docs/rules.md).
    if (rules.entities.length === 0) {
      throw new HttpError(404, `${scope} has no entities yet, so there are no rules to download. Add an entity first.`);
    }
    res.attachment(fileName);
    res.type("application/zip");
    res.set("Cache-Control", "no-store");
    try {
      await streamRulesArchive(rules, res, format);
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

  for (const format of ARCHIVE_FORMATS) {
    router.get(`/projects/:id/${format}.zip`, async (req, res) => {
      const project = await getProject(db, parseId(req.params.id, "project"));
      if (!project) throw notFound("project");
      const rules = await openProjectRules(db, project.id);
      if (!rules) throw notFound("project");
      const scope = `The project ${JSON.stringify(project.name)}`;
      await sendArchive(res, projectArchiveName(project.name, project.id, format), rules, format, scope);
    });

    router.get(`/projects/:id/locations/:locationId/${format}.zip`, async (req, res) => {
      const project = await getProject(db, parseId(req.params.id, "project"));
      if (!project) throw notFound("project");
      const location = await getLocation(db, parseId(req.params.locationId, "location"));
      if (!location) throw notFound("location");
      const rules = await openProjectRules(db, project.id, location.id);
      if (!rules) throw notFound("project");
      const name = locationArchiveName(project.name, location.name, project.id, location.id, format);
      const scope = `The location ${JSON.stringify(location.name)} of project ${JSON.stringify(project.name)}`;
      await sendArchive(res, name, rules, format, scope);
    });
  }

  return router;
}
