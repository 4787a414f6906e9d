// `conntrackt migrate` (docs/cli.md): applies pending migrations and creates
// the default groups, as the server does when it starts.
import { openDatabase } from "../../data/engine.js";
import { ensureDefaultGroups, migrateDatabase } from "../../data/setup.js";
import { readConfig } from "../database.js";
import { plural, say } from "../io.js";
import { type Command, helpOption } from "../runner.js";

export const migrateCommand: Command = {
  name: "migrate",
  summary: "apply pending database migrations",
  usage: "conntrackt migrate",
  help: `Applies the migrations this version needs to DATABASE_URL and creates the
default groups. The server does the same when it starts; run it by hand
after an upgrade to see what changed.`,
  options: helpOption,
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
