// Four projects (docs/development.md, "Tests"): unit (test/unit: no database,
// no HTTP, seconds: `npm run test:unit`), the integration suite (test/integration)
// once on SQLite and once on PostgreSQL (docs/install.md: both engines are
// supported), and e2e (test/e2e: browser journeys, server processes, the kernel
// firewall proof). The PostgreSQL run needs a server at CONNTRACKT_TEST_PG_URL
// (default postgresql://postgres@127.0.0.1:5432/test, a user allowed to create
// databases); without one it is left out with one line saying so.
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { pgAdminUrl, probePostgres, redactUrl } from "./test/support/postgres.js";

const unit = "test/unit/**/*.test.ts";
const integration = "test/integration/**/*.test.ts";
const e2e = "test/e2e/**/*.test.ts";
// Files that are about one engine, or use no database (HTTP servers, worker
// threads and child processes, kept out of the fast unit run): run them once.
const engineIndependent = [
  "test/integration/two-processes.test.ts",
  "test/integration/sqlite-*.test.ts",
  "test/integration/shutdown-steps.test.ts",
  "test/integration/diagram-render.test.ts",
  "test/integration/drift-worker-pool.test.ts",
  "test/integration/session-secret.test.ts",
  "test/integration/dataset-cli.test.ts",
];

// Vitest evaluates this file once for the root and once per project that
// extends it: probe (and say so) only once per process.
const cache = globalThis as { conntracktPgProbe?: Promise<string | null> };

export default defineConfig(async () => {
  const pgUrl = pgAdminUrl();
  const first = cache.conntracktPgProbe === undefined;
  cache.conntracktPgProbe ??= probePostgres(pgUrl);
  const unreachable = await cache.conntracktPgProbe;
  const projects: TestProjectInlineConfiguration[] = [
    { extends: true, test: { name: "unit", include: [unit] } },
    { extends: true, test: { name: "sqlite", include: [integration], env: { CONNTRACKT_TEST_ENGINE: "sqlite" } } },
    { extends: true, test: { name: "e2e", include: [e2e] } },
  ];
  if (unreachable) {
    if (first) console.log(`PostgreSQL suite skipped: no server at ${redactUrl(pgUrl)} (${unreachable})`);
  } else {
    projects.push({
      extends: true,
      test: {
        name: "postgresql",
        include: [integration],
        exclude: [...configDefaults.exclude, ...engineIndependent],
        env: { CONNTRACKT_TEST_ENGINE: "postgresql", CONNTRACKT_TEST_PG_URL: pgUrl },
        globalSetup: ["test/support/pg-global-setup.ts"],
      },
    });
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
