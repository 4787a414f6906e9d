// Brings a database to a usable state: migrations applied, default groups
// present, and on first start the `admin` superuser (docs/usage.md).
import { randomBytes } from "node:crypto";
import { DEFAULT_GROUPS } from "../domain/constants.js";
import { createAdapterFactory, type Database, engineOf, type Tx } from "./engine.js";
import { applyMigrations } from "./migrate.js";

/**
 * Applies pending migrations through a connection of its own. Run it before
 * `openDatabase`: a connection opened earlier may keep reading the old schema.
 */
export async function migrateDatabase(url: string): Promise<string[]> {
  return applyMigrations(engineOf(url), createAdapterFactory(url));
}

/**
 * Processes starting together on an empty PostgreSQL database would both see
 * no group (or no user) and both create it; the second would stop on the
 * unique name. A transaction-scoped advisory lock makes them take turns.
 * (SQLite: every transaction takes the write lock when it begins.)
 */
async function lockStartUp(db: Database, tx: Tx): Promise<void> {
  if (db.engine === "postgresql") await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock(72707370)");
}

export async function ensureDefaultGroups(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await lockStartUp(db, tx);
    for (const [name, codes] of Object.entries(DEFAULT_GROUPS)) {
      const existing = await tx.group.findUnique({ where: { name } });
      if (existing) continue;
      await tx.group.create({ data: { name, permissions: { create: codes.map((code) => ({ code })) } } });
    }
  });
}

/**
 * Creates `admin` when no user exists yet. Returns the generated password when
 * one had to be made up (the caller prints it once), else null. The caller
 * passes the password hashing (src/services/passwords.ts): data code calls
 * no service (docs/architecture.md).
 */
export async function ensureInitialAdmin(
  db: Database,
  initialPassword: string | undefined,
  hashPassword: (password: string) => Promise<string>,
): Promise<string | null> {
  // Hash only when an account may have to be made: scrypt is slow on purpose.
  if ((await db.run((c) => c.user.count())) > 0) return null;
  const generated = initialPassword ? null : randomBytes(12).toString("base64url");
  const password = initialPassword ?? (generated as string);
  const passwordHash = await hashPassword(password);
  const created = await db.transaction(async (tx) => {
    await lockStartUp(db, tx);
    if ((await tx.user.count()) > 0) return false;
    await tx.user.create({ data: { username: "admin", usernameKey: "admin", passwordHash, isSuperuser: true } });
    return true;
  });
  return created ? generated : null;
}
