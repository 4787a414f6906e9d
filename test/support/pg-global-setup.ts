// Global setup of the postgresql vitest project: migrates one template database
// per run, so each test context is a quick `CREATE DATABASE … TEMPLATE` instead
// of a full migration, and drops whatever this run created at the end (even
// when a test file crashed before its own clean-up).
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../../src/data/engine.js";
import { ensureDefaultGroups, migrateDatabase } from "../../src/data/setup.js";
import { createPgDatabase, dropPgDatabase, dropPgDatabases, pgAdminUrl } from "./postgres.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const adminUrl = pgAdminUrl();
  const run = randomBytes(4).toString("hex");
  const template = `conntrackt_tpl_${run}`;
  const prefix = `conntrackt_t_${run}_`;
  const url = await createPgDatabase(adminUrl, template);
  try {
    await migrateDatabase(url);
    const db = await openDatabase(url);
    await ensureDefaultGroups(db).finally(() => db.close());
  } catch (error) {
    await dropPgDatabase(adminUrl, template).catch(() => undefined);
    throw error;
  }
  project.provide("pgAdminUrl", adminUrl);
  project.provide("pgTemplate", template);
  project.provide("pgPrefix", prefix);
  return async () => {
    await dropPgDatabases(adminUrl, prefix);
    await dropPgDatabase(adminUrl, template);
  };
}
