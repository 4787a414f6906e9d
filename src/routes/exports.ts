// A project's data as files to take away (docs/usage.md, "Export and import in
// the browser"): the interchange document of the project (JSON, the format
// `conntrackt import` and the Import page read back) and its flows as CSV (the
// CSV import page reads the file back unchanged).
import { Router } from "express";
import { exportInterchange, serializeInterchange } from "../data/interchange-export.js";
import { getProject, type ProjectRow } from "../data/projects.js";
import { slugify } from "../domain/archive-names.js";
import { communicationsCsv } from "../domain/csv-export.js";
import type { AppDeps } from "../web/deps.js";
import { load } from "../web/load.js";

export function exportsRouter({ db }: AppDeps): Router {
  const router = Router();
  router.param(
    "projectId",
    load("project", "project", (id) => getProject(db, id)),
  );

  // `view` is checked for every data page in app.ts.
  router.get("/projects/:projectId/export.json", async (_req, res) => {
    const project = res.locals.project as ProjectRow;
    const doc = await exportInterchange(db, { project: project.name });
    res.type("application/json; charset=utf-8");
    res.attachment(`${slugify(project.name) || `project-${project.id}`}-export.json`);
    res.send(serializeInterchange(doc));
  });

  router.get("/projects/:projectId/communications.csv", async (_req, res) => {
    const project = res.locals.project as ProjectRow;
    const [exported] = (await exportInterchange(db, { project: project.name })).projects;
    res.type("text/csv; charset=utf-8");
    res.attachment(`${slugify(project.name) || `project-${project.id}`}-communications.csv`);
    res.send(exported ? communicationsCsv(exported) : communicationsCsv({ entities: [], communications: [] }));
  });

  return router;
}
