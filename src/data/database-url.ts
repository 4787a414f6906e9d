// What a DATABASE_URL names (docs/install.md): the engine, and for SQLite the
// file. Kept apart from engine.ts so that reading the configuration
// (src/config.ts) does not load the Prisma clients and drivers.
import path from "node:path";

export type Engine = "sqlite" | "postgresql";

export function engineOf(url: string): Engine {
  return /^postgres(ql)?:\/\//i.test(url) ? "postgresql" : "sqlite";
}

/** Resolves an SQLite URL (`file:./data/x.db`, a plain path) to an absolute file path. */
export function sqliteFile(url: string, cwd = process.cwd()): string {
  const file = url.replace(/^file:/, "");
  return path.resolve(cwd, file);
}
