// Three projects: unit and browser/kernel tests once; the integration suite
// once on SQLite and once on PostgreSQL (docs/install.md: both engines are supported).
// The PostgreSQL run needs a server at CONNTRACKT_TEST_PG_URL (default
// postgresql://postgres@127.0.0.1:5432/test, a user allowed to create
// databases); without one it is left out with one line saying so.
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { pgAdminUrl, probePostgres, redactUrl } from "./test/support/postgres.js";

const integration = "test/integration/**/*.test.ts";
// Files that are about one engine or start their own processes: run them once.
const engineIndependent = ["test/integration/two-processes.test.ts", "test/integration/sqlite-*.test.ts"];

// Vitest evaluates this file once for the root and once per project that
// extends it: probe (and say so) only once per process.
const cache = globalThis as { conntracktPgProbe?: Promise<string | null> };

export default defineConfig(async () => {
  const pgUrl = pgAdminUrl();
  const first = cache.conntracktPgProbe === undefined;
  cache.conntracktPgProbe ??= probePostgres(pgUrl);
  const unreachable = await cache.conntracktPgProbe;
  const projects: TestProjectInlineConfiguration[] = [
    {
      extends: true,
      test: { name: "unit", include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, integration] },
    },
    { extends: true, test: { name: "sqlite", include: [integration], env: { CONNTRACKT_TEST_ENGINE: "sqlite" } } },
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
      projects,
    },
  };
});
