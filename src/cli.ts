// The `conntrackt` command (SPEC §9).
import { ConfigError, loadConfig } from "./config.js";
import { openDatabase } from "./data/engine.js";
import { ensureDefaultGroups, migrateDatabase } from "./data/setup.js";

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (command === "migrate") {
    const config = loadConfig();
    const applied = await migrateDatabase(config.DATABASE_URL);
    const db = await openDatabase(config.DATABASE_URL);
    try {
      await ensureDefaultGroups(db);
      console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(", ")}` : "Database is up to date.");
    } finally {
      await db.close();
    }
    return 0;
  }
  console.error("usage: conntrackt migrate");
  return 2;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`conntrackt: ${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
