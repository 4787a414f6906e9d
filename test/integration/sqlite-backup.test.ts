// Backup and restore while another process keeps writing (docs/architecture.md): the
// backup is consistent and holds every write acknowledged before it started,
// and restoring it, into the live database or a new one, gives a database
// that passes PRAGMA integrity_check with all of those rows.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, projectRoot } from "../../src/data/engine.js";
import { importInterchange } from "../../src/data/interchange.js";
import { migrateDatabase } from "../../src/data/setup.js";
import { BackupError, backupDatabase, checkBackupFile, restoreDatabase } from "../../src/services/backup.js";
import { parseInterchange } from "../../src/validation/interchange.js";
import { datasetDocument } from "../support/dataset.js";

let dir: string;
let url: string;
let writer: ChildProcess | undefined;
let acknowledged = 0;
let ready = false;
let writerError = "";

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "conntrackt-backup-"));
  url = `file:${path.join(dir, "live.db")}`;
  await migrateDatabase(url);
  // Some bulk, so the copy spans many pages.
  const db = await openDatabase(url);
  const parsed = parseInterchange(datasetDocument(["--preset", "large"]));
  if (!parsed.ok) throw new Error("dataset refused");
  await importInterchange(db, parsed.doc, parsed.undeclaredLocations);
  await db.close();
});

afterAll(async () => {
  if (writer && writer.exitCode === null) writer.kill();
  rmSync(dir, { recursive: true, force: true });
});

function startWriter(): void {
  writer = spawn(process.execPath, ["--import", "tsx", "test/support/backup-writer.ts", url], {
    cwd: projectRoot,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let buffer = "";
  writer.stdout?.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines) {
      if (line === "ready") ready = true;
      const match = /^ack (\d+)$/.exec(line);
      if (match) acknowledged = Number(match[1]);
    }
  });
  writer.stderr?.on("data", (chunk: Buffer) => {
    writerError += chunk.toString();
  });
}

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; writer said: ${writerError}`);
    if (writer?.exitCode !== null && writer?.exitCode !== undefined) throw new Error(`writer exited: ${writerError}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Integrity, foreign keys, and the writer's rows 1…upTo each with its interface. */
function verify(file: string, upTo: number): { writerRows: number } {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(db.pragma("foreign_key_check")).toEqual([]);
    const rows = db
      .prepare(
        `SELECT e.name AS name, COUNT(i.id) AS interfaces FROM Entity e LEFT JOIN Interface i ON i.entityId = e.id
         WHERE e.name LIKE 'w-%' GROUP BY e.id`,
      )
      .all() as { name: string; interfaces: number }[];
    const present = new Set(rows.map((r) => Number(r.name.slice(2))));
    const missing = [];
    for (let n = 1; n <= upTo; n++) if (!present.has(n)) missing.push(n);
    expect(missing).toEqual([]);
    // Whole transactions only: never an entity without its interface.
    expect(rows.filter((r) => r.interfaces !== 1)).toEqual([]);
    return { writerRows: rows.length };
  } finally {
    db.close();
  }
}

describe("backup and restore under writes", () => {
  it("backs up while another process writes, then restores into the live database and into a new one", async () => {
    startWriter();
    await until(() => ready && acknowledged >= 30, "the first writes");

    const before = acknowledged;
    const backup = path.join(dir, "backup.db");
    const result = await backupDatabase(url, backup);
    expect(result.pages).toBeGreaterThan(0);
    await until(() => acknowledged >= before + 30, "writes after the backup");

    const inBackup = verify(backup, before).writerRows;
    expect(inBackup).toBeGreaterThanOrEqual(before);
    expect(checkBackupFile(backup).migrations.length).toBeGreaterThan(0);

    // Restore into the live file while the writer keeps going.
    const atRestore = acknowledged;
    const restored = await restoreDatabase(url, backup);
    expect(restored.rows).toBeGreaterThan(0);
    await until(() => acknowledged >= atRestore + 30, "writes after the restore");
    writer?.stdin?.end();
    await new Promise((resolve) => writer?.once("exit", resolve));
    expect(writer?.exitCode, writerError).toBe(0);
    const live = verify(path.join(dir, "live.db"), before);
    // Rows written after the backup and before the restore are gone; later ones are there.
    expect(live.writerRows).toBeLessThan(acknowledged);

    const fresh = `file:${path.join(dir, "fresh.db")}`;
    await restoreDatabase(fresh, backup);
    expect(verify(path.join(dir, "fresh.db"), before).writerRows).toBe(inBackup);
  });

  it("refuses files that are not Conntrackt backups, and leaves the database alone", async () => {
    const other = path.join(dir, "other.db");
    const db = new BetterSqlite3(other);
    db.exec("CREATE TABLE _prisma_migrations (migration_name TEXT, finished_at TEXT, rolled_back_at TEXT)");
    db.close();
    await expect(restoreDatabase(url, other)).rejects.toThrow(
      new BackupError(
        `${other} is not a Conntrackt backup: table Project, Location, Entity, Interface, Communication, User, Group, Session missing`,
      ),
    );
    const backup = path.join(dir, "backup.db");
    const newer = path.join(dir, "newer.db");
    await backupDatabase(`file:${backup}`, newer);
    const n = new BetterSqlite3(newer);
    n.prepare(
      "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES ('x', 'x', '2099-01-01', '29991231000000_future', '2099-01-01', 1)",
    ).run();
    n.close();
    await expect(restoreDatabase(url, newer)).rejects.toThrow(
      /comes from a newer Conntrackt \(unknown migration 29991231000000_future\)/,
    );
    verify(path.join(dir, "live.db"), 30);
  });
});
