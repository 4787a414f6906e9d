// "Can it reach?" and the project report (docs/usage.md): read-only pages of a
// project, for anyone with `view`. A question with bad fields re-shows the
// form with one message per field (422), never an error page.
import { Router } from "express";
import { loadAnalysisModel } from "../data/analysis.js";
import { getProject, type ProjectRow } from "../data/projects.js";
import type { AnalysisModel } from "../domain/analysis-model.js";
import { todayUtc } from "../domain/expiry.js";
import { buildReachIndex, reach } from "../domain/reach.js";
import { buildReport, FINDING_KINDS, FINDING_TITLES } from "../domain/report.js";
import { parseReachQuery, REACH_FIELDS } from "../validation/analysis.js";
import { requirePermission } from "../web/auth.js";
import type { AppDeps } from "../web/deps.js";
import { notFound } from "../web/http-errors.js";
import { load } from "../web/load.js";

/** The submitted text of each field, for re-display (a repeated field shows nothing). */
function submitted(query: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    REACH_FIELDS.map((field) => [field, typeof query[field] === "string" ? (query[field] as string) : ""]),
  );
}

export function analysisRouter({ db }: AppDeps): Router {
  const router = Router();
  router.param(
    "projectId",
    load("project", "project", (id) => getProject(db, id)),
  );

  const model = async (project: ProjectRow): Promise<AnalysisModel> => {
    const found = await loadAnalysisModel(db, project.id);
    // Deleted since the project was looked up.
    if (found === null) throw notFound("project");
    return found;
  };

  router.get("/projects/:projectId/reach", requirePermission("view"), async (req, res) => {
    const project = res.locals.project as ProjectRow;
    const query = req.query as Record<string, unknown>;
    const values = submitted(query);
    const page = { title: `Can it reach? · ${project.name}`, project, values };
    // The page without a question: the empty form.
    if (REACH_FIELDS.every((field) => query[field] === undefined)) {
      return res.render("analysis/reach.njk", { ...page, errors: {} });
    }
    const parsed = parseReachQuery(query);
    if (!parsed.ok) return res.status(422).render("analysis/reach.njk", { ...page, errors: parsed.errors });
    const outcome = reach(buildReachIndex(await model(project), todayUtc()), parsed.query);
    if (!outcome.ok) {
      return res.status(422).render("analysis/reach.njk", { ...page, errors: { [outcome.field]: outcome.message } });
    }
    res.render("analysis/reach.njk", { ...page, errors: {}, answer: outcome.answer });
  });

  router.get("/projects/:projectId/report", requirePermission("view"), async (_req, res) => {
    const project = res.locals.project as ProjectRow;
    const report = buildReport(await model(project), todayUtc());
    const sections = FINDING_KINDS.map((kind) => ({
      kind,
      title: FINDING_TITLES[kind],
      findings: report.findings.filter((f) => f.kind === kind),
    })).filter((section) => section.findings.length > 0);
    res.render("analysis/report.njk", { title: `Report · ${project.name}`, project, report, sections });
  });

  return router;
}
