// Commands that only read — export, user list, iptables (docs/cli.md) — open
// the database read-only: they succeed while another connection holds the
// write lock, on a read-only copy, and refuse with one line (never migrating)
// a database of another version. As root, file permissions bind nobody, so the
// read-only copy is also read by a process running as `nobody` (setpriv).
import { execFile, spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/data/engine.js";
import { readMigrations } from "../../src/data/migrate.js";
import { type CliRun, runCli } from "../support/cli.js";

const exec = promisify(execFile);
const READERS = [["export"], ["user", "list"], ["iptables", "--project", "Acme", "--out", "OUT"]];
const isRoot = process.getuid?.() === 0;
const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p));
const NOBODY = ["--reuid=65534", "--regid=65534", "--clear-groups"];
/** Why a user without write permission cannot be played here (as root: `nobody`, who must read the checkout), or null. */
const readerMissing = !isRoot
  ? null
  : !setpriv
    ? "setpriv is missing (Debian: util-linux)"
    : spawnSync(setpriv, [
          ...NOBODY,
          process.execPath,
          "-e",
          `require("node:fs").accessSync(${JSON.stringify(path.join(projectRoot, "node_modules", "tsx", "package.json"))})`,
        ]).status !== 0
      ? `the user nobody cannot read this checkout (${projectRoot}); clone it where every user may read it`
      : null;
if (readerMissing) console.warn(`sqlite-readonly-cli: the checks as a read-only user are SKIPPED: ${readerMissing}`);

let dir: string;
let live: string;
const env = (file: string) => ({ DATABASE_URL: `file:${file}` });
const reader = (argv: string[]) => argv.map((a) => (a === "OUT" ? path.join(dir, `rules-${Math.random()}`) : a));

const doc = {
  format: "conntrackt",
  version: 1,
  locations: [{ name: "Main site" }],
  projects: [
    {
      name: "Acme",
      entities: [
        { name: "app1", location: "Main site", interfaces: [{ address: "192.168.1.10" }] },
        { name: "db1", location: "Main site", interfaces: [{ address: "192.168.1.1" }] },
      ],
      communications: [{ source: { entity: "app1" }, destination: { entity: "db1" }, protocol: "TCP", port: 5432 }],
    },
  ],
};

function oneLine(r: CliRun | { status: number; stdout: string; stderr: string }): string {
  const lines = r.stderr.split("\n").filter(Boolean);
  expect(lines, r.stderr).toHaveLength(1);
  return lines[0] as string;
}

/** Runs the command as a user without write permission: in-process when we are not root, else as `nobody`. */
async function runAsReader(argv: string[], file: string): Promise<{ status: number; stdout: string; stderr: string }> {
  if (!isRoot) return runCli(argv, { env: env(file) });
  const args = [...NOBODY, process.execPath];
  args.push("--import", "tsx", path.join(projectRoot, "src", "cli", "index.ts"), ...argv);
  try {
    const { stdout, stderr } = await exec(setpriv as string, args, {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? "", HOME: tmpdir(), NODE_OPTIONS: "", ...env(file) },
    });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { status: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "conntrackt-readonly-"));
  chmodSync(dir, 0o755); // `nobody` must reach the read-only folder inside
  live = path.join(dir, "live.db");
  expect((await runCli(["migrate"], { env: env(live) })).status).toBe(0);
  expect((await runCli(["import", "-"], { env: env(live), stdin: JSON.stringify(doc) })).status).toBe(0);
  const user = ["user", "create", "alice", "--group", "Editors", "--password-stdin"];
  expect((await runCli(user, { env: env(live), stdin: "alice-password\n" })).status).toBe(0);
});
afterAll(() => {
  for (const sub of ["ro", "wal"]) if (existsSync(path.join(dir, sub))) chmodSync(path.join(dir, sub), 0o755);
  rmSync(dir, { recursive: true, force: true });
});

describe("read-only commands beside a writer", () => {
  it("export, user list and iptables succeed while another connection holds the write lock", async () => {
    const writer = new BetterSqlite3(live, { timeout: 10_000 });
    try {
      writer.exec("BEGIN IMMEDIATE");
      writer
        .prepare(
          "INSERT INTO Location (name, nameKey, description, createdAt, updatedAt) VALUES (?, lower(?), '', ?, ?)",
        )
        .run("Uncommitted site", "Uncommitted site", Date.now(), Date.now());
      const exported = await runCli(["export"], { env: env(live) });
      expect(exported.stderr).toBe("");
      expect(exported.status).toBe(0);
      expect(exported.stdout).toContain('"Acme"');
      expect(exported.stdout).not.toContain("Uncommitted site");
      const users = await runCli(["user", "list"], { env: env(live) });
      expect(users.status).toBe(0);
      expect(users.stdout).toMatch(/alice\s+yes\s+no\s+Editors\s+never/);
      const rules = await runCli(reader(READERS[2] as string[]), { env: env(live) });
      expect(rules.stdout).toMatch(/^Wrote 4 files/);
      // The readers left the lock alone: the writer still commits.
      writer.exec("COMMIT");
    } finally {
      if (writer.inTransaction) writer.exec("ROLLBACK");
      writer.close();
    }
    expect((await runCli(["export"], { env: env(live) })).stdout).toContain("Uncommitted site");
  });
});

describe("a read-only copy", () => {
  it.skipIf(readerMissing !== null)(
    "is read in place by export, user list and iptables, and left untouched",
    async () => {
      const ro = path.join(dir, "ro");
      mkdirSync(ro);
      const copy = path.join(ro, "copy.db");
      expect((await runCli(["backup", copy], { env: env(live) })).status).toBe(0);
      chmodSync(copy, 0o444);
      chmodSync(ro, 0o555);
      const bytes = readFileSync(copy);
      const expected = (await runCli(["export"], { env: env(live) })).stdout;

      const exported = await runAsReader(["export"], copy);
      expect(exported.stderr).toBe("");
      expect(exported.stdout).toBe(expected);
      // In-process too, which as root is the readonly open alone, without permissions to stop a write.
      for (const argv of READERS)
        expect((await runCli(reader(argv), { env: env(copy) })).status, argv.join(" ")).toBe(0);

      expect(readdirSync(ro)).toEqual(["copy.db"]);
      expect(readFileSync(copy).equals(bytes)).toBe(true);
    },
  );

  it.skipIf(readerMissing !== null)(
    "refuses, with one line, a WAL-mode file in a folder nobody may write (needs setpriv when run as root)",
    async () => {
      const wal = path.join(dir, "wal");
      mkdirSync(wal);
      const checkpoint = new BetterSqlite3(live);
      checkpoint.pragma("wal_checkpoint(TRUNCATE)");
      checkpoint.close();
      const copy = path.join(wal, "live.db");
      copyFileSync(live, copy);
      chmodSync(copy, 0o444);
      chmodSync(wal, 0o555);
      const r = await runAsReader(["export"], copy);
      expect(r.status).toBe(1);
      expect(oneLine(r)).toBe(
        `conntrackt: ${copy} is in WAL mode and its directory is read-only, so SQLite cannot read it there; read a copy made by "conntrackt backup" instead`,
      );
      expect(readdirSync(wal)).toEqual(["live.db"]);
    },
  );
});

describe("a database of another version", () => {
  const names = readMigrations("sqlite").migrationDirectories.map((d) => d.path);

  /** A copy of the live database with its migration history edited by `sql`. */
  function variant(name: string, sql: string): string {
    const file = path.join(dir, name);
    const checkpoint = new BetterSqlite3(live);
    checkpoint.pragma("wal_checkpoint(TRUNCATE)");
    checkpoint.close();
    copyFileSync(live, file);
    const db = new BetterSqlite3(file);
    db.exec(sql);
    db.close();
    return file;
  }

  const history = (file: string) => {
    const db = new BetterSqlite3(file, { readonly: true });
    try {
      return (
        db.prepare("SELECT migration_name FROM _prisma_migrations ORDER BY 1").all() as { migration_name: string }[]
      ).map((r) => r.migration_name);
    } finally {
      db.close();
    }
  };

  it.each(READERS)("%s refuses a missing file and creates nothing", async (...argv) => {
    const missing = path.join(dir, "nowhere", "missing.db");
    const r = await runCli(reader(argv), { env: env(missing) });
    expect(r.status).toBe(1);
    expect(oneLine(r)).toBe(
      `conntrackt: no database at ${missing}; check DATABASE_URL, or create it with "conntrackt migrate"`,
    );
    expect(existsSync(path.dirname(missing))).toBe(false);
  });

  it.each(READERS)("%s refuses a database without Conntrackt tables and leaves it so", async (...argv) => {
    const file = path.join(dir, "other.db");
    if (!existsSync(file)) {
      const other = new BetterSqlite3(file);
      other.exec("CREATE TABLE notes (text TEXT)");
      other.close();
    }
    const r = await runCli(reader(argv), { env: env(file) });
    expect(r.status).toBe(1);
    expect(oneLine(r)).toBe(
      `conntrackt: ${file} has no Conntrackt tables (never migrated, or not a Conntrackt database); run "conntrackt migrate" first`,
    );
    const db = new BetterSqlite3(file, { readonly: true });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: "notes" }]);
    db.close();
  });

  it.each(READERS)("%s refuses a database lacking a migration, and does not migrate it", async (...argv) => {
    const last = names.at(-1) as string;
    const file = variant(
      `old-${argv[0]}-${argv[1]}.db`,
      `DELETE FROM _prisma_migrations WHERE migration_name = '${last}'`,
    );
    const r = await runCli(reader(argv), { env: env(file) });
    expect(r.status).toBe(1);
    expect(oneLine(r)).toBe(
      `conntrackt: ${file} is not migrated to this version (1 migration pending, first ${last}); run "conntrackt migrate" first`,
    );
    expect(history(file)).toEqual(names.slice(0, -1));
  });

  it("refuses a database from a newer version", async () => {
    const file = variant(
      "newer.db",
      "INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at, started_at, applied_steps_count) VALUES ('x', 'x', '29990101000000_future', 1, 1, 1)",
    );
    const r = await runCli(["export"], { env: env(file) });
    expect(r.status).toBe(1);
    expect(oneLine(r)).toBe(
      `conntrackt: ${file} comes from a newer Conntrackt (unknown migration 29990101000000_future); upgrade this installation first`,
    );
  });
});
