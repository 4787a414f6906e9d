// The main page (docs/usage.md) and the health check.
import { type RequestHandler, Router } from "express";
import { listLocations } from "../data/locations.js";
import { pingDatabase } from "../data/main.js";
import { listProjects } from "../data/projects.js";
import { sortByName } from "../domain/sort.js";
import { requirePermission } from "../web/auth.js";
import type { AppDeps } from "../web/deps.js";

/** Liveness and readiness for a load balancer: no log-in, answers 503 when the database does not. */
export function healthCheck({ db }: AppDeps): RequestHandler {
  return async (_req, res) => {
    try {
      await pingDatabase(db);
      res.json({ status: "ok" });
    } catch {
      res.status(503).json({ status: "unavailable" });
    }
  };
}

export function mainRouter({ db }: AppDeps): Router {
  const router = Router();

  router.get("/", requirePermission("view"), async (_req, res) => {
    const [projects, locations] = await Promise.all([listProjects(db), listLocations(db)]);
    // Name regardless of case, then id: the order of every page (src/domain/sort.ts).
    res.render("main/index.njk", { projects: sortByName(projects), locations: sortByName(locations) });
  });

  return router;
}
