// Configuration (docs/install.md), read once from the environment (and `.env` in the
// working directory). An invalid value stops start-up with a message naming
// the variable.
import { randomBytes } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { engineOf, sqliteFile } from "./data/database-url.js";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATABASE_URL: z
    .string()
    .min(1)
    .default("file:./data/conntrackt.db")
    .refine((url) => /^(postgres(ql)?:\/\/|file:)/i.test(url), "must start with file: (SQLite) or postgresql://"),
  SESSION_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  INITIAL_ADMIN_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  TRUST_PROXY: z
    .string()
    .default("off")
    .transform((value, ctx) => {
      const v = value.trim().toLowerCase();
      if (["off", "false", "0", "no", ""].includes(v)) return false;
      if (["on", "true", "yes"].includes(v)) return 1;
      if (/^\d+$/.test(v)) return Number(v);
      ctx.addIssue({ code: "custom", message: "must be off, on, or a number of proxy hops" });
      return z.NEVER;
    }),
  DIAGRAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  // docs/install.md: how long a stopping server lets requests in flight finish.
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(25_000),
  // docs/install.md: memory for rendered pages kept until the data changes (0: none).
  PAGE_CACHE_MB: z.coerce.number().int().min(0).max(4096).default(64),
  // docs/install.md: scrypt cost (log2 N), session idle and absolute lifetimes.
  PASSWORD_HASH_COST: z.coerce.number().int().min(10).max(17).default(15),
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(120),
  SESSION_ABSOLUTE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(365 * 24)
    .default(14 * 24),
  NODE_ENV: z.string().default("development"),
});

export type Config = Omit<z.infer<typeof schema>, "SESSION_SECRET"> & {
  SESSION_SECRET: string;
  /** Folder for generated state (secret) next to an SQLite file, else ./data. */
  dataDir: string;
  production: boolean;
};

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError naming the bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv): Omit<Config, "SESSION_SECRET"> & { SESSION_SECRET?: string } {
  const result = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== "")));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(`Invalid configuration: ${issue?.path.join(".")} ${issue?.message}`);
  }
  const cfg = result.data;
  const dataDir =
    engineOf(cfg.DATABASE_URL) === "sqlite" ? path.dirname(sqliteFile(cfg.DATABASE_URL)) : path.resolve("data");
  return { ...cfg, dataDir, production: cfg.NODE_ENV === "production" };
}

/**
 * The session secret from the environment, or one generated once and kept in
 * the data folder. Processes starting together must agree on it and never
 * read a half-written file: the secret is written completely to a file of this
 * process's own, then linked into place (link fails with EEXIST when another
 * process won, and then its file is read).
 */
export function resolveSessionSecret(cfg: { SESSION_SECRET?: string; dataDir: string }): string {
  if (cfg.SESSION_SECRET) return cfg.SESSION_SECRET;
  const file = path.join(cfg.dataDir, "session-secret");
  const read = () => {
    const secret = readFileSync(file, "utf8").trim();
    if (secret.length < 16) {
      throw new ConfigError(`Invalid configuration: ${file} is damaged; delete it or set SESSION_SECRET`);
    }
    return secret;
  };
  if (existsSync(file)) return read();
  mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString("hex");
  const own = `${file}.${process.pid}-${randomBytes(6).toString("hex")}`;
  writeFileSync(own, `${secret}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(own, file);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return read();
    // A file system without hard links: exclusive create, then the same rule.
    try {
      writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
      return secret;
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code === "EEXIST") return read();
      throw again;
    }
  } finally {
    rmSync(own, { force: true });
  }
}

/** Reads `.env` (if present) then the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  if (existsSync(".env")) process.loadEnvFile(".env");
  const cfg = parseConfig(env);
  return { ...cfg, SESSION_SECRET: resolveSessionSecret(cfg) };
}
