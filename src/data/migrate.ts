// Applies and checks Prisma migrations without Prisma's native schema-engine
// binary: the WebAssembly schema engine runs the same migration history
// (prisma/migrations for SQLite, prisma/postgresql/migrations for PostgreSQL)
// through our driver adapter, and records it in `_prisma_migrations`, so
// `prisma migrate deploy` stays interchangeable wherever the binary exists.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";
import { type Engine, projectRoot } from "./engine.js";

type SchemaEngineClass = typeof SchemaEngine;
type WasmExports = Record<string, unknown>;
// Node has WebAssembly; the project's lib settings (no DOM) do not declare it.
const { WebAssembly: Wasm } = globalThis as unknown as {
  WebAssembly: {
    instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ instance: { exports: WasmExports } }>;
  };
};
let engineClass: Promise<SchemaEngineClass> | undefined;

/** Instantiates the WebAssembly schema engine once per process. */
function loadSchemaEngine(): Promise<SchemaEngineClass> {
  engineClass ??= (async () => {
    const require = createRequire(import.meta.url);
    const bgPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bg = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as Record<string, unknown> & {
      __wbg_set_wasm(exports: WasmExports): void;
      SchemaEngine: SchemaEngineClass;
    };
    const bytes = readFileSync(path.join(path.dirname(bgPath), "schema_engine_bg.wasm"));
    const { instance } = await Wasm.instantiate(bytes, { "./schema_engine_bg.js": bg });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bg.SchemaEngine;
  })();
  return engineClass;
}

export function schemaPath(engine: Engine): string {
  return engine === "sqlite"
    ? path.join(projectRoot, "prisma", "schema.prisma")
    : path.join(projectRoot, "prisma", "postgresql", "schema.prisma");
}

export function migrationsDir(engine: Engine): string {
  return path.join(path.dirname(schemaPath(engine)), "migrations");
}

/** Reads a migrations folder in Prisma's standard layout. */
export function readMigrations(engine: Engine): MigrationList {
  const baseDir = migrationsDir(engine);
  const lockPath = path.join(baseDir, "migration_lock.toml");
  const dirs = existsSync(baseDir)
    ? readdirSync(baseDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  return {
    baseDir,
    lockfile: {
      path: "migration_lock.toml",
      content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null,
    },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((name) => {
      const file = path.join(baseDir, name, "migration.sql");
      return {
        path: name,
        migrationFile: {
          path: "migration.sql",
          content: existsSync(file)
            ? { tag: "ok", value: readFileSync(file, "utf8") }
            : { tag: "error", value: `missing ${file}` },
        },
      };
    }),
  } as MigrationList;
}

const noFilter = { externalTables: [], externalEnums: [] };

async function withEngine<T>(
  engine: Engine,
  factory: SqlMigrationAwareDriverAdapterFactory,
  fn: (schemaEngine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const SchemaEngineClass = await loadSchemaEngine();
  const file = schemaPath(engine);
  const logs: string[] = [];
  // The engine never closes the connections it opens; track them so a lock
  // left on an SQLite file cannot block the application's own connection.
  const opened: SqlDriverAdapter[] = [];
  const tracking: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => {
      const adapter = await factory.connect();
      opened.push(adapter);
      return adapter;
    },
    connectToShadowDb: async () => {
      const adapter = await factory.connectToShadowDb();
      opened.push(adapter);
      return adapter;
    },
  };
  const schemaEngine = await SchemaEngineClass.new(
    { datamodels: [[file, readFileSync(file, "utf8")]] },
    (line: string) => logs.push(line),
    bindMigrationAwareSqlAdapterFactory(tracking),
  );
  try {
    return await fn(schemaEngine);
  } finally {
    schemaEngine.free();
    await Promise.all(opened.map((adapter) => adapter.dispose().catch(() => undefined)));
  }
}

/**
 * Names of the migrations recorded as applied, read with a plain query, or
 * null when the history table is missing. Lets a start-up or a CLI command
 * with nothing to apply skip the schema engine, whose SQLite connector needs
 * the file to itself and would time out while a server has it open.
 */
async function appliedMigrationNames(factory: SqlMigrationAwareDriverAdapterFactory): Promise<Set<string> | null> {
  const adapter = await factory.connect();
  try {
    const result = await adapter.queryRaw({
      sql: "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
      args: [],
      argTypes: [],
    });
    return new Set(result.rows.map((row) => String(row[0])));
  } catch {
    return null;
  } finally {
    await adapter.dispose().catch(() => undefined);
  }
}

/**
 * How the database stands against this version's history, without changing
 * it (read-only commands refuse instead of migrating, docs/cli.md): null when
 * it has no history table (empty, or not a Conntrackt database).
 */
export async function migrationStatus(
  engine: Engine,
  factory: SqlMigrationAwareDriverAdapterFactory,
): Promise<{ pending: string[]; unknown: string[] } | null> {
  const applied = await appliedMigrationNames(factory);
  if (!applied) return null;
  const wanted = readMigrations(engine).migrationDirectories.map((d) => d.path);
  return {
    pending: wanted.filter((name) => !applied.has(name)),
    unknown: [...applied].filter((name) => !wanted.includes(name)).sort(),
  };
}

/** Applies every pending migration; returns the names of those applied. */
export async function applyMigrations(
  engine: Engine,
  factory: SqlMigrationAwareDriverAdapterFactory,
): Promise<string[]> {
  const applied = await appliedMigrationNames(factory);
  const wanted = readMigrations(engine).migrationDirectories.map((d) => d.path);
  if (applied && wanted.every((name) => applied.has(name))) return [];
  return withEngine(engine, factory, async (schemaEngine) => {
    const out = await schemaEngine.applyMigrations({ migrationsList: readMigrations(engine), filters: noFilter });
    return out.appliedMigrationNames;
  });
}

/**
 * SQL that turns the schema `from` into the schema `to` (both Prisma schema
 * texts, `from` empty for a new database). Needs no database connection.
 */
export async function diffSchemas(
  engine: Engine,
  factory: SqlMigrationAwareDriverAdapterFactory,
  from: string | null,
  to: string,
): Promise<string> {
  return withEngine(engine, factory, async (schemaEngine) => {
    const result = await schemaEngine.diff({
      from:
        from === null ? { tag: "empty" } : { tag: "schemaDatamodel", files: [{ path: "from.prisma", content: from }] },
      to: { tag: "schemaDatamodel", files: [{ path: "to.prisma", content: to }] },
      script: true,
      exitCode: null,
      filters: noFilter,
    });
    return result.stdout ?? "";
  });
}
