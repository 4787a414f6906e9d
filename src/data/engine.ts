// Opens the database named by DATABASE_URL and hands out the one Prisma
// client of the process. On SQLite every piece of database work goes through
// one queue (docs/architecture.md): Prisma's better-sqlite3 adapter shares a single
// connection between requests, so without the queue a failing transaction
// rolls back other requests' acknowledged writes and exposes uncommitted rows.
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import BetterSqlite3 from "better-sqlite3";
import { PrismaClient as PostgresClient } from "../generated/postgresql/client.js";
import { type Prisma, PrismaClient } from "../generated/sqlite/client.js";
import { type Engine, engineOf, sqliteFile } from "./database-url.js";

export { type Engine, engineOf, sqliteFile };

/** The model API; both engines' generated clients share it. */
export type Client = PrismaClient;
export type Tx = Prisma.TransactionClient;

function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/** The folder holding package.json, views/ and prisma/, whether run from src/ or dist/. */
export const projectRoot = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/** Resolves on the next turn of the event loop, after it has polled for I/O. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A FIFO lock: each holder runs alone, in arrival order, and on a turn of the
 * event loop of its own. better-sqlite3 answers synchronously, so without that
 * turn a long queue ran as one unbroken chain of microtasks (query, render,
 * next query…) during which the server accepted no connection and read no
 * request: under load the event loop stood still for seconds at a time.
 */
export class Queue {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(nextTurn, nextTurn).then(fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

export interface Database {
  readonly engine: Engine;
  readonly url: string;
  /** Runs database work; on SQLite nothing else touches the database meanwhile. */
  run<T>(fn: (client: Client) => Promise<T>): Promise<T>;
  /**
   * A small read outside Prisma, for what every request reads (its session,
   * its user, the data revision): Prisma spends some 100–300 µs of CPU on a
   * query, a prepared statement about 10. `?` marks each parameter. On SQLite
   * it runs on a read-only connection of its own, with its statements kept:
   * that connection sees committed rows only and, in WAL mode, never waits
   * for a writer; it still waits its turn in the queue, so it reads every
   * write queued before it (docs/architecture.md). On PostgreSQL it is a raw query.
   * Columns come back as the engine stores them (SQLite: booleans 0/1, times
   * as ISO text).
   */
  lookup<T>(sql: string, params?: readonly (string | number | null)[]): Promise<T[]>;
  /** Runs fn in one transaction that commits entirely or not at all. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** The adapter factory, for the schema engine. */
  readonly factory: SqlMigrationAwareDriverAdapterFactory;
  /** Number of SQL statements sent so far (tests prove pages use a fixed number). */
  readonly queryCount: number;
  close(): Promise<void>;
}

/** `readOnly`: for commands that only read (docs/cli.md): never writes, never takes the write lock. */
export interface OpenOptions {
  readOnly?: boolean;
}

// Read-only PostgreSQL sessions: writes are refused, and each transaction reads one snapshot.
const PG_READ_ONLY = "-c default_transaction_read_only=on -c default_transaction_isolation=repeatable\\ read";

export function createAdapterFactory(url: string, options: OpenOptions = {}): SqlMigrationAwareDriverAdapterFactory {
  if (engineOf(url) === "postgresql") {
    return new PrismaPg({ connectionString: url, max: 10, ...(options.readOnly ? { options: PG_READ_ONLY } : {}) });
  }
  const file = sqliteFile(url);
  // Read-only: the file must exist (nothing is created), and transactions keep
  // SQLite's deferred BEGIN, a snapshot that waits for no writer.
  if (options.readOnly)
    return new PrismaBetterSqlite3({ url: file, timeout: 10_000, readonly: true, fileMustExist: true });
  mkdirSync(path.dirname(file), { recursive: true });
  return immediateTransactions(new PrismaBetterSqlite3({ url: file, timeout: 10_000 }));
}

/**
 * Makes every SQLite transaction take the write lock when it begins. The
 * adapter's BEGIN is deferred: a transaction that reads, then writes, while
 * another process (the CLI, a second server) has written meanwhile fails at
 * once with SQLITE_BUSY, whatever the busy timeout. BEGIN IMMEDIATE waits
 * for the lock (busy timeout) instead; within the process the queue already
 * runs one transaction at a time, so nothing is lost by taking it early.
 */
function immediateTransactions(factory: SqlMigrationAwareDriverAdapterFactory): SqlMigrationAwareDriverAdapterFactory {
  const wrap = async (adapter: SqlDriverAdapter): Promise<SqlDriverAdapter> => {
    const start = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => {
      const tx = await start(isolationLevel);
      const run = (sql: string) => tx.executeRaw({ sql, args: [], argTypes: [] });
      try {
        // A deferred BEGIN has taken no lock yet: swap it for an immediate one.
        await run("ROLLBACK");
        await run("BEGIN IMMEDIATE");
      } catch (error) {
        await tx.rollback();
        throw error;
      }
      return tx;
    };
    return adapter;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => wrap(await factory.connect()),
    connectToShadowDb: async () => wrap(await factory.connectToShadowDb()),
  };
}

export async function openDatabase(url: string, openOptions: OpenOptions = {}): Promise<Database> {
  const engine = engineOf(url);
  const factory = createAdapterFactory(url, openOptions);
  const options = { adapter: factory, log: [{ emit: "event" as const, level: "query" as const }] };
  const client =
    engine === "postgresql" ? (new PostgresClient(options) as unknown as PrismaClient) : new PrismaClient(options);
  let queryCount = 0;
  (client as PrismaClient<"query">).$on("query", () => {
    queryCount++;
  });

  if (engine === "sqlite" && openOptions.readOnly) {
    // Changing the journal mode writes the file: a read-only reader takes it as it is.
    await client.$queryRawUnsafe("PRAGMA busy_timeout = 10000");
  } else if (engine === "sqlite") {
    // WAL lets backups and other processes read while we write; the busy
    // timeout makes a second process wait instead of failing with "locked".
    await client.$queryRawUnsafe("PRAGMA journal_mode = WAL");
    await client.$queryRawUnsafe("PRAGMA busy_timeout = 10000");
    await client.$queryRawUnsafe("PRAGMA foreign_keys = ON");
    await client.$queryRawUnsafe("PRAGMA synchronous = NORMAL");
  }

  const queue = engine === "sqlite" ? new Queue() : undefined;
  const serialise = <T>(fn: () => Promise<T>): Promise<T> => (queue ? queue.run(fn) : fn());
  const reader = engine === "sqlite" ? sqliteReader(sqliteFile(url)) : undefined;

  return {
    engine,
    url,
    factory,
    get queryCount() {
      return queryCount;
    },
    run: (fn) => serialise(() => fn(client)),
    lookup: async <T>(sql: string, params: readonly (string | number | null)[] = []) => {
      if (reader) {
        // Prisma's query event counts the others.
        queryCount++;
        // In the queue, in turn: express-session sends a redirect's headers
        // before its session write has run, and a browser following it at
        // once must read that write (a message to show), not what was before.
        return serialise(async () => reader.all<T>(sql, params));
      }
      let n = 0;
      return client.$queryRawUnsafe<T[]>(
        sql.replace(/\?/g, () => `$${++n}`),
        ...params,
      );
    },
    transaction: (fn) => serialise(() => client.$transaction((tx) => fn(tx), { timeout: 60_000, maxWait: 60_000 })),
    close: () =>
      serialise(async () => {
        reader?.close();
        await client.$disconnect();
      }),
  };
}

interface Reader {
  all<T>(sql: string, params: readonly (string | number | null)[]): T[];
  close(): void;
}

/**
 * The read-only SQLite connection of `lookup`, opened on first use (the main
 * connection has created the file and switched it to WAL by then), its
 * prepared statements kept by SQL text (the lookups' SQL is the code's own,
 * a handful of statements).
 */
function sqliteReader(file: string): Reader {
  let connection: BetterSqlite3.Database | undefined;
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    all<T>(sql: string, params: readonly (string | number | null)[]): T[] {
      connection ??= new BetterSqlite3(file, { readonly: true, fileMustExist: true, timeout: 10_000 });
      let statement = statements.get(sql);
      if (!statement) {
        statement = connection.prepare(sql);
        statements.set(sql, statement);
      }
      return statement.all(...params) as T[];
    },
    close() {
      connection?.close();
      connection = undefined;
      statements.clear();
    },
  };
}
