// "Can it reach?" for automation (docs/api.md, "Reachability"): the same
// question, checks and answer as the project page's form (docs/usage.md),
// as JSON. Permission: view.
import { Router } from "express";
import { loadAnalysisModel } from "../data/analysis.js";
import type { Database } from "../data/engine.js";
import { todayUtc } from "../domain/expiry.js";
import { buildReachIndex, reach } from "../domain/reach.js";
import { parseReachQuery } from "../validation/analysis.js";
import { parseId } from "../web/http-errors.js";
import { apiPermission } from "./auth.js";
import { apiNotFound, invalidFields } from "./errors.js";
import { API_BASE } from "./resource.js";

export function reachApiRouter(db: Database): Router {
  const router = Router();
  router.get(`${API_BASE}/projects/:id/reach`, apiPermission("view"), async (req, res) => {
    const model = await loadAnalysisModel(db, parseId(req.params.id, "project"));
    if (model === null) throw apiNotFound("project");
    const parsed = parseReachQuery(req.query as Record<string, unknown>);
    if (!parsed.ok) throw invalidFields(parsed.errors);
    const outcome = reach(buildReachIndex(model, todayUtc()), parsed.query);
    if (!outcome.ok) throw invalidFields({ [outcome.field]: outcome.message });
    res.json(outcome.answer);
  });
  return router;
}
