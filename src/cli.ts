// The `conntrackt` command (docs/cli.md): database upkeep, accounts, export and
// import, backup and restore, without a running server. `main(argv, io)` does
// the work and returns the exit status, so tests can run it in-process; run as
// a script (or through bin/conntrackt.js) it uses the real process streams.
//
// Conventions: exit status 0 on success, 1 on failure, 2 on a usage error; a
// failure ends with ONE line `conntrackt: REASON` on stderr (an import that
// finds several problems lists them, indented, above that line); progress
// goes to stderr, and only when stderr is a terminal.
import { existsSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { ConfigError, parseConfig } from "./config.js";
import { importCsvRows } from "./data/csv-import.js";
import { type Database, engineOf, openDatabase, projectRoot, sqliteFile } from "./data/engine.js";
import { isUniqueViolation } from "./data/errors.js";
import {
  exportInterchange,
  ImportRefusedError,
  importInterchange,
  ProjectNotFoundError,
  serializeInterchange,
} from "./data/interchange.js";
import { getLocationByName } from "./data/locations.js";
import { getProjectByName } from "./data/projects.js";
import { loadProjectRules } from "./data/rules.js";
import { ensureDefaultGroups, migrateDatabase } from "./data/setup.js";
import { createUser, getUserByName, listGroups, listUsers, setPassword, usernameTaken } from "./data/users.js";
import type { LineError } from "./domain/csv-import.js";
import { BackupError, backupDatabase, restoreDatabase } from "./services/backup.js";
import { hashPassword } from "./services/passwords.js";
import { writeRulesFiles } from "./services/rules-files.js";
import { passwordForm, userForm } from "./validation/accounts.js";
import { name as nameSchema } from "./validation/common.js";
import { readCsvImport } from "./validation/csv-import.js";
import { formatProblem, type Problem, parseInterchangeText } from "./validation/interchange.js";

/** The streams and environment a command uses; tests pass their own. */
export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** A failure with its one-line reason; `details` are printed above it. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly status = 1,
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

const usageError = (message: string, command?: string) =>
  new CliError(`${message} (see: conntrackt ${command ? `${command} ` : ""}--help)`, 2);

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

interface Context {
  io: CliIo;
  args: string[];
  values: Values;
}

interface Command {
  /** As typed: `export`, `user create`. */
  name: string;
  summary: string;
  usage: string;
  /** Paragraphs after the usage line: options, examples. */
  help: string;
  options: Options;
  /** Positional arguments: the fewest and the most accepted. */
  positionals: [min: number, max: number];
  run(ctx: Context): Promise<number>;
}

const MAX_DETAILS = 50;

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

function say(io: CliIo, line: string): Promise<void> {
  return write(io.stdout, `${line}\n`);
}

/** Progress on a terminal: `label done/total` rewritten in place, at most ten times a second. */
function progressBar(io: CliIo, label: string) {
  const tty = Boolean(io.stderr.isTTY);
  let last = 0;
  let shown = false;
  return {
    update(done: number, total: number, what = label) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
      io.stderr.write(`\r\u001b[2K${what}: ${done}/${total} (${percent}%)`);
      shown = true;
    },
    end() {
      if (tty && shown) io.stderr.write("\r\u001b[2K");
    },
  };
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** The configuration from the environment (and `.env` when the real environment is used). */
function readConfig(io: CliIo) {
  if (io.env === process.env && existsSync(".env")) process.loadEnvFile(".env");
  try {
    return parseConfig(io.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, 78);
    throw error;
  }
}

/** Migrates (as the server does at start) and opens the configured database. */
async function withDatabase<T>(io: CliIo, fn: (db: Database) => Promise<T>): Promise<T> {
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

function describeDatabase(url: string): string {
  if (engineOf(url) === "sqlite") return sqliteFile(url);
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "the PostgreSQL database";
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** Reads FILE, or standard input for `-`. */
async function readInput(io: CliIo, file: string): Promise<string> {
  if (file === "-") return readAll(io.stdin);
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === "ENOENT" ? `${file}: no such file` : `${file}: ${(error as Error).message}`);
  }
}

/** Writes a file whole or not at all: a temporary file renamed over the target. */
function writeFileAtomically(file: string, text: string): void {
  const target = path.resolve(file);
  if (!existsSync(path.dirname(target))) throw new CliError(`directory ${path.dirname(target)} does not exist`);
  const partial = `${target}.partial-${process.pid}`;
  try {
    writeFileSync(partial, text, { flush: true });
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new CliError(`${file}: ${(error as Error).message}`);
  }
}

/** Reads a password typed on the terminal without echoing it. */
function promptHidden(io: CliIo, prompt: string): Promise<string> {
  const stdin = io.stdin as NodeJS.ReadStream;
  return new Promise((resolve, reject) => {
    let value = "";
    const done = (error?: Error) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      io.stderr.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003" || ch === "\u0004") return done(new CliError("cancelled", 130));
        if (ch === "\u007f" || ch === "\b") value = [...value].slice(0, -1).join("");
        else if (ch >= " ") value += ch;
      }
    };
    // Raw mode before the prompt: nothing typed after it may be echoed.
    stdin.setRawMode(true);
    io.stderr.write(prompt);
    stdin.resume();
    stdin.on("data", onData);
  });
}

/** The new password: first line of stdin with --password-stdin, else typed twice on a terminal. */
async function newPassword(io: CliIo, fromStdin: boolean, username: string): Promise<string> {
  let password: string;
  if (fromStdin) {
    password = (await readAll(io.stdin)).split(/\r?\n/)[0] ?? "";
  } else if (io.stdin.isTTY && typeof io.stdin.setRawMode === "function") {
    password = await promptHidden(io, `Password for ${username}: `);
    const again = await promptHidden(io, "Password (again): ");
    if (password !== again) throw new CliError("the two passwords do not match");
  } else {
    throw new CliError("no password: pass --password-stdin and write it on standard input, or run on a terminal");
  }
  const checked = passwordForm.shape.password.safeParse(password);
  if (!checked.success) throw new CliError(checked.error.issues[0]?.message ?? "invalid password");
  return password;
}

function validName(value: string, label: string): string {
  const result = nameSchema(label).safeParse(value);
  if (!result.success) throw new CliError(result.error.issues[0]?.message ?? `invalid ${label}`);
  return result.data;
}

function refusal(what: string, problems: { text: string }[]): CliError {
  const [first, ...rest] = problems;
  const details = problems.length > 1 ? problems.slice(0, MAX_DETAILS).map((p) => `  ${p.text}`) : [];
  if (problems.length > MAX_DETAILS) details.push(`  … and ${problems.length - MAX_DETAILS} more`);
  const more = rest.length > 0 ? ` (and ${plural(rest.length, "more problem")} listed above)` : "";
  return new CliError(`${what}, nothing was written: ${first?.text ?? "unknown problem"}${more}`, 1, details);
}

const jsonProblems = (problems: Problem[]) => problems.map((p) => ({ text: formatProblem(p) }));
const lineProblems = (errors: LineError[]) => errors.map((e) => ({ text: `line ${e.line}: ${e.message}` }));

// ── Commands ────────────────────────────────────────────────────────────────

const help = { help: { type: "boolean", short: "h" } } as const satisfies Options;

const migrate: Command = {
  name: "migrate",
  summary: "apply pending database migrations",
  usage: "conntrackt migrate",
  help: `Applies the migrations this version needs to DATABASE_URL and creates the
default groups. The server does the same when it starts; run it by hand
after an upgrade to see what changed.`,
  options: help,
  positionals: [0, 0],
  async run({ io }) {
    const { DATABASE_URL } = readConfig(io);
    const applied = await migrateDatabase(DATABASE_URL);
    const db = await openDatabase(DATABASE_URL);
    try {
      await ensureDefaultGroups(db);
    } finally {
      await db.close();
    }
    await say(
      io,
      applied.length
        ? `Applied ${plural(applied.length, "migration")}: ${applied.join(", ")}`
        : "Database is up to date.",
    );
    return 0;
  },
};

const userCreate: Command = {
  name: "user create",
  summary: "create a user account",
  usage: "conntrackt user create USERNAME [--superuser] [--group NAME]... [--password-stdin]",
  help: `Options:
  --superuser        the user has every permission and manages accounts
  --group NAME       add the user to a group (Viewers, Editors, …); repeatable
  --password-stdin   read the password from the first line of standard input;
                     without it the password is asked twice on the terminal

Examples:
  conntrackt user create alice --group Editors
  printf '%s\\n' "$PASSWORD" | conntrackt user create bob --group Viewers --password-stdin`,
  options: {
    ...help,
    superuser: { type: "boolean" },
    group: { type: "string", multiple: true },
    "password-stdin": { type: "boolean" },
  },
  positionals: [1, 1],
  async run({ io, args, values }) {
    const parsed = userForm.shape.username.safeParse(args[0]);
    if (!parsed.success) throw new CliError(parsed.error.issues[0]?.message ?? "invalid username");
    const username = parsed.data;
    const groupNames = (values.group as string[] | undefined) ?? [];
    const password = await newPassword(io, Boolean(values["password-stdin"]), username);
    const passwordHash = await hashPassword(password);
    return withDatabase(io, async (db) => {
      const groups = await listGroups(db);
      const groupIds = groupNames.map((g) => {
        const found = groups.find((x) => x.name === g);
        if (!found) throw new CliError(`no group named "${g}" (groups: ${groups.map((x) => x.name).join(", ")})`);
        return found.id;
      });
      try {
        await createUser(db, {
          username,
          passwordHash,
          isActive: true,
          isSuperuser: Boolean(values.superuser),
          groupIds: [...new Set(groupIds)],
          permissions: [],
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          const taken = (await usernameTaken(db, username)) ?? username;
          throw new CliError(`a user named "${taken}" already exists (user names are compared regardless of case)`);
        }
        throw error;
      }
      const extra = [values.superuser ? "superuser" : "", groupNames.length ? `groups: ${groupNames.join(", ")}` : ""]
        .filter(Boolean)
        .join("; ");
      await say(io, `Created user "${username}"${extra ? ` (${extra})` : ""}.`);
      return 0;
    });
  },
};

const userPasswd: Command = {
  name: "user passwd",
  summary: "set a user's password",
  usage: "conntrackt user passwd USERNAME [--password-stdin]",
  help: `Sets the password and ends the user's sessions (they log in again).

Options:
  --password-stdin   read the password from the first line of standard input

Example:
  conntrackt user passwd admin`,
  options: { ...help, "password-stdin": { type: "boolean" } },
  positionals: [1, 1],
  async run({ io, args, values }) {
    const username = args[0] as string;
    return withDatabase(io, async (db) => {
      const user = await getUserByName(db, username);
      if (!user) throw new CliError(`no user named "${username}"`);
      const password = await newPassword(io, Boolean(values["password-stdin"]), username);
      await setPassword(db, user.id, await hashPassword(password));
      await say(io, `Password of "${username}" changed; their sessions were ended.`);
      return 0;
    });
  },
};

const userList: Command = {
  name: "user list",
  summary: "list user accounts",
  usage: "conntrackt user list",
  help: "Lists every account: name, whether it is active or a superuser, its groups and last log-in.",
  options: help,
  positionals: [0, 0],
  async run({ io }) {
    return withDatabase(io, async (db) => {
      const users = await listUsers(db);
      const rows = [
        ["USERNAME", "ACTIVE", "SUPERUSER", "GROUPS", "LAST LOGIN"],
        ...users.map((u) => [
          u.username,
          u.isActive ? "yes" : "no",
          u.isSuperuser ? "yes" : "no",
          u.groups.map((g) => g.name).join(",") || "-",
          u.lastLoginAt ? u.lastLoginAt.toISOString().replace(/\.\d+Z$/, "Z") : "never",
        ]),
      ];
      const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
      for (const row of rows)
        await say(
          io,
          row
            .map((cell, i) => cell.padEnd(widths[i] ?? 0))
            .join("  ")
            .trimEnd(),
        );
      return 0;
    });
  },
};

const exportCommand: Command = {
  name: "export",
  summary: "write projects and locations as a JSON document",
  usage: "conntrackt export [--project NAME] [FILE]",
  help: `Writes the interchange document (docs/cli.md) of the whole database, or of one
project with the locations its entities use, to FILE (replaced whole) or to
standard output when FILE is absent or "-". Accounts are not exported.

Options:
  --project NAME   export only this project

Examples:
  conntrackt export everything.json
  conntrackt export --project Acme > acme.json`,
  options: { ...help, project: { type: "string" } },
  positionals: [0, 1],
  async run({ io, args, values }) {
    const file = args[0] ?? "-";
    const project = values.project as string | undefined;
    return withDatabase(io, async (db) => {
      let doc: Awaited<ReturnType<typeof exportInterchange>>;
      try {
        doc = await exportInterchange(db, project === undefined ? {} : { project });
      } catch (error) {
        if (error instanceof ProjectNotFoundError) throw new CliError(error.message);
        throw error;
      }
      const text = serializeInterchange(doc);
      const entities = doc.projects.reduce((n, p) => n + p.entities.length, 0);
      const communications = doc.projects.reduce((n, p) => n + p.communications.length, 0);
      const summary = `${plural(doc.projects.length, "project")}, ${plural(doc.locations.length, "location")}, ${plural(entities, "entity", "entities")}, ${plural(communications, "communication")}`;
      if (file === "-") {
        await write(io.stdout, text);
        if (io.stderr.isTTY) io.stderr.write(`Exported ${summary}.\n`);
      } else {
        writeFileAtomically(file, text);
        await say(io, `Exported ${summary} to ${file}.`);
      }
      return 0;
    });
  },
};

const importCommand: Command = {
  name: "import",
  summary: "add the projects of a JSON document",
  usage: "conntrackt import FILE",
  help: `Reads an interchange document (from FILE, or standard input for "-") and
adds its locations and projects, all or nothing: any problem is reported
with its JSON path (e.g. projects[0].entities[3].interfaces[0].netmask) and
nothing is written.

A project whose name exists already is refused: rename or delete it first.
A location whose name exists already is reused as it is.

Example:
  conntrackt import everything.json`,
  options: help,
  positionals: [1, 1],
  async run({ io, args }) {
    const file = args[0] as string;
    const started = performance.now();
    const parsed = parseInterchangeText(await readInput(io, file));
    if (!parsed.ok) throw refusal(`${file} refused`, jsonProblems(parsed.problems));
    return withDatabase(io, async (db) => {
      const bar = progressBar(io, "Importing");
      let summary: Awaited<ReturnType<typeof importInterchange>>;
      try {
        summary = await importInterchange(db, parsed.doc, parsed.undeclaredLocations, (phase, done, total) =>
          bar.update(done, total, `Importing ${phase}`),
        );
      } catch (error) {
        if (error instanceof ImportRefusedError) throw refusal(`${file} refused`, jsonProblems(error.problems));
        throw error;
      } finally {
        bar.end();
      }
      const locations =
        summary.locationsReused > 0
          ? `${plural(summary.locationsCreated, "location")} (${summary.locationsReused} existing reused)`
          : plural(summary.locationsCreated, "location");
      await say(
        io,
        `Imported ${plural(summary.projects, "project")}, ${locations}, ${plural(summary.entities, "entity", "entities")}, ${plural(summary.interfaces, "interface")} and ${plural(summary.communications, "communication")} from ${file} in ${seconds(performance.now() - started)}.`,
      );
      return 0;
    });
  },
};

const importCsvCommand: Command = {
  name: "import-csv",
  summary: "add communications from a spreadsheet (CSV)",
  usage: "conntrackt import-csv FILE --project NAME [--location NAME]",
  help: `Adds the communications of a CSV file (from FILE, or standard input for "-")
to project NAME, which is created when it does not exist. Entities are
matched by name within the project and interfaces by address and netmask;
missing ones (and missing locations) are created. Communications already
recorded are skipped. Any bad line is reported with its number and nothing
is written.

Header row, one column per field (case and _ - . or spaces do not matter):
  source entity, source address, source netmask, destination entity,
  destination address, destination netmask, protocol, port, description,
  source location, destination location
Netmasks may be dotted or a prefix (/24 or 24); empty means 255.255.255.255.
See docs/cli.md for the accepted aliases (src_ip, dst_host, …).

Options:
  --project NAME    the project to add to (created when missing)
  --location NAME   location of new entities whose row names none

Example:
  conntrackt import-csv flows.csv --project Acme --location "Main site"`,
  options: { ...help, project: { type: "string" }, location: { type: "string" } },
  positionals: [1, 1],
  async run({ io, args, values }) {
    const file = args[0] as string;
    if (typeof values.project !== "string") throw usageError("--project NAME is required", "import-csv");
    const project = validName(values.project, "Project");
    const location = typeof values.location === "string" ? validName(values.location, "Location") : undefined;
    const text = await readInput(io, file);
    const started = performance.now();
    const read = readCsvImport(text);
    return withDatabase(io, async (db) => {
      const result = await importCsvRows(db, {
        project: { name: project },
        rows: read.rows,
        errors: read.errors,
        options: { allowNewLocations: true, ...(location === undefined ? {} : { defaultLocation: location }) },
      });
      if (!result.ok) throw refusal(`${file} refused`, lineProblems(result.errors));
      const s = result.summary;
      const created = [
        s.projectCreated ? "the project" : "",
        s.locations ? plural(s.locations, "location") : "",
        s.entities ? plural(s.entities, "entity", "entities") : "",
        s.interfaces ? plural(s.interfaces, "interface") : "",
      ].filter(Boolean);
      await say(
        io,
        `Imported ${plural(s.communications, "communication")} into project "${project}"` +
          `${created.length ? `, creating ${created.join(", ")}` : ""}` +
          `${s.alreadyRecorded ? `; ${s.alreadyRecorded} already recorded` : ""} in ${seconds(performance.now() - started)}.`,
      );
      return 0;
    });
  },
};

const backupCommand: Command = {
  name: "backup",
  summary: "copy the SQLite database to a file, while the server runs",
  usage: "conntrackt backup FILE",
  help: `Writes a consistent copy of the SQLite database to FILE (replaced whole, and
only once the copy passed PRAGMA integrity_check). Safe while the server is
running and writing. For PostgreSQL use pg_dump (docs/install.md).

Example:
  conntrackt backup /var/backups/conntrackt-$(date +%F).db`,
  options: help,
  positionals: [1, 1],
  async run({ io, args }) {
    const { DATABASE_URL } = readConfig(io);
    const bar = progressBar(io, "Copying pages");
    try {
      const result = await backupDatabase(DATABASE_URL, args[0] as string, (done, total) => bar.update(done, total));
      bar.end();
      await say(
        io,
        `Backed up ${describeDatabase(DATABASE_URL)} to ${result.file} (${(result.bytes / 1024 / 1024).toFixed(1)} MB, integrity ok) in ${seconds(result.milliseconds)}.`,
      );
      return 0;
    } catch (error) {
      bar.end();
      if (error instanceof BackupError) throw new CliError(error.message);
      throw error;
    }
  },
};

const restoreCommand: Command = {
  name: "restore",
  summary: "replace the SQLite database's contents with a backup",
  usage: "conntrackt restore FILE [--yes]",
  help: `Replaces every row of the SQLite database with those of FILE, a backup made by
"conntrackt backup", in one transaction: it happens entirely or not at all,
and a running server needs no restart (it sees the restored data from the
next request on; users log in again if their session is newer than the
backup). A backup from an older version is migrated first; anything that
is not a Conntrackt backup is refused. For PostgreSQL use pg_restore.

Options:
  --yes   do not ask for confirmation on a terminal

Example:
  conntrackt restore /var/backups/conntrackt-2026-11-20.db`,
  options: { ...help, yes: { type: "boolean", short: "y" } },
  positionals: [1, 1],
  async run({ io, args, values }) {
    const { DATABASE_URL } = readConfig(io);
    const file = args[0] as string;
    if (io.stdin.isTTY && io.stderr.isTTY && !values.yes && engineOf(DATABASE_URL) === "sqlite") {
      io.stderr.write(`Replace ALL data in ${describeDatabase(DATABASE_URL)} with ${file}? [y/N] `);
      const answer = await readLine(io);
      if (!/^y(es)?$/i.test(answer.trim())) throw new CliError("restore cancelled, nothing was changed");
    }
    const bar = progressBar(io, "Restoring tables");
    try {
      const result = await restoreDatabase(DATABASE_URL, file, (done, total) => bar.update(done, total));
      bar.end();
      const migrated = result.migrated.length ? ` (backup migrated: ${result.migrated.join(", ")})` : "";
      await say(
        io,
        `Restored ${file} into ${describeDatabase(DATABASE_URL)}: ${plural(result.rows, "row")} in ${plural(result.tables, "table")}${migrated} in ${seconds(result.milliseconds)}.`,
      );
      return 0;
    } catch (error) {
      bar.end();
      if (error instanceof BackupError) throw new CliError(error.message);
      throw error;
    }
  },
};

const iptablesCommand: Command = {
  name: "iptables",
  summary: "write the iptables-restore files of a project's entities",
  usage: "conntrackt iptables --project NAME [--location NAME] --out DIR",
  help: `Writes one iptables-restore file per entity of the project (or of its
entities in one location) into DIR, created when missing: the same file names
and bytes as the project's ZIP archive on the web (NAME-iptables.conf).
Files of the same name in DIR are replaced; other files are left alone.

Options:
  --project NAME    the project (required)
  --location NAME   only the project's entities in this location
  --out DIR         the folder to write to (required)

Examples:
  conntrackt iptables --project Acme --out /srv/firewalls/acme
  conntrackt iptables --project Acme --location "Main site" --out ./main-site`,
  options: { ...help, project: { type: "string" }, location: { type: "string" }, out: { type: "string" } },
  positionals: [0, 0],
  async run({ io, values }) {
    const projectName = values.project as string | undefined;
    const locationName = values.location as string | undefined;
    const out = values.out as string | undefined;
    if (!projectName) throw usageError("--project NAME is required", "iptables");
    if (!out) throw usageError("--out DIR is required", "iptables");
    return withDatabase(io, async (db) => {
      const project = await getProjectByName(db, projectName);
      if (!project) throw new CliError(`no project named ${JSON.stringify(projectName)}`);
      let locationId: number | undefined;
      if (locationName !== undefined) {
        const location = await getLocationByName(db, locationName);
        if (!location) throw new CliError(`no location named ${JSON.stringify(locationName)}`);
        locationId = location.id;
      }
      const entities = await loadProjectRules(db, project.id, locationId);
      const bar = progressBar(io, "Writing rules");
      let written: string[];
      try {
        written = writeRulesFiles(entities, out, (done, total) => bar.update(done, total));
      } catch (error) {
        bar.end();
        throw new CliError(
          `cannot write to ${out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        );
      }
      bar.end();
      const where = locationName === undefined ? "" : ` in ${JSON.stringify(locationName)}`;
      await say(
        io,
        `Wrote ${plural(written.length, "file")} for project ${JSON.stringify(projectName)}${where} to ${out}.`,
      );
      return 0;
    });
  },
};

function readLine(io: CliIo): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      const end = text.indexOf("\n");
      if (end >= 0) {
        io.stdin.off("data", onData);
        io.stdin.pause();
        resolve(text.slice(0, end));
      }
    };
    io.stdin.on("data", onData);
    io.stdin.resume();
  });
}

/** Every command, in the order `--help` lists them. */
const COMMANDS: Command[] = [
  migrate,
  userCreate,
  userPasswd,
  userList,
  exportCommand,
  importCommand,
  importCsvCommand,
  iptablesCommand,
  backupCommand,
  restoreCommand,
];

function version(): string {
  try {
    return (JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: conntrackt COMMAND [OPTIONS]

Conntrackt from the command line: the database named by DATABASE_URL
(environment or .env; default file:./data/conntrackt.db).

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Run "conntrackt COMMAND --help" for a command's options and examples.
Exit status: 0 success, 1 failure, 2 wrong usage.
`;
}

function commandHelp(command: Command): string {
  return `Usage: ${command.usage}\n\n${command.summary[0]?.toUpperCase()}${command.summary.slice(1)}.\n\n${command.help}\n`;
}

function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  const [first, second] = argv;
  const two = COMMANDS.find((c) => c.name === `${first} ${second}`);
  if (two) return { command: two, rest: argv.slice(2) };
  const one = COMMANDS.find((c) => c.name === first);
  return one ? { command: one, rest: argv.slice(1) } : null;
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [first] = argv;
  if (first === undefined) throw usageError("no command given");
  if (first === "--help" || first === "-h" || (first === "help" && argv.length === 1)) {
    await write(io.stdout, overview());
    return 0;
  }
  if (first === "--version" || first === "-V") {
    await say(io, version());
    return 0;
  }
  if (first === "help") {
    const found = findCommand(argv.slice(1));
    if (!found) throw usageError(`unknown command "${argv.slice(1).join(" ")}"`);
    await write(io.stdout, commandHelp(found.command));
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    if (first === "user") {
      throw usageError(
        argv[1]
          ? `unknown command "user ${argv[1]}"; use user create, user passwd or user list`
          : "user needs a subcommand: create, passwd or list",
      );
    }
    throw usageError(first.startsWith("-") ? `unknown option ${first}` : `unknown command "${first}"`);
  }
  const { command, rest } = found;
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw usageError(message.charAt(0).toLowerCase() + message.slice(1), command.name);
  }
  if (parsed.values.help) {
    await write(io.stdout, commandHelp(command));
    return 0;
  }
  const [min, max] = command.positionals;
  if (parsed.positionals.length < min) throw usageError(`missing argument; usage: ${command.usage}`, command.name);
  if (parsed.positionals.length > max) {
    throw usageError(`unexpected argument "${parsed.positionals[max]}"; usage: ${command.usage}`, command.name);
  }
  return command.run({ io, args: parsed.positionals, values: parsed.values });
}

/** Runs one command line; returns the exit status. Never throws. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    const failure =
      error instanceof CliError ? error : new CliError(error instanceof Error ? error.message : String(error), 1);
    for (const line of failure.details) io.stderr.write(`${line}\n`);
    const reason = failure.message.replace(/\s*\n\s*/g, " ");
    await write(io.stderr, `conntrackt: ${reason}\n`);
    if (!(error instanceof CliError) && io.env.CONNTRACKT_DEBUG && error instanceof Error) {
      io.stderr.write(`${error.stack}\n`);
    }
    return failure.status;
  }
}

export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** Entry point of bin/conntrackt.js and of `tsx src/cli.ts`. */
export async function runCli(argv = process.argv.slice(2)): Promise<void> {
  // `conntrackt export | head`: the reader left; stop quietly, as on SIGPIPE.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(141);
    throw error;
  });
  process.exitCode = await main(argv, processIo());
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) await runCli();
