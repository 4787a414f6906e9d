// Deployments and the rule diff of a project (docs/usage.md "Deployments and
// rule diff"): the list, the "Mark as deployed" form, and the per-entity diff
// of every generated file between a deployment and now (or two deployments).
import { type Response, Router } from "express";
import { listDeployments } from "../data/deployments.js";
import { getProject, type ProjectRow } from "../data/projects.js";
import { ENTITY_STATUSES } from "../domain/rule-diff.js";
import { markDeployed, projectRuleDiff, resolveDiffEnds, UnknownDeployment } from "../services/deployments.js";
import { formValues, parseForm } from "../validation/common.js";
import { deploymentForm, parseDeploymentsQuery, parseDiffQuery } from "../validation/deployments.js";
import { requirePermission } from "../web/auth.js";
import type { AppDeps } from "../web/deps.js";
import { flash } from "../web/flash.js";
import { badRequest, HttpError, notFound } from "../web/http-errors.js";
import { load } from "../web/load.js";

export function deploymentsRouter({ db }: AppDeps): Router {
  const router = Router();

  router.param(
    "projectId",
    load("project", "project", (id) => getProject(db, id)),
  );

  const renderList = async (
    res: Response,
    page: { before?: number; values?: Record<string, unknown>; errors?: Record<string, string> } = {},
    status = 200,
  ) => {
    const project = res.locals.project as ProjectRow;
    const { deployments, more } = await listDeployments(db, project.id, page.before);
    res.status(status).render("deployments/list.njk", {
      title: `Deployments of ${project.name}`,
      project,
      deployments,
      older: more ? deployments.at(-1)?.id : undefined,
      paged: page.before !== undefined,
      values: page.values ?? {},
      errors: page.errors ?? {},
    });
  };

  router.get("/projects/:projectId/deployments", requirePermission("view"), async (req, res) => {
    const query = parseDeploymentsQuery(req.query);
    if (!query.ok) throw badRequest(query.message);
    await renderList(res, { before: query.data.before });
  });

  router.post("/projects/:projectId/deployments", requirePermission("view", "change_project"), async (req, res) => {
    const project = res.locals.project as ProjectRow;
    const parsed = parseForm(deploymentForm, req.body);
    if (!parsed.ok) return renderList(res, { values: formValues(req.body), errors: parsed.errors }, 422);
    const actor = (req.user as Express.User).username;
    const deployment = await markDeployed(db, { projectId: project.id, actor, note: parsed.data.note });
    if (!deployment) throw notFound("project");
    flash(req, "success", `Project "${project.name}" was marked as deployed (deployment ${deployment.id}).`);
    res.redirect(303, `/projects/${project.id}/deployments`);
  });

  router.get("/projects/:projectId/diff", requirePermission("view"), async (req, res) => {
    const project = res.locals.project as ProjectRow;
    const query = parseDiffQuery(req.query);
    if (!query.ok) throw badRequest(query.message);
    const page = { title: `Rule diff of ${project.name}`, project };
    let ends: Awaited<ReturnType<typeof resolveDiffEnds>>;
    try {
      ends = await resolveDiffEnds(db, project.id, query.data.from, query.data.to);
    } catch (error) {
      if (error instanceof UnknownDeployment)
        throw new HttpError(404, `This project has no deployment ${error.deploymentId}.`);
      throw error;
    }
    if (!ends) return res.render("deployments/diff.njk", { ...page, never: true });
    const diff = await projectRuleDiff(db, project.id, ends.from, ends.to);
    if (!diff) throw notFound("project");
    res.render("deployments/diff.njk", { ...page, ...ends, diff, statuses: ENTITY_STATUSES });
  });

  return router;
}
