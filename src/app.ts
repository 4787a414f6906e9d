// Builds the Express application from injected dependencies. It never listens:
// src/server.ts does, and tests build the same app on a temporary database.
import path from "node:path";
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import nunjucks from "nunjucks";
import { pinoHttp } from "pino-http";
import { apiRouter } from "./api/index.js";
import { projectRoot } from "./data/engine.js";
import { DatabaseSessionStore } from "./data/sessions.js";
import { getCurrentUser } from "./data/users.js";
import { PROTOCOLS } from "./domain/constants.js";
import { accountRouter } from "./routes/account.js";
import { adminRouter } from "./routes/admin.js";
import { analysisRouter } from "./routes/analysis.js";
import { authRouter } from "./routes/auth.js";
import { changesRouter } from "./routes/changes.js";
import { communicationsRouter } from "./routes/communications.js";
import { deploymentsRouter } from "./routes/deployments.js";
import { diagramsRouter } from "./routes/diagrams.js";
import { driftFormBody, driftRouter } from "./routes/drift.js";
import { entitiesRouter } from "./routes/entities.js";
import { exportsRouter } from "./routes/exports.js";
import { importFormBody, importsRouter, jsonImportBody } from "./routes/imports.js";
import { interfacesRouter } from "./routes/interfaces.js";
import { listsRouter } from "./routes/lists.js";
import { locationsRouter } from "./routes/locations.js";
import { healthCheck, mainRouter } from "./routes/main.js";
import { projectsRouter } from "./routes/projects.js";
import { rulesRouter } from "./routes/rules.js";
import { searchRouter } from "./routes/search.js";
import { DiagramRenderer } from "./services/diagram/index.js";
import { DriftWorkerPool } from "./services/drift-worker-pool.js";
import { LoginThrottle } from "./services/login-throttle.js";
import { PasswordHasher } from "./services/passwords.js";
import { ProjectPages } from "./services/project-page.js";
import { requestActor } from "./web/actor.js";
import { can, configurePassport, noStoreWhenLoggedIn, requireLogin, requirePermission } from "./web/auth.js";
import { csrfProtection } from "./web/csrf.js";
import type { AppDeps } from "./web/deps.js";
import { flashMessages } from "./web/flash.js";
import { HttpError } from "./web/http-errors.js";
import { PageCache } from "./web/page-cache.js";
import { quietSessions, sessions } from "./web/sessions.js";
import { localTimeFilter } from "./web/time.js";
import "./web/types.js";

export type AppOptions = Pick<AppDeps, "config" | "db" | "logger"> &
  Partial<Pick<AppDeps, "throttle" | "diagrams" | "driftChecks" | "passwords" | "sessionStore">>;

export function createApp(options: AppOptions): express.Express & { deps: AppDeps } {
  const passwords = options.passwords ?? new PasswordHasher({ cost: options.config.PASSWORD_HASH_COST });
  const deps: AppDeps = {
    throttle: LoginThrottle.for(options.db),
    passwords,
    passport: configurePassport(options.db, passwords),
    sessionStore: new DatabaseSessionStore(options.db),
    diagrams: options.diagrams ?? new DiagramRenderer({ timeoutMs: options.config.DIAGRAM_TIMEOUT_MS }),
    driftChecks: options.driftChecks ?? new DriftWorkerPool(),
    projectPages: new ProjectPages(options.db),
    pages: new PageCache(options.db, options.config.PAGE_CACHE_MB * 1024 * 1024),
    ...options,
  };
  const { config, logger } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", config.TRUST_PROXY);
  app.set("query parser", "simple");

  const env = nunjucks.configure(path.join(projectRoot, "views"), {
    autoescape: true,
    express: app,
    noCache: !config.production,
    throwOnUndefined: false,
  });
  // Form values arrive as strings, ids from the database as numbers: compare as text.
  env.addGlobal("str", (value: unknown) => (value === undefined || value === null ? "" : String(value)));
  env.addFilter("localTime", localTimeFilter);
  env.addGlobal("protocols", PROTOCOLS);
  app.set("view engine", "njk");

  app.use(
    pinoHttp({
      logger,
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? "error" : "info"),
      serializers: {
        req: (req) => ({ method: req.method, url: req.url, remoteAddress: req.remoteAddress }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
    }),
  );

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          "default-src": ["'self'"],
          "script-src": ["'self'"],
          "style-src": ["'self'"],
          "img-src": ["'self'", "data:"],
          "form-action": ["'self'"],
          "frame-ancestors": ["'none'"],
          "object-src": ["'none'"],
          "base-uri": ["'none'"],
          // Plain HTTP on a LAN must keep working; behind a TLS proxy, upgrade.
          "upgrade-insecure-requests": config.TRUST_PROXY ? [] : null,
        },
      },
      strictTransportSecurity: config.TRUST_PROXY ? undefined : false,
    }),
  );

  app.get("/healthz", healthCheck(deps));
  app.use("/static", express.static(path.join(projectRoot, "public"), { maxAge: config.production ? "1h" : 0 }));

  // The CSV import page takes up to a megabyte of pasted text (docs/usage.md).
  app.use("/projects/:projectId/import", importFormBody);
  // The Import page takes a JSON file upload (multipart) of up to 10 MiB (docs/usage.md).
  app.use("/import", jsonImportBody);
  // The drift check takes up to 2 MiB of pasted host rules (docs/drift.md).
  app.use("/entities/:entityId/drift", driftFormBody);
  // A kept page of a session this request leaves unchanged is answered here,
  // before the session and log-in layers (src/web/page-cache.ts).
  app.use(deps.pages.early(quietSessions(config, deps.sessionStore), (id) => getCurrentUser(deps.db, id)));
  app.use(express.urlencoded({ extended: false, limit: "1mb", parameterLimit: 5000 }));
  // Express 5 leaves req.body undefined when no parser read the body (none sent,
  // JSON, multipart …; the CSRF token can come in a header): routes that fix a
  // field (req.body.project = …) then threw a 500. Such a body is an empty form.
  app.use((req: Request, _res: Response, next: NextFunction) => {
    req.body ??= {};
    next();
  });
  // Cookie name, flags and lifetimes: src/web/sessions.ts (docs/install.md).
  app.use(sessions(config, deps.sessionStore));
  app.use(deps.passport.initialize());
  app.use(deps.passport.session());
  app.use(noStoreWhenLoggedIn);
  app.use(flashMessages);
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.currentUser = req.user;
    res.locals.can = (code: Parameters<typeof can>[1]) => can(req.user, code);
    res.locals.searchQuery = typeof req.query.q === "string" && req.path.startsWith("/search") ? req.query.q : "";
    next();
  });
  // Every write below records its user in the change history (docs/usage.md).
  app.use(requestActor);
  // The API answers its own requests, errors included, in JSON (docs/api.md):
  // a token or a session, never a redirect to log-in.
  app.use(apiRouter(deps));
  // Anonymous visitors of any page but log-in and log-out go to /login and
  // come back afterwards (before the CSRF check, so a stale form also lands there).
  app.use(requireLogin(["/login", "/logout"]));
  app.use(csrfProtection(config.SESSION_SECRET));
  // A page kept since the data last changed is answered at once, before the
  // routers are searched (src/web/page-cache.ts). Only the data pages below
  // keep theirs, for a user who had the permissions they ask, and a kept page
  // is answered only while that user's permissions are the same.
  app.use(deps.pages.serve());
  app.use(authRouter(deps));
  // Every logged-in user has an account page, whatever their permissions.
  app.use(accountRouter(deps));
  // Every other page is a data page: users without `view` are refused before
  // any URL id is looked up.
  app.use(requirePermission("view"));
  app.use(mainRouter(deps));
  app.use(projectsRouter(deps));
  app.use(analysisRouter(deps));
  app.use(locationsRouter(deps));
  app.use(entitiesRouter(deps));
  app.use(driftRouter(deps));
  app.use(interfacesRouter(deps));
  app.use(communicationsRouter(deps));
  app.use(listsRouter(deps));
  app.use(rulesRouter(deps));
  app.use(deploymentsRouter(deps));
  app.use(diagramsRouter(deps));
  app.use(searchRouter(deps));
  app.use(changesRouter(deps));
  app.use(adminRouter(deps));
  app.use(importsRouter(deps));
  app.use(exportsRouter(deps));

  app.use((_req, _res, next) => next(new HttpError(404, "This page does not exist.")));
  app.use(errorHandler(deps));

  return Object.assign(app, { deps });
}

const TITLES: Record<number, string> = {
  400: "Bad request",
  403: "Permission denied",
  404: "Page not found",
  413: "Request too large",
  500: "Server error",
};

function errorHandler({ logger }: AppDeps): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status = 500;
    let message = "Something went wrong on our side. The error has been logged; please try again.";
    if (err instanceof HttpError) {
      status = err.status;
      message = err.message;
    } else if (
      typeof err?.status === "number" &&
      err.status >= 400 &&
      err.status < 500 &&
      (err.expose || err instanceof URIError)
    ) {
      // body-parser and friends: a bad or oversized request from the client. The
      // router marks a malformed %-escape in a URL parameter 400 without `expose`.
      status = err.status;
      message = err.status === 413 ? "The submitted data is too large." : "The request could not be read.";
    } else {
      (req.log ?? logger).error({ err }, "unhandled error");
    }
    if (res.headersSent) return res.destroy();
    res.status(status);
    try {
      res.render("errors/error.njk", { title: TITLES[status] ?? "Error", message });
    } catch {
      res.type("text/plain").send(message);
    }
  };
}
