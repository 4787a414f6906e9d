// Project pages (docs/usage.md).
import { Router } from "express";
import {
  createProject,
  deleteProject,
  getProject,
  type ProjectRow,
  projectDeletionPreview,
  updateProject,
} from "../data/projects.js";
import { countPreview } from "../domain/display.js";
import { MAX_DRAWN_FLOWS, projectDiagram } from "../services/diagram/index.js";
import { projectForm } from "../validation/projects.js";
import { wantsAnother } from "../web/add-another.js";
import { requirePermission } from "../web/auth.js";
import type { AppDeps } from "../web/deps.js";
import { flash } from "../web/flash.js";
import { renderForm, submitForm } from "../web/forms.js";
import { notFound } from "../web/http-errors.js";
import { load } from "../web/load.js";

const duplicate = () => ({ name: "A project with this name already exists." });

export function projectsRouter(deps: AppDeps): Router {
  const { db } = deps;
  const router = Router();

  router.param(
    "projectId",
    load("project", "project", (id) => getProject(db, id)),
  );

  const newPage = { view: "projects/form.njk", locals: { title: "Add project", cancel: "/", addAnother: true } };
  router.get("/projects/new", requirePermission("view", "add_project"), (_req, res) =>
    renderForm(res, newPage, { name: "", description: "" }),
  );
  router.post("/projects/new", requirePermission("view", "add_project"), (req, res) =>
    submitForm(req, res, {
      schema: projectForm,
      page: newPage,
      duplicate,
      save: async (data) => {
        const project = await createProject(db, data);
        flash(req, "success", `Project "${project.name}" was added.`);
        // Save and add another (docs/usage.md "Forms"): an empty form again.
        return wantsAnother(req) ? "/projects/new" : `/projects/${project.id}`;
      },
    }),
  );

  router.get("/projects/:projectId", requirePermission("view"), async (req, res) => {
    const project = res.locals.project as ProjectRow;
    // Kept until the next recorded change (src/services/project-page.ts); the
    // report's counts only for projects whose report takes a moment
    // (docs/usage.md "Project report"), a larger project's page links it without.
    const { dot, ...page } = await deps.projectPages.get(project.id);
    const diagram = projectDiagram(deps, dot, page.entityIds.length, page.communicationCount);
    // A page whose diagram is still being laid out is not kept: the next one
    // may show it (src/web/page-cache.ts). A layout that timed out is tried
    // again once the renderer forgets it: such a page is kept for a minute.
    const keepMs =
      diagram.status === "pending"
        ? 0
        : diagram.status === "unavailable" && page.communicationCount <= MAX_DRAWN_FLOWS
          ? 60_000
          : Number.POSITIVE_INFINITY;
    const locals = {
      title: project.name,
      project,
      ...page,
      // The rest is on the communications list (docs/usage.md), sorted the same way.
      shownIds: page.communications.map((c) => c.id),
      expiryCounts: {
        expired: page.expiring.filter((c) => c.expiry === "expired").length,
        expiring: page.expiring.filter((c) => c.expiry === "expiring").length,
      },
      coloursVersion: page.entityIds.length,
      diagram,
    };
    await deps.pages.render(req, res, "projects/detail.njk", locals, keepMs);
  });

  const editPage = (project: ProjectRow) => ({
    view: "projects/form.njk",
    locals: { title: `Edit project ${project.name}`, cancel: `/projects/${project.id}` },
  });
  router.get("/projects/:projectId/edit", requirePermission("view", "change_project"), (_req, res) => {
    const project = res.locals.project as ProjectRow;
    renderForm(res, editPage(project), project);
  });
  router.post("/projects/:projectId/edit", requirePermission("view", "change_project"), (req, res) => {
    const project = res.locals.project as ProjectRow;
    return submitForm(req, res, {
      schema: projectForm,
      page: editPage(project),
      duplicate,
      save: async (data) => {
        const saved = await updateProject(db, project.id, data);
        if (!saved) throw notFound("project");
        flash(req, "success", `Project "${saved.name}" was changed.`);
        return `/projects/${project.id}`;
      },
    });
  });

  router.get("/projects/:projectId/delete", requirePermission("view", "delete_project"), async (_req, res) => {
    const project = res.locals.project as ProjectRow;
    const preview = await projectDeletionPreview(db, project.id);
    res.render("common/delete.njk", {
      title: `Delete project ${project.name}`,
      kind: "project",
      objectLabel: project.name,
      preview,
      counts: countPreview(preview),
      action: `/projects/${project.id}/delete`,
      cancel: `/projects/${project.id}`,
    });
  });
  router.post("/projects/:projectId/delete", requirePermission("view", "delete_project"), async (req, res) => {
    const project = res.locals.project as ProjectRow;
    if (!(await deleteProject(db, project.id))) throw notFound("project");
    flash(req, "success", `Project "${project.name}" and everything in it were deleted.`);
    res.redirect(303, "/");
  });

  return router;
}
