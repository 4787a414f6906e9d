// Global setup of the postgresql vitest projects: migrates one template database
// per run, so each test context is a quick `CREATE DATABASE … TEMPLATE` instead
// of a full migration, and drops whatever this run created at the end (even
// when a test file crashed before its own clean-up). Both PostgreSQL projects
// (vitest.config.ts) share the template: vitest runs their setups in one
// process, and the migration engine must not run twice at once.
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../../src/data/engine.js";
import { ensureDefaultGroups, migrateDatabase } from "../../src/data/setup.js";
import { createPgDatabase, dropPgDatabase, dropPgDatabases, pgAdminUrl } from "./postgres.js";

interface Template {
  adminUrl: string;
  template: string;
  prefix: string;
}

// On globalThis: vitest loads this module once per project.
const state = globalThis as { conntracktPgTemplate?: { template: Promise<Template>; users: number } };

async function createTemplate(): Promise<Template> {
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
  return { adminUrl, template, prefix };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  state.conntracktPgTemplate ??= { template: createTemplate(), users: 0 };
  const shared = state.conntracktPgTemplate;
  shared.users++;
  const { adminUrl, template, prefix } = await shared.template;
  project.provide("pgAdminUrl", adminUrl);
  project.provide("pgTemplate", template);
  project.provide("pgPrefix", prefix);
  return async () => {
    shared.users--;
    if (shared.users > 0) return;
    state.conntracktPgTemplate = undefined;
    await dropPgDatabases(adminUrl, prefix);
    await dropPgDatabase(adminUrl, template);
  };
}
