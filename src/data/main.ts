// Queries behind the main page's health check (docs/install.md).
import type { Database } from "./engine.js";

/** Resolves when the database answers a trivial query; rejects with the driver's error otherwise. */
export async function pingDatabase(db: Database): Promise<void> {
  await db.run((c) => c.$queryRawUnsafe("SELECT 1"));
}
