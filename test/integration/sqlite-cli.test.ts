// The `conntrackt` command (docs/cli.md): every command's success and failure, in
// process through main(argv, io) for speed, plus real child processes for the
// launcher, the exit status and the one-line reason.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, projectRoot } from "../../src/data/engine.js";
import { readMigrations } from "../../src/data/migrate.js";
import { verifyPassword } from "../../src/services/passwords.js";
import { type CliRun, runCli } from "../support/cli.js";

const exec = promisify(execFile);
let dir: string;
let url: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "conntrackt-cli-"));
  url = `file:${path.join(dir, "cli.db")}`;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Run = CliRun;

const run = (argv: string[], options: { stdin?: string; env?: Record<string, string>; tty?: boolean } = {}) =>
  runCli(argv, { ...options, env: { DATABASE_URL: url, ...options.env } });

/** A failure prints exactly one line, `conntrackt: REASON`. */
function oneLine(result: Run): string {
  const lines = result.stderr.split("\n").filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^conntrackt: /);
  return lines[0] as string;
}

const file = (name: string, text?: string) => {
  const p = path.join(dir, name);
  if (text !== undefined) writeFileSync(p, text);
  return p;
};

const doc = (project: string) => ({
  format: "conntrackt",
  version: 1,
  locations: [{ name: "Main site", description: "" }],
  projects: [
    {
      name: project,
      description: "",
      entities: [
        { name: "app1", location: "Main site", interfaces: [{ address: "192.168.1.10" }] },
        { name: "db1", location: "Main site", interfaces: [{ address: "192.168.1.1" }] },
      ],
      communications: [
        {
          source: { entity: "app1", interface: "eth0" },
          destination: { entity: "db1", interface: "eth0" },
          protocol: "TCP",
          port: 5432,
          description: "Application database",
        },
      ],
    },
  ],
});

describe("help and usage", () => {
  it("lists every command at the top level", async () => {
    const r = await run(["--help"]);
    expect(r.status).toBe(0);
    for (const name of [
      "migrate",
      "user create",
      "user passwd",
      "user list",
      "export",
      "import",
      "import-csv",
      "backup",
      "restore",
    ]) {
      expect(r.stdout).toContain(`  ${name} `);
    }
    expect((await run(["help"])).stdout).toBe(r.stdout);
  });

  it("answers --help on every command", async () => {
    for (const argv of [
      ["migrate"],
      ["user", "create"],
      ["user", "passwd"],
      ["user", "list"],
      ["export"],
      ["import"],
      ["import-csv"],
      ["backup"],
      ["restore"],
    ]) {
      const r = await run([...argv, "--help"]);
      expect(r.status, argv.join(" ")).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: conntrackt ${argv.join(" ")}`));
      expect(r.stderr).toBe("");
    }
    expect((await run(["help", "export"])).stdout).toMatch(/^Usage: conntrackt export/);
  });

  it("exits 2 with one line on wrong usage", async () => {
    for (const argv of [
      [],
      ["frobnicate"],
      ["user"],
      ["user", "delete"],
      ["export", "--bogus"],
      ["import"],
      ["import", "a", "b"],
      ["import-csv", "x.csv"],
    ]) {
      const r = await run(argv);
      expect(r.status, argv.join(" ")).toBe(2);
      expect(oneLine(r)).toMatch(/\(see: conntrackt .*--help\)$/);
    }
  });

  it("stops on an invalid configuration, naming the variable", async () => {
    const r = await run(["user", "list"], { env: { DATABASE_URL: "mysql://x" } });
    expect(r.status).toBe(78);
    expect(oneLine(r)).toContain("DATABASE_URL");
  });
});

describe("migrate and users", () => {
  it("migrates, then says the database is up to date", async () => {
    const first = await run(["migrate"]);
    expect(first.status).toBe(0);
    const names = readMigrations("sqlite").migrationDirectories.map((d) => d.path);
    expect(first.stdout).toBe(
      `Applied ${names.length} migration${names.length === 1 ? "" : "s"}: ${names.join(", ")}\n`,
    );
    const second = await run(["migrate"]);
    expect(second.stdout).toBe("Database is up to date.\n");
  });

  it("creates users with a password from stdin, groups and the superuser flag", async () => {
    const alice = await run(["user", "create", "alice", "--group", "Editors", "--password-stdin"], {
      stdin: "alice-password\n",
    });
    expect(alice.status).toBe(0);
    expect(alice.stdout).toBe('Created user "alice" (groups: Editors).\n');
    const root = await run(["user", "create", "root", "--superuser", "--password-stdin"], { stdin: "root-password" });
    expect(root.status).toBe(0);
    const list = await run(["user", "list"]);
    expect(list.stdout.split("\n")[0]).toMatch(/^USERNAME\s+ACTIVE\s+SUPERUSER\s+GROUPS\s+LAST LOGIN$/);
    expect(list.stdout).toMatch(/alice\s+yes\s+no\s+Editors\s+never/);
    expect(list.stdout).toMatch(/root\s+yes\s+yes\s+-\s+never/);
  });

  it("refuses duplicates, unknown groups, short or missing passwords and bad names", async () => {
    const cases: [string[], string | undefined, RegExp][] = [
      [["user", "create", "alice", "--password-stdin"], "another-password", /a user named "alice" already exists/],
      [
        ["user", "create", "bob", "--group", "Wizards", "--password-stdin"],
        "bob-password",
        /no group named "Wizards" \(groups: Editors, Viewers\)/,
      ],
      [["user", "create", "bob", "--password-stdin"], "short\n", /Password must be at least 8 characters/],
      [["user", "create", "bob"], undefined, /no password: pass --password-stdin/],
      [["user", "create", "bad name", "--password-stdin"], "long-enough", /Username may contain only/],
      [["user", "passwd", "nobody", "--password-stdin"], "long-enough", /no user named "nobody"/],
    ];
    for (const [argv, stdin, reason] of cases) {
      const r = await run(argv, stdin === undefined ? {} : { stdin });
      expect(r.status, argv.join(" ")).toBe(1);
      expect(oneLine(r)).toMatch(reason);
    }
    expect((await run(["user", "list"])).stdout).not.toContain("bob");
  });

  it("sets a password", async () => {
    const r = await run(["user", "passwd", "alice", "--password-stdin"], { stdin: "a-new-password\n" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('Password of "alice" changed; their sessions were ended.\n');
    const db = await openDatabase(url);
    const user = await db.run((c) => c.user.findUnique({ where: { username: "alice" } }));
    await db.close();
    expect(await verifyPassword("a-new-password", user?.passwordHash ?? "")).toBe(true);
  });
});

describe("export and import", () => {
  it("imports a document and exports it again, to stdout or to a file", async () => {
    const input = file("acme.json", JSON.stringify(doc("Acme")));
    const imported = await run(["import", input]);
    expect(imported.status).toBe(0);
    expect(imported.stdout).toMatch(
      /^Imported 1 project, 1 location, 2 entities, 2 interfaces and 1 communication from .*acme\.json in /,
    );
    const out = await run(["export", "--project", "Acme"]);
    expect(out.status).toBe(0);
    const exported = JSON.parse(out.stdout);
    expect(exported.projects[0].entities.map((e: { name: string }) => e.name)).toEqual(["app1", "db1"]);
    const target = file("export.json");
    const toFile = await run(["export", target]);
    expect(toFile.stdout).toBe(`Exported 1 project, 1 location, 2 entities, 1 communication to ${target}.\n`);
    expect(readFileSync(target, "utf8")).toBe(out.stdout);
  });

  it("reads the document from stdin with -", async () => {
    const r = await run(["import", "-"], { stdin: JSON.stringify(doc("From stdin")) });
    expect(r.status).toBe(0);
  });

  it("refuses an import with one line naming the JSON path, and writes nothing", async () => {
    const again = await run(["import", file("acme.json")]);
    expect(again.status).toBe(1);
    expect(oneLine(again)).toBe(
      `conntrackt: ${file("acme.json")} refused, nothing was written: projects[0].name: a project named "Acme" already exists; rename or delete it before importing`,
    );
    const bad = doc("Broken");
    (bad.projects[0]?.entities[1]?.interfaces[0] as Record<string, string>).netmask = "255.0.255.0";
    const r = await run(["import", file("broken.json", JSON.stringify(bad))]);
    expect(r.status).toBe(1);
    // The wording is the validation's (src/validation/); here: the JSON path, then the rule.
    expect(oneLine(r)).toMatch(
      / projects\[0\]\.entities\[1\]\.interfaces\[0\]\.netmask: netmask must be a contiguous /i,
    );
    expect((await run(["export", "--project", "Broken"])).status).toBe(1);
  });

  it("lists several problems above the one-line reason", async () => {
    const bad = doc("Many");
    const project = bad.projects[0];
    if (!project) throw new Error("fixture");
    project.communications[0] = { ...project.communications[0], port: 0 } as (typeof project.communications)[number];
    (project.entities[0]?.interfaces[0] as Record<string, string>).address = "x";
    const r = await run(["import", file("many.json", JSON.stringify(bad))]);
    expect(r.status).toBe(1);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(
        /^ {2}projects\[0\]\.entities\[0\]\.interfaces\[0\]\.address: address must be an IPv4 address/i,
      ),
      expect.stringMatching(/^ {2}projects\[0\]\.communications\[0\]\.port: TCP port must be between 1 and 65535/),
      expect.stringMatching(
        /^conntrackt: .* refused, nothing was written: projects\[0\]\.entities\[0\]\.interfaces\[0\]\.address: .* \(and 1 more problem listed above\)$/,
      ),
    ]);
  });

  it("fails with one line on a missing file, bad JSON, or an unknown project", async () => {
    expect(oneLine(await run(["import", file("missing.json")]))).toBe(
      `conntrackt: ${file("missing.json")}: no such file`,
    );
    expect(oneLine(await run(["import", file("bad.json", "{")]))).toMatch(/\(document\): not valid JSON/);
    const r = await run(["export", "--project", "Nope"]);
    expect(r.status).toBe(1);
    expect(oneLine(r)).toBe('conntrackt: no project named "Nope"');
    expect(r.stdout).toBe("");
  });

  it("shows progress only on a terminal", async () => {
    const tty = await run(["import", file("tty.json", JSON.stringify(doc("On a terminal")))], { tty: true });
    expect(tty.status).toBe(0);
    expect(tty.stderr).toContain("Importing communications: 1/1 (100%)");
    const plain = await run(["import", file("plain.json", JSON.stringify(doc("Not on a terminal")))]);
    expect(plain.stderr).toBe("");
  });
});

describe("import-csv", () => {
  const header = "src_entity,src_ip,src_mask,dst_entity,dst_ip,dst_mask,proto,port,comment,src_site,dst_site";

  it("creates the project and what the rows need", async () => {
    const csv = file(
      "flows.csv",
      `${header}\nweb,10.1.0.1,,db,10.1.0.2,,tcp,5432,Database,,\nweb,10.1.0.1,,db,10.1.0.2,,tcp,22,SSH,,\n`,
    );
    const r = await run(["import-csv", csv, "--project", "Spreadsheet", "--location", "Main site"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^Imported 2 communications into project "Spreadsheet", creating the project, 2 entities, 2 interfaces in /,
    );
    const again = await run(["import-csv", csv, "--project", "Spreadsheet"]);
    expect(again.stdout).toMatch(/^Imported 0 communications into project "Spreadsheet"; 2 already recorded in /);
  });

  it("reports every bad line with its number and writes nothing", async () => {
    const csv = file(
      "bad.csv",
      `${header}\nweb,10.1.0.1,,db,10.1.0.2,,tcp,80,,,\nweb,10.1.0.999,,db,10.1.0.2,,tcp,81,,,\nx,10.1.0.5,,db,10.1.0.2,,tcp,99999,,,\n`,
    );
    const r = await run(["import-csv", csv, "--project", "Spreadsheet"]);
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(/^ {2}line 3: Source address must be an IPv4 address .*"10\.1\.0\.999"/),
      expect.stringMatching(/^ {2}line 4: TCP port must be between 1 and 65535/),
      expect.stringMatching(
        /^conntrackt: .*bad\.csv refused, nothing was written: line 3: .* \(and 1 more problem listed above\)$/,
      ),
    ]);
    const exported = JSON.parse((await run(["export", "--project", "Spreadsheet"])).stdout);
    expect(exported.projects[0].communications.map((c: { port: number }) => c.port)).toEqual([22, 5432]);
  });
});

describe("backup and restore", () => {
  it("backs up and restores the database", async () => {
    const backup = file("backup.db");
    const b = await run(["backup", backup]);
    expect(b.status).toBe(0);
    expect(b.stdout).toMatch(/^Backed up .*cli\.db to .*backup\.db \([\d.]+ MB, integrity ok\) in /);
    await run(["import", "-"], { stdin: JSON.stringify(doc("After the backup")) });
    const r = await run(["restore", backup]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Restored .*backup\.db into .*cli\.db: \d+ rows in \d+ tables in /);
    expect((await run(["export", "--project", "After the backup"])).status).toBe(1);
    expect((await run(["export", "--project", "Acme"])).status).toBe(0);
  });

  it("refuses what is not a Conntrackt backup, with one line", async () => {
    expect(oneLine(await run(["restore", file("acme.json")]))).toBe(
      `conntrackt: ${file("acme.json")} is not a Conntrackt backup: it is not an SQLite database`,
    );
    expect(oneLine(await run(["restore", file("nothing.db")]))).toBe(
      `conntrackt: ${file("nothing.db")} does not exist`,
    );
    expect(oneLine(await run(["backup", path.join(dir, "no", "such", "dir.db")]))).toMatch(
      /directory .* does not exist/,
    );
  });

  it("points PostgreSQL users to pg_dump and pg_restore", async () => {
    const env = { DATABASE_URL: "postgresql://user:secret@db.invalid/conntrackt" };
    const b = await run(["backup", file("pg.db")], { env });
    expect(b.status).toBe(1);
    expect(oneLine(b)).toBe(
      "conntrackt: backup works only with SQLite; for PostgreSQL use pg_dump (see docs/install.md)",
    );
    expect(oneLine(await run(["restore", file("backup.db")], { env }))).toBe(
      "conntrackt: restore works only with SQLite; for PostgreSQL use pg_restore (see docs/install.md)",
    );
  });
});

describe("as a real process", () => {
  const env = () => ({ ...process.env, DATABASE_URL: url, NODE_OPTIONS: "" });
  const launcher = path.join(projectRoot, "bin", "conntrackt.js");

  async function spawn(args: string[]): Promise<Run> {
    try {
      const { stdout, stderr } = await exec(process.execPath, args, { cwd: projectRoot, env: env() });
      return { status: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { status: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it("runs through the bin launcher and through tsx on the source", async () => {
    const help = await spawn([launcher, "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: conntrackt COMMAND/);
    const exported = await spawn(["--import", "tsx", "src/cli/index.ts", "export", "--project", "Acme"]);
    expect(exported.status).toBe(0);
    expect(JSON.parse(exported.stdout).projects[0].name).toBe("Acme");
  });

  it("exits non-zero with a one-line reason", async () => {
    const missing = await spawn([launcher, "import", file("missing.json")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`conntrackt: ${file("missing.json")}: no such file\n`);
    const usage = await spawn([launcher, "restore"]);
    expect(usage.status).toBe(2);
    expect(usage.stderr.split("\n").filter(Boolean)).toHaveLength(1);
  });
});
