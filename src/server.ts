// Entry point: reads the configuration, prepares the database, listens, and
// shuts down gracefully on SIGTERM and SIGINT.
import type { Server } from "node:http";
import { createApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { openDatabase } from "./data/engine.js";
import { ensureDefaultGroups, ensureInitialAdmin, migrateDatabase } from "./data/setup.js";
import { createLogger } from "./logger.js";
import { PasswordHasher } from "./services/passwords.js";
import { exitOnStrayRejection, gracefulClose, shutDown } from "./web/graceful-close.js";

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  // Every known path handles its own errors; one that does not is a bug, logged before the exit.
  process.on(
    "unhandledRejection",
    exitOnStrayRejection(logger, (code) => process.exit(code)),
  );
  const applied = await migrateDatabase(config.DATABASE_URL);
  const db = await openDatabase(config.DATABASE_URL);
  if (applied.length > 0) logger.info({ migrations: applied }, "database migrated");
  await ensureDefaultGroups(db);
  const generated = await ensureInitialAdmin(db, config.INITIAL_ADMIN_PASSWORD, (password) =>
    new PasswordHasher({ cost: config.PASSWORD_HASH_COST }).hash(password),
  );
  if (generated) {
    logger.warn("created superuser 'admin'; its generated password is printed once on standard output");
    console.log(
      `\n  Initial administrator: admin\n  Password: ${generated}\n  (change it under Administration after logging in)\n`,
    );
  }

  const app = createApp({ config, db, logger });
  const server: Server = app.listen(config.PORT, config.HOST, () => {
    logger.info(`Conntrackt listening on http://${config.HOST}:${(server.address() as { port: number }).port}`);
  });
  server.on("error", (err) => {
    logger.fatal({ err }, "cannot listen");
    process.exit(1);
  });
  const closer = gracefulClose(server);
  const pruner = setInterval(
    () => {
      void app.deps.sessionStore.prune().catch(() => {});
      void app.deps.throttle.prune().catch(() => {});
    },
    60 * 60 * 1000,
  );
  pruner.unref();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(pruner);
    // shutDown never rejects: a failing step is logged and makes the exit status 1.
    void shutDown(signal, {
      server,
      closer,
      logger,
      // A diagram layout may run up to DIAGRAM_TIMEOUT_MS (10 s by default), and
      // a drift check up to 20 s: rather than keep the stop waiting, abandon them, so a project page that waits for a layout is answered at
      // once (with the table and a note), and a drift check with a 503, instead
      // of being cut off when the connections are forced closed.
      abandon: async () => {
        await Promise.all([app.deps.diagrams.close(), app.deps.driftChecks.close()]);
      },
      release: () => db.close(),
      forceAfterMs: config.SHUTDOWN_TIMEOUT_MS,
      exit: (code) => process.exit(code),
    });
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

await main();
