// `conntrackt backup` (docs/cli.md): a consistent, checked copy of the SQLite
// database while the server runs (src/services/backup.ts does the work).
import { BackupError, backupDatabase } from "../../services/backup.js";
import { describeDatabase, readConfig } from "../database.js";
import { CliError, progressBar, say, seconds } from "../io.js";
import { type Command, helpOption } from "../runner.js";

export const backupCommand: Command = {
  name: "backup",
  summary: "copy the SQLite database to a file, while the server runs",
  usage: "conntrackt backup FILE",
  help: `Writes a consistent copy of the SQLite database to FILE (replaced whole, and
only once the copy passed PRAGMA integrity_check). Safe while the server is
running and writing. For PostgreSQL use pg_dump (docs/install.md).

Example:
  conntrackt backup /var/backups/conntrackt-$(date +%F).db`,
  options: helpOption,
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
