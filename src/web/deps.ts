// What createApp hands every router (src/app.ts). Only types are imported, so
// routes can name their dependencies without importing the app that imports
// them (test/unit/layers.test.ts forbids that cycle).
import type passportType from "passport";
import type { Config } from "../config.js";
import type { Database } from "../data/engine.js";
import type { DatabaseSessionStore } from "../data/sessions.js";
import type { Logger } from "../logger.js";
import type { DiagramRenderer } from "../services/diagram/index.js";
import type { DriftWorkerPool } from "../services/drift-worker-pool.js";
import type { LoginThrottle } from "../services/login-throttle.js";
import type { PasswordHasher } from "../services/passwords.js";
import type { ProjectPages } from "../services/project-page.js";
import type { PageCache } from "./page-cache.js";

export interface AppDeps {
  config: Config;
  db: Database;
  logger: Logger;
  throttle: LoginThrottle;
  passwords: PasswordHasher;
  passport: passportType.PassportStatic;
  sessionStore: DatabaseSessionStore;
  diagrams: DiagramRenderer;
  /** Runs drift checks off the event loop (the entity page's form and the API). */
  driftChecks: DriftWorkerPool;
  /** The project pages' models, kept until the next recorded change. */
  projectPages: ProjectPages;
  /** Rendered pages kept per user and URL until the data changes (src/web/page-cache.ts). */
  pages: PageCache;
}
