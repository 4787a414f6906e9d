// PostgreSQL for tests: which server to use (CONNTRACKT_TEST_PG_URL), whether
// it answers, and throw-away databases created on it and dropped afterwards.
// Database names carry a per-run prefix so that concurrent test runs on the
// same server (other engineers, CI jobs) never touch each other's databases.
import { randomBytes } from "node:crypto";
import pg from "pg";

export const DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test";

/** The admin connection: any existing database on the server, by a user allowed to create databases. */
export function pgAdminUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.CONNTRACKT_TEST_PG_URL || DEFAULT_PG_URL;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

/** Null when the server accepts a connection and a query, else why not. */
export async function probePostgres(url: string, timeoutMs = 2000): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  // A refused connection also emits "error"; without a listener it would crash the process.
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (error) {
    return error instanceof Error ? error.message || String(error) : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The same server and credentials, another database. */
export function pgDatabaseUrl(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function withPgAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function quote(identifier: string): string {
  if (!/^[a-z0-9_]+$/.test(identifier)) throw new Error(`unexpected database name ${identifier}`);
  return `"${identifier}"`;
}

/** A fresh random name such as `conntrackt_t_3f9a…`; `prefix` groups the databases of one run. */
export function randomDatabaseName(prefix = "conntrackt_t_"): string {
  return `${prefix}${randomBytes(6).toString("hex")}`;
}

/** Creates an empty database (or a copy of `template`, which must have no open connection). */
export async function createPgDatabase(adminUrl: string, name: string, template?: string): Promise<string> {
  await withPgAdmin(adminUrl, (c) =>
    c.query(`CREATE DATABASE ${quote(name)}${template ? ` TEMPLATE ${quote(template)}` : ""}`),
  );
  return pgDatabaseUrl(adminUrl, name);
}

/** Drops a database, closing whatever connections are still open on it. */
export async function dropPgDatabase(adminUrl: string, name: string): Promise<void> {
  await withPgAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`));
}

/** Drops every database whose name starts with `prefix` (what a crashed test file left behind). */
export async function dropPgDatabases(adminUrl: string, prefix: string): Promise<string[]> {
  if (!/^[a-z0-9_]+_$/.test(prefix) || prefix.length < 16)
    throw new Error(`refusing to drop databases by prefix ${prefix}`);
  return withPgAdmin(adminUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
      [prefix],
    );
    for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS ${quote(datname)} WITH (FORCE)`);
    return rows.map((r) => r.datname);
  });
}
