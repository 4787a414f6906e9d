// `conntrackt restore` (docs/cli.md): replaces every row of the SQLite
// database with a backup's, in one transaction (src/services/backup.ts).
import { engineOf } from "../../data/engine.js";
import { BackupError, restoreDatabase } from "../../services/backup.js";
import { describeDatabase, readConfig } from "../database.js";
import { CliError, plural, progressBar, say, seconds } from "../io.js";
import { confirm } from "../prompts.js";
import { type Command, helpOption } from "../runner.js";

export const restoreCommand: Command = {
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
  options: { ...helpOption, yes: { type: "boolean", short: "y" } },
  positionals: [1, 1],
  async run({ io, args, values }) {
    const { DATABASE_URL } = readConfig(io);
    const file = args[0] as string;
    if (engineOf(DATABASE_URL) === "sqlite") {
      await confirm(
        io,
        `Replace ALL data in ${describeDatabase(DATABASE_URL)} with ${file}?`,
        Boolean(values.yes),
        "restore cancelled, nothing was changed",
      );
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
