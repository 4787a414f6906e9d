// express-session store kept in the database (docs/install.md, "Sessions"), so
// several app processes share sessions. Each row also records the user id, so
// a password change or a deactivation can end that user's sessions. A row
// expires at the earliest of: the cookie's expiry (the idle deadline), the
// absolute end set at log-in (`endsAt`), and — for a session nobody is logged
// in to (a message shown after log-out) — a few minutes. Every callback gets
// database and parsing failures as its error; none is left as a rejected promise.
import session from "express-session";
import type { Database } from "./engine.js";

type Callback = (err?: unknown, value?: unknown) => void;

/** A session without a login only carries a message to the next page. */
export const ANONYMOUS_SESSION_MS = 10 * 60_000;

function userIdOf(sess: session.SessionData): number | null {
  const user = (sess as unknown as { passport?: { user?: unknown } }).passport?.user;
  return typeof user === "number" ? user : null;
}

function expiryOf(sess: session.SessionData, now = Date.now()): Date {
  const limits = [sess.cookie?.expires ? new Date(sess.cookie.expires).getTime() : now + ANONYMOUS_SESSION_MS];
  if (typeof sess.endsAt === "number") limits.push(sess.endsAt);
  if (userIdOf(sess) === null) limits.push(now + ANONYMOUS_SESSION_MS);
  return new Date(Math.min(...limits));
}

/**
 * Runs `work` and hands its outcome to `cb` exactly once. A throwing callback
 * is a bug of the caller; it is rethrown on its own tick (an uncaught
 * exception, as with any callback API) instead of becoming an unhandled rejection.
 */
function settle<T>(work: () => Promise<T>, cb: ((err: unknown, value?: T) => void) | undefined): void {
  let outcome: Promise<{ ok: true; value: T } | { ok: false; error: unknown }>;
  try {
    outcome = work().then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  } catch (error) {
    outcome = Promise.resolve({ ok: false as const, error });
  }
  void outcome.then((result) => {
    try {
      if (result.ok) cb?.(null, result.value);
      else cb?.(result.error);
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  });
}

export class DatabaseSessionStore extends session.Store {
  constructor(private readonly db: Database) {
    super();
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    settle(async () => {
      // Every request of a logged-in user reads its session: a lookup, not a Prisma query.
      const [row] = await this.db.lookup<{ data: string; expiresAt: string | Date }>(
        `SELECT "data", "expiresAt" FROM "Session" WHERE "sid" = ?`,
        [sid],
      );
      if (!row || new Date(row.expiresAt).getTime() <= Date.now()) return null;
      const data = JSON.parse(row.data) as session.SessionData;
      if (typeof data.endsAt === "number" && data.endsAt <= Date.now()) return null;
      return data;
    }, cb);
  }

  override set(sid: string, sess: session.SessionData, cb?: Callback): void {
    settle(async () => {
      const data = JSON.stringify(sess);
      const expiresAt = expiryOf(sess);
      const userId = userIdOf(sess);
      await this.db.run((c) =>
        c.session.upsert({
          where: { sid },
          create: { sid, data, expiresAt, userId },
          update: { data, expiresAt, userId },
        }),
      );
    }, cb);
  }

  override destroy(sid: string, cb?: Callback): void {
    settle(async () => {
      await this.db.run((c) => c.session.deleteMany({ where: { sid } }));
    }, cb);
  }

  /**
   * A second store on the same rows. express-session keeps its cookie settings
   * on the store it is given (store.generate), so the plain-HTTP and the TLS
   * cookie (src/web/sessions.ts) each need a store object of their own.
   */
  sibling(): DatabaseSessionStore {
    return new DatabaseSessionStore(this.db);
  }

  /** Removes expired sessions; returns how many went. */
  async prune(): Promise<number> {
    const out = await this.db.run((c) => c.session.deleteMany({ where: { expiresAt: { lte: new Date() } } }));
    return out.count;
  }
}
