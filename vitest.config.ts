// Four kinds of project (docs/development.md, "Tests"): unit (test/unit: no database,
// no HTTP, seconds: `npm run test:unit`), the integration suite (test/integration)
// once on SQLite and once on PostgreSQL (each split in two: the files that need
// their own module graph run isolated) (docs/install.md: both engines are
// supported), and e2e (test/e2e: browser journeys, server processes, the kernel
// firewall proof). The PostgreSQL run needs a server at CONNTRACKT_TEST_PG_URL
// (default postgresql://postgres@127.0.0.1:5432/test, a user allowed to create
// databases); without one it is left out with one line saying so.
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { pgAdminUrl, probePostgres, redactUrl } from "./test/support/postgres.js";

const unit = "test/unit/**/*.test.ts";
const integration = "test/integration/**/*.test.ts";
const e2e = "test/e2e/**/*.test.ts";
// Files that are about one engine, use no database (HTTP servers, worker
// threads and child processes, kept out of the fast unit run), or whose subject
// is not the database (permissions, page markup and wording, diagrams, the
// log-in throttle, error pages, CLI help): the SQLite run covers them.
const engineIndependent = [
  "test/integration/two-processes.test.ts",
  "test/integration/sqlite-*.test.ts",
  "test/integration/shutdown-steps.test.ts",
  "test/integration/diagram*.test.ts",
  "test/integration/drift-worker-pool.test.ts",
  "test/integration/worker-pool.test.ts",
  "test/integration/session-secret.test.ts",
  "test/integration/dataset-cli.test.ts",
  "test/integration/permissions.test.ts",
  "test/integration/api-permissions.test.ts",
  "test/integration/html-validity.test.ts",
  "test/integration/hostile-outputs.test.ts",
  "test/integration/wording.test.ts",
  "test/integration/cli-help.test.ts",
  "test/integration/login-flood.test.ts",
  "test/integration/login-throttle.test.ts",
  "test/integration/archive-failure.test.ts",
  "test/integration/production-errors.test.ts",
  "test/integration/health.test.ts",
];
// Files that replace modules (vi.mock) need a fresh module graph of their own.
// Every other file of a project shares its worker's modules (isolate: false):
// importing the app once per worker instead of once per file saves most of the
// suite's time (docs/development.md, "Tests").
const ownModules = ["test/integration/races.test.ts"];

// Vitest evaluates this file once for the root and once per project that
// extends it: probe (and say so) only once per process.
const cache = globalThis as { conntracktPgProbe?: Promise<string | null> };

export default defineConfig(async () => {
  const pgUrl = pgAdminUrl();
  const first = cache.conntracktPgProbe === undefined;
  cache.conntracktPgProbe ??= probePostgres(pgUrl);
  const unreachable = await cache.conntracktPgProbe;
  const sqlite = { CONNTRACKT_TEST_ENGINE: "sqlite" };
  const projects: TestProjectInlineConfiguration[] = [
    { extends: true, test: { name: "unit", include: [unit], isolate: false } },
    {
      extends: true,
      test: {
        name: "sqlite",
        include: [integration],
        exclude: [...configDefaults.exclude, ...ownModules],
        isolate: false,
        env: sqlite,
      },
    },
    { extends: true, test: { name: "sqlite-isolated", include: ownModules, env: sqlite } },
    { extends: true, test: { name: "e2e", include: [e2e] } },
  ];
  if (unreachable) {
    if (first) console.log(`PostgreSQL suite skipped: no server at ${redactUrl(pgUrl)} (${unreachable})`);
  } else {
    const postgresql = {
      env: { CONNTRACKT_TEST_ENGINE: "postgresql", CONNTRACKT_TEST_PG_URL: pgUrl },
      globalSetup: ["test/support/pg-global-setup.ts"],
    };
    projects.push(
      {
        extends: true,
        test: {
          name: "postgresql",
          include: [integration],
          exclude: [...configDefaults.exclude, ...engineIndependent, ...ownModules],
          isolate: false,
          ...postgresql,
        },
      },
      {
        extends: true,
        test: {
          name: "postgresql-isolated",
          include: ownModules,
          exclude: [...configDefaults.exclude, ...engineIndependent],
          ...postgresql,
        },
      },
    );
  }
  return {
    test: {
      testTimeout: 30_000,
      hookTimeout: 60_000,
      pool: "forks",
      // Vitest's default on this 2-core machine is one worker: the suite then
      // waits on every child process, database round trip and kernel probe in
      // turn. Two overlap that waiting (docs/development.md, "Tests").
      maxWorkers: Number(process.env.CONNTRACKT_TEST_WORKERS ?? 2),
      projects,
    },
  };
});
