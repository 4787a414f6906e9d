// express-session store kept in the database (docs/usage.md), so several app
// processes share sessions. Each row also records the user id, so a password
// change or a deactivation can end that user's sessions. There is no `touch`:
// a session lives 14 days from its last change, and a page view costs no write.
import session from "express-session";
import type { Database } from "./engine.js";

type Callback = (err?: unknown, value?: unknown) => void;

const DAY = 24 * 60 * 60 * 1000;

function userIdOf(sess: session.SessionData): number | null {
  const user = (sess as unknown as { passport?: { user?: unknown } }).passport?.user;
  return typeof user === "number" ? user : null;
}

function expiryOf(sess: session.SessionData): Date {
  const expires = sess.cookie?.expires;
  return expires ? new Date(expires) : new Date(Date.now() + DAY);
}

export class DatabaseSessionStore extends session.Store {
  constructor(private readonly db: Database) {
    super();
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    this.db
      .run((c) => c.session.findUnique({ where: { sid } }))
      .then((row) => {
        if (!row || row.expiresAt.getTime() <= Date.now()) return cb(null, null);
        cb(null, JSON.parse(row.data));
      }, cb);
  }

  override set(sid: string, sess: session.SessionData, cb?: Callback): void {
    const data = JSON.stringify(sess);
    const expiresAt = expiryOf(sess);
    const userId = userIdOf(sess);
    this.db
      .run((c) =>
        c.session.upsert({
          where: { sid },
          create: { sid, data, expiresAt, userId },
          update: { data, expiresAt, userId },
        }),
      )
      .then(
        () => cb?.(),
        (err) => cb?.(err),
      );
  }

  override destroy(sid: string, cb?: Callback): void {
    this.db
      .run((c) => c.session.deleteMany({ where: { sid } }))
      .then(
        () => cb?.(),
        (err) => cb?.(err),
      );
  }

  /** Removes expired sessions; returns how many went. */
  async prune(): Promise<number> {
    const out = await this.db.run((c) => c.session.deleteMany({ where: { expiresAt: { lte: new Date() } } }));
    return out.count;
  }
}
