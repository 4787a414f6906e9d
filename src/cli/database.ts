// How commands reach the database (docs/cli.md). Commands that write migrate
// first, as the server does at start. Commands that only read (export, user
// list, iptables) open it read-only: they never migrate, never take the write
// lock, work beside a process that is writing and on a read-only copy, and
// refuse a database of another version with one line.
import { accessSync, closeSync, constants, existsSync, openSync, readSync } from "node:fs";
import path from "node:path";
import { ConfigError, parseConfig } from "../config.js";
import { type Database, engineOf, openDatabase, sqliteFile } from "../data/engine.js";
import { migrationStatus } from "../data/migrate.js";
import { ensureDefaultGroups, migrateDatabase } from "../data/setup.js";
import { CliError, type CliIo, plural } from "./io.js";

/** The configuration from the environment (and `.env` when the real environment is used). */
export function readConfig(io: CliIo) {
  if (io.env === process.env && existsSync(".env")) process.loadEnvFile(".env");
  try {
    return parseConfig(io.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, 78);
    throw error;
  }
}

/** The database for messages: the SQLite file, or the PostgreSQL server and database without credentials. */
export function describeDatabase(url: string): string {
  if (engineOf(url) === "sqlite") return sqliteFile(url);
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "the PostgreSQL database";
  }
}

/** Migrates (as the server does at start) and opens the configured database. */
export async function withDatabase<T>(io: CliIo, fn: (db: Database) => Promise<T>): Promise<T> {
  const { DATABASE_URL } = readConfig(io);
  await migrateDatabase(DATABASE_URL);
  const db = await openDatabase(DATABASE_URL);
  try {
    await ensureDefaultGroups(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Opens the configured database read-only, once it is known to be of this version. */
export async function withReadOnlyDatabase<T>(io: CliIo, fn: (db: Database) => Promise<T>): Promise<T> {
  const { DATABASE_URL } = readConfig(io);
  return withReadOnlyUrl(DATABASE_URL, fn);
}

export async function withReadOnlyUrl<T>(url: string, fn: (db: Database) => Promise<T>): Promise<T> {
  if (engineOf(url) === "sqlite") checkSqliteReadable(sqliteFile(url));
  const db = await openDatabase(url, { readOnly: true });
  try {
    await checkVersion(db, describeDatabase(url));
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** A read-only command creates nothing: a missing file, or one SQLite cannot read in place, is refused. */
function checkSqliteReadable(file: string): void {
  if (!existsSync(file)) {
    throw new CliError(`no database at ${file}; check DATABASE_URL, or create it with "conntrackt migrate"`);
  }
  // A WAL-mode file needs its -shm file beside it; where nobody may create one
  // (a read-only directory) SQLite cannot open it. A backup is a single file.
  const shm = `${file}-shm`;
  if (isWalMode(file) && !existsSync(shm) && !writable(path.dirname(file))) {
    throw new CliError(
      `${file} is in WAL mode and its directory is read-only, so SQLite cannot read it there; read a copy made by "conntrackt backup" instead`,
    );
  }
}

/** Byte 18 of an SQLite header is 2 for write-ahead logging. */
function isWalMode(file: string): boolean {
  const header = Buffer.alloc(20);
  const fd = openSync(file, "r");
  try {
    return readSync(fd, header, 0, 20, 0) === 20 && header[18] === 2;
  } finally {
    closeSync(fd);
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Refuses, with one line, a database that is not exactly of this version. */
export async function checkVersion(db: Database, where: string): Promise<void> {
  const status = await migrationStatus(db.engine, db.factory);
  if (status === null) {
    throw new CliError(
      `${where} has no Conntrackt tables (never migrated, or not a Conntrackt database); run "conntrackt migrate" first`,
    );
  }
  const [newer] = status.unknown;
  if (newer !== undefined) {
    throw new CliError(
      `${where} comes from a newer Conntrackt (unknown migration ${newer}); upgrade this installation first`,
    );
  }
  const [first] = status.pending;
  if (first !== undefined) {
    throw new CliError(
      `${where} is not migrated to this version (${plural(status.pending.length, "migration")} pending, first ${first}); run "conntrackt migrate" first`,
    );
  }
}
