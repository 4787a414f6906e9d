// Log-in attempt counters in the database, for rate-limiter-flexible's
// RateLimiterPrisma when the app runs on PostgreSQL: every process then counts
// into the same rows (docs/install.md, "Log-in throttle"). The limiter is given
// this facade instead of the Prisma client, so its queries go through db.run
// like all others.
import type { Prisma } from "../generated/sqlite/client.js";
import type { Database } from "./engine.js";

/** The model methods RateLimiterPrisma calls, each one statement through db.run. */
export function loginAttemptStore(db: Database) {
  return {
    loginAttempt: {
      upsert: (args: Prisma.LoginAttemptUpsertArgs) => db.run((c) => c.loginAttempt.upsert(args)),
      deleteMany: (args: Prisma.LoginAttemptDeleteManyArgs) => db.run((c) => c.loginAttempt.deleteMany(args)),
      findFirst: (args: Prisma.LoginAttemptFindFirstArgs) => db.run((c) => c.loginAttempt.findFirst(args)),
    },
  };
}

/** Removes counters whose window has ended; returns how many went. */
export async function pruneLoginAttempts(db: Database, now = new Date()): Promise<number> {
  const out = await db.run((c) => c.loginAttempt.deleteMany({ where: { expire: { lte: now } } }));
  return out.count;
}
