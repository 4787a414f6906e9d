// Backup and restore of an SQLite database, safe while the server runs.
//
// Backup: SQLite's online backup API, on a connection of its own, copies the
// database as of one moment: after a first step that only measures it, every
// page is copied in a single step, which reads one consistent snapshot (WAL
// mode lets the server keep writing meanwhile; a write between the two steps
// only restarts the copy). The copy is checked with `PRAGMA integrity_check`,
// turned into a single self-contained file (rollback journal, no -wal), and
// only then renamed over FILE, so FILE is never a half-written backup.
//
// Restore refuses anything that is not a Conntrackt backup (not SQLite, no
// `_prisma_migrations`, missing tables, damaged, or made by a newer version),
// brings a copy of it to the current schema with the normal migrations, then
// replaces every table's rows of the live database in ONE transaction
// (BEGIN IMMEDIATE, waiting for the server's write in progress). A running
// server therefore sees the old data or the restored data, never a mixture,
// and needs no restart. Sessions are part of the data: users logged in after
// the backup was taken must log in again.
//
// Why not the backup API in the other direction: into a live file it takes
// the database's write lock without a busy timeout, and better-sqlite3 reports
// success without copying anything when that first lock attempt is busy.
//
// PostgreSQL databases are backed up with pg_dump and restored with
// pg_restore (docs/install.md); both functions say so.
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { engineOf, sqliteFile } from "../data/engine.js";
import { readMigrations } from "../data/migrate.js";
import { migrateDatabase } from "../data/setup.js";

/** A refusal or failure with a one-line reason for the operator. */
export class BackupError extends Error {}

/** Tables every Conntrackt database has (docs/usage.md). */
const REQUIRED_TABLES = ["Project", "Location", "Entity", "Interface", "Communication", "User", "Group", "Session"];
const SQLITE_MAGIC = "SQLite format 3\u0000";

export type BackupProgress = (done: number, total: number) => void;

export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
  milliseconds: number;
}

export interface RestoreResult {
  tables: number;
  rows: number;
  /** Migrations the backup lacked, applied to it before restoring. */
  migrated: string[];
  milliseconds: number;
}

function refusePostgres(url: string, what: "backup" | "restore"): void {
  if (engineOf(url) !== "postgresql") return;
  throw new BackupError(
    what === "backup"
      ? "backup works only with SQLite; for PostgreSQL use pg_dump (see docs/install.md)"
      : "restore works only with SQLite; for PostgreSQL use pg_restore (see docs/install.md)",
  );
}

function liveFile(url: string): string {
  const file = sqliteFile(url);
  if (file.endsWith(":memory:")) throw new BackupError("an in-memory database cannot be backed up or restored");
  return file;
}

function integrityProblems(db: BetterSqlite3.Database): string[] {
  const rows = db.pragma("integrity_check") as { integrity_check: string }[];
  const messages = rows.map((r) => r.integrity_check);
  return messages.length === 1 && messages[0] === "ok" ? [] : messages;
}

function tableNames(db: BetterSqlite3.Database, schema = "main"): string[] {
  return (
    db
      .prepare(
        `SELECT name FROM "${schema}".sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`,
      )
      .all() as { name: string }[]
  ).map((r) => r.name);
}

function fsyncFile(file: string): void {
  const fd = openSync(file, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function removeSqliteFiles(file: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(file + suffix, { force: true });
}

/** Writes a consistent, checked copy of the database named by `url` to `destination`. */
export async function backupDatabase(
  url: string,
  destination: string,
  progress?: BackupProgress,
): Promise<BackupResult> {
  refusePostgres(url, "backup");
  const started = performance.now();
  const source = liveFile(url);
  const target = path.resolve(destination);
  if (!existsSync(source)) throw new BackupError(`no database at ${source}`);
  if (target === source) throw new BackupError("the backup file must not be the database itself");
  if (!existsSync(path.dirname(target))) throw new BackupError(`directory ${path.dirname(target)} does not exist`);
  const partial = `${target}.partial-${process.pid}`;
  removeSqliteFiles(partial);

  let pages = 0;
  const db = new BetterSqlite3(source, { fileMustExist: true, timeout: 10_000 });
  try {
    await db.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        pages = totalPages;
        progress?.(totalPages - remainingPages, totalPages);
        // Everything in the next step: one snapshot, no restart after each write.
        return 0x7fffffff;
      },
    });
  } catch (error) {
    removeSqliteFiles(partial);
    throw new BackupError(`backup failed: ${(error as Error).message}`);
  } finally {
    db.close();
  }

  try {
    const copy = new BetterSqlite3(partial, { fileMustExist: true });
    try {
      const problems = integrityProblems(copy);
      if (problems.length > 0) throw new BackupError(`the copy failed its integrity check: ${problems[0]}`);
      // One self-contained file: no -wal beside it to forget.
      copy.pragma("journal_mode = DELETE");
      pages = (copy.pragma("page_count", { simple: true }) as number) || pages;
    } finally {
      copy.close();
    }
    fsyncFile(partial);
    renameSync(partial, target);
  } catch (error) {
    removeSqliteFiles(partial);
    if (error instanceof BackupError) throw error;
    throw new BackupError(`backup failed: ${(error as Error).message}`);
  }
  progress?.(pages, pages);
  return { file: target, bytes: statSync(target).size, pages, milliseconds: performance.now() - started };
}

/**
 * Checks that `file` is a Conntrackt SQLite backup this version can restore;
 * returns the migrations it has. Throws BackupError with a one-line reason.
 */
export function checkBackupFile(file: string): { migrations: string[] } {
  if (!existsSync(file)) throw new BackupError(`${file} does not exist`);
  if (!statSync(file).isFile()) throw new BackupError(`${file} is not a file`);
  const header = Buffer.alloc(16);
  const fd = openSync(file, "r");
  let read: number;
  try {
    read = readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (read < 16 || header.toString("latin1") !== SQLITE_MAGIC) {
    throw new BackupError(`${file} is not a Conntrackt backup: it is not an SQLite database`);
  }
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupError(`${file} cannot be opened as an SQLite database: ${(error as Error).message}`);
  }
  try {
    const tables = new Set(tableNames(db));
    if (!tables.has("_prisma_migrations")) {
      throw new BackupError(`${file} is not a Conntrackt backup: it has no _prisma_migrations table`);
    }
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0)
      throw new BackupError(`${file} is not a Conntrackt backup: table ${missing.join(", ")} missing`);
    const problems = integrityProblems(db);
    if (problems.length > 0) throw new BackupError(`${file} is damaged: ${problems[0]}`);
    const applied = (
      db
        .prepare(
          "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name",
        )
        .all() as { migration_name: string }[]
    ).map((r) => r.migration_name);
    const known = new Set(readMigrations("sqlite").migrationDirectories.map((d) => d.path));
    const unknown = applied.filter((m) => !known.has(m));
    if (unknown.length > 0) {
      throw new BackupError(
        `${file} comes from a newer Conntrackt (unknown migration ${unknown[0]}); upgrade this installation before restoring it`,
      );
    }
    return { migrations: applied };
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`${file} cannot be read as a Conntrackt backup: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Replaces the contents of the database named by `url` with those of the backup `file`. */
export async function restoreDatabase(url: string, file: string, progress?: BackupProgress): Promise<RestoreResult> {
  refusePostgres(url, "restore");
  const started = performance.now();
  const backup = path.resolve(file);
  const live = liveFile(url);
  if (backup === live) throw new BackupError("the backup file is the database itself");
  checkBackupFile(backup);

  // Work on a copy: the backup file itself is never modified.
  const copy = `${live}.restore-${process.pid}`;
  removeSqliteFiles(copy);
  try {
    copyFileSync(backup, copy);
    const migrated = await migrateDatabase(`file:${copy}`);
    // A running server has migrated already; the schema engine's writes would
    // only compete with the server's for the lock.
    if (!isUpToDate(live)) await migrateDatabase(`file:${live}`);

    const db = new BetterSqlite3(live, { fileMustExist: true, timeout: 30_000 });
    try {
      // Rows go in table by table; the check runs once all are there.
      db.pragma("foreign_keys = OFF");
      db.prepare("ATTACH DATABASE ? AS backup").run(copy);
      const tables = tableNames(db, "main");
      const schemaOf = (schema: string) =>
        new Map(
          (
            db
              .prepare(
                `SELECT name, sql FROM ${schema}.sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
              )
              .all() as { name: string; sql: string | null }[]
          ).map((r) => [r.name, r.sql ?? ""]),
        );
      const mine = schemaOf("main");
      const theirs = schemaOf("backup");
      const differs = [...new Set([...mine.keys(), ...theirs.keys()])].find(
        (name) => mine.get(name) !== theirs.get(name),
      );
      if (differs !== undefined) {
        throw new BackupError(
          `the backup's schema differs from this installation's (${differs}) even after migrating it`,
        );
      }
      const hasSequence = existsTable(db, "main", "sqlite_sequence");
      let rows = 0;
      db.transaction(() => {
        tables.forEach((table, index) => {
          const columns = (db.prepare(`PRAGMA main.table_info(${quote(table)})`).all() as { name: string }[])
            .map((c) => quote(c.name))
            .join(", ");
          db.prepare(`DELETE FROM main.${quote(table)}`).run();
          rows += db
            .prepare(`INSERT INTO main.${quote(table)} (${columns}) SELECT ${columns} FROM backup.${quote(table)}`)
            .run().changes;
          progress?.(index + 1, tables.length);
        });
        if (hasSequence) {
          db.prepare("DELETE FROM main.sqlite_sequence").run();
          if (existsTable(db, "backup", "sqlite_sequence")) {
            db.prepare(
              "INSERT INTO main.sqlite_sequence (name, seq) SELECT name, seq FROM backup.sqlite_sequence",
            ).run();
          }
        }
        const broken = db.pragma("main.foreign_key_check") as unknown[];
        if (broken.length > 0) {
          throw new BackupError(`the backup has ${broken.length} rows pointing at missing rows; nothing was restored`);
        }
        // Sees this transaction's rows: a failure rolls everything back.
        const problems = db.pragma("main.integrity_check") as { integrity_check: string }[];
        if (problems.length !== 1 || problems[0]?.integrity_check !== "ok") {
          throw new BackupError(
            `the restored data failed the integrity check (${problems[0]?.integrity_check}); nothing was restored`,
          );
        }
      }).immediate();
      return { tables: tables.length, rows, migrated, milliseconds: performance.now() - started };
    } finally {
      db.close();
    }
  } catch (error) {
    if (error instanceof BackupError) throw error;
    // Everything that can fail runs before or inside the transaction.
    throw new BackupError(`restore failed, nothing was restored: ${(error as Error).message}`);
  } finally {
    removeSqliteFiles(copy);
  }
}

/** True when every migration this version knows is applied to the database file. */
function isUpToDate(file: string): boolean {
  if (!existsSync(file)) return false;
  const db = new BetterSqlite3(file, { fileMustExist: true, timeout: 10_000 });
  try {
    if (!existsTable(db, "main", "_prisma_migrations")) return false;
    const applied = new Set(
      (
        db
          .prepare(
            "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
          )
          .all() as { migration_name: string }[]
      ).map((r) => r.migration_name),
    );
    return readMigrations("sqlite").migrationDirectories.every((d) => applied.has(d.path));
  } finally {
    db.close();
  }
}

function existsTable(db: BetterSqlite3.Database, schema: string, name: string): boolean {
  return db.prepare(`SELECT 1 FROM ${schema}.sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}
