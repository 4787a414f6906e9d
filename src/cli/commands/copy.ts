// `conntrackt copy` (docs/cli.md, docs/install.md): moves everything — projects,
// accounts with their password hashes, groups and permissions — from one
// database into a new, empty one of either engine, all or nothing, ids kept.
import { COPIED_TABLES, CopyError, copyDatabase, NOT_COPIED } from "../../data/copy.js";
import { engineOf, openDatabase } from "../../data/engine.js";
import { migrateDatabase } from "../../data/setup.js";
import { describeDatabase, readConfig, withReadOnlyUrl } from "../database.js";
import { CliError, plural, progressBar, say, seconds, usageError } from "../io.js";
import { type Command, helpOption, stringValue } from "../runner.js";

function databaseUrl(value: string, option: string): string {
  if (/^(postgres(ql)?:\/\/|file:)/i.test(value)) return value;
  throw usageError(`${option} must be a database URL: file:PATH (SQLite) or postgresql://…`, "copy");
}

export const copyCommand: Command = {
  name: "copy",
  summary: "copy every table into a new, empty database (SQLite or PostgreSQL)",
  usage: "conntrackt copy --to URL [--from URL]",
  help: `Copies projects, locations, entities, interfaces, communications, users (with
their password hashes), groups and permissions from DATABASE_URL (or --from)
into the database --to, which is migrated first and must be empty: one
transaction, all or nothing, every id kept. Log-in sessions are not copied:
users log in again on the new database. The source is only read.

Options:
  --to URL     the new database: file:PATH or postgresql://USER:PASSWORD@HOST/DB
  --from URL   the database to copy (default: DATABASE_URL)

Examples:
  conntrackt copy --to postgresql://conntrackt:secret@db.example.org/conntrackt
  conntrackt copy --from postgresql://conntrackt@db/conntrackt --to file:./data/conntrackt.db`,
  options: { ...helpOption, to: { type: "string" }, from: { type: "string" } },
  positionals: [0, 0],
  async run({ io, values }) {
    const toOption = stringValue(values, "to");
    if (toOption === undefined) throw usageError("--to URL is required", "copy");
    const to = databaseUrl(toOption, "--to");
    const fromOption = stringValue(values, "from");
    const from = fromOption === undefined ? readConfig(io).DATABASE_URL : databaseUrl(fromOption, "--from");
    const [source, target] = [describeDatabase(from), describeDatabase(to)];
    if (engineOf(from) === engineOf(to) && source === target) {
      throw new CliError(`the source and the target are the same database (${source})`);
    }
    const started = performance.now();
    const result = await withReadOnlyUrl(from, async (sourceDb) => {
      await migrateDatabase(to);
      const targetDb = await openDatabase(to);
      const bar = progressBar(io, "Copying tables");
      try {
        return await copyDatabase(sourceDb, targetDb, (done, total, model) =>
          bar.update(done, total, `Copying tables (${model})`),
        );
      } catch (error) {
        if (error instanceof CopyError) throw new CliError(`${error.message}; nothing was copied`);
        throw error;
      } finally {
        bar.end();
        await targetDb.close();
      }
    });
    const counts = result.tables.map((t) => `${t.model} ${t.rows}`).join(", ");
    await say(
      io,
      `Copied ${plural(result.rows, "row")} in ${plural(COPIED_TABLES.length, "table")} from ${source} to ${target} in ${seconds(performance.now() - started)} (${counts}; not copied: ${Object.keys(NOT_COPIED).join(", ")}).`,
    );
    return 0;
  },
};
