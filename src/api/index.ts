// The REST API under /api/v1 (docs/api.md): JSON in and out, bearer tokens
// or a browser session, the five resources, the rules files and the OpenAPI
// document. It answers every /api/v1 request itself, errors included, always
// in JSON and never with a redirect to the log-in page; nothing it answers is
// cached. src/app.ts mounts it before the pages' log-in and CSRF checks: it
// does its own (src/api/auth.ts). The drift check reads its own, larger body
// (src/api/drift.ts), so it comes before the JSON parser.
import express, { Router } from "express";
import type { AppDeps } from "../web/deps.js";
import { apiAuthentication } from "./auth.js";
import { driftApiRouter, READ_ONLY_POSTS } from "./drift.js";
import { ApiError, apiErrorHandler } from "./errors.js";
import { openApiDocument } from "./openapi.js";
import { reachApiRouter } from "./reach.js";
import { API_BASE } from "./resource.js";
import { resourceRouters } from "./resources.js";
import { rulesApiRouter } from "./rules.js";

/** The largest JSON body read: a single object is a few kilobytes at most. */
const BODY_LIMIT = "256kb";

export function apiRouter(deps: AppDeps): Router {
  const router = Router();
  const document = openApiDocument();

  router.use(API_BASE, (_req, res, next) => {
    res.set("Cache-Control", "no-store");
    next();
  });
  // The document describes the API, not the data: anyone may read it.
  router.get(`${API_BASE}/openapi.json`, (_req, res) => {
    res.json(document);
  });
  // Who calls first, so an anonymous request's body is never read.
  router.use(API_BASE, apiAuthentication(deps, READ_ONLY_POSTS));
  router.use(driftApiRouter(deps));
  router.use(API_BASE, express.json({ limit: BODY_LIMIT }));
  router.use(rulesApiRouter(deps.db, deps.logger));
  router.use(reachApiRouter(deps.db));
  for (const resource of resourceRouters(deps.db)) router.use(resource);
  router.use(API_BASE, (req, _res, next) => {
    next(
      new ApiError(404, `There is no ${req.method} ${req.originalUrl.split("?")[0]} (see ${API_BASE}/openapi.json).`),
    );
  });
  router.use(API_BASE, apiErrorHandler(deps.logger));
  return router;
}
