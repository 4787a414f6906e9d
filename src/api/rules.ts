// Rules for automation (docs/api.md, "Rules"): an entity's iptables,
// ip6tables or nftables file and a project's ZIP archive, the same bytes and
// file names as the downloads (docs/rules.md), from the same loader and
// generators. Permission: view.
import { type Request, type Response, Router } from "express";
import type { Database } from "../data/engine.js";
import { getProject } from "../data/projects.js";
import { loadEntityRules, openProjectRules } from "../data/rules.js";
import {
  ARCHIVE_FORMATS,
  type ArchiveFormat,
  entityFileName,
  projectArchiveName,
  RULES_FILE_KINDS,
} from "../domain/archive-names.js";
import type { Logger } from "../logger.js";
import { entityFileText, streamRulesArchive } from "../services/rules-archive.js";
import { parseId } from "../web/http-errors.js";
import { apiPermission } from "./auth.js";
import { ApiError, apiNotFound } from "./errors.js";
import { API_BASE } from "./resource.js";

function archiveFormat(req: Request): ArchiveFormat {
  const format = req.query.format ?? "iptables";
  if (typeof format !== "string" || !(ARCHIVE_FORMATS as readonly string[]).includes(format)) {
    throw new ApiError(400, `The query parameter format must be one of ${ARCHIVE_FORMATS.join(", ")}.`);
  }
  return format as ArchiveFormat;
}

export function rulesApiRouter(db: Database, logger: Logger): Router {
  const router = Router();

  for (const kind of RULES_FILE_KINDS) {
    router.get(`${API_BASE}/entities/:id/rules/${kind}`, apiPermission("view"), async (req, res) => {
      const entity = await loadEntityRules(db, parseId(req.params.id, "entity"));
      if (!entity) throw apiNotFound("entity");
      const text = entityFileText(entity, kind);
      res.attachment(entityFileName(entity.name, entity.id, kind));
      res.type("text/plain; charset=utf-8").send(text);
    });
  }

  router.get(`${API_BASE}/projects/:id/rules.zip`, apiPermission("view"), async (req, res: Response) => {
    const format = archiveFormat(req);
    const project = await getProject(db, parseId(req.params.id, "project"));
    if (!project) throw apiNotFound("project");
    const rules = await openProjectRules(db, project.id);
    if (!rules) throw apiNotFound("project");
    res.attachment(projectArchiveName(project.name, project.id, format));
    res.type("application/zip");
    try {
      await streamRulesArchive(rules, res, format);
    } catch (err) {
      // Nothing sent yet (the first entry failed): a JSON error answers instead of the file.
      if (!res.headersSent) {
        for (const header of ["Content-Disposition", "Content-Type"]) res.removeHeader(header);
        throw err;
      }
      // Headers are gone: the client sees a cut connection, the log has why.
      (req.log ?? logger).error({ err }, "archive stream failed");
      res.destroy();
    }
  });

  return router;
}
