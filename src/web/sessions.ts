// Session cookie and lifetimes (docs/install.md, "Sessions"). A session ends
// after SESSION_IDLE_MINUTES without a request, and SESSION_ABSOLUTE_HOURS
// after log-in whatever the activity. Activity moves the idle deadline at most
// every 5 minutes (a tenth of a shorter idle time), so page views rarely write. Over TLS the
// cookie is `__Host-conntrackt.sid` (Secure, Path=/, no Domain: a neighbouring
// subdomain or a plain-HTTP page cannot plant or overwrite it); on plain HTTP
// it is `conntrackt.sid`.
import { createHmac, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import session, { type SessionData } from "express-session";
import type { Config } from "../config.js";
import type { DatabaseSessionStore } from "../data/sessions.js";
import { readCookie } from "./cookies.js";

declare module "express-session" {
  interface SessionData {
    /** Epoch ms at which the session ends whatever the activity (set at log-in). */
    endsAt?: number;
    /** Epoch ms of the last write that moved the idle deadline. */
    seenAt?: number;
    /** Written by passport: the id of the logged-in user. */
    passport?: { user?: unknown };
  }
}

export const SESSION_COOKIE = "conntrackt.sid";
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

type SessionConfig = Pick<Config, "SESSION_SECRET" | "SESSION_IDLE_MINUTES" | "SESSION_ABSOLUTE_HOURS">;

export function sessions(config: SessionConfig, store: DatabaseSessionStore): RequestHandler {
  const idleMs = config.SESSION_IDLE_MINUTES * 60_000;
  const options = (name: string, secure: boolean) =>
    session({
      name,
      secret: config.SESSION_SECRET,
      // express-session writes its cookie settings onto the store: one each.
      store: secure ? store.sibling() : store,
      resave: false,
      saveUninitialized: false,
      // The cookie's expiry (now + idle) is renewed whenever the session is saved.
      cookie: { httpOnly: true, sameSite: "lax", secure, path: "/", maxAge: idleMs },
    });
  const plain = options(SESSION_COOKIE, false);
  const tls = options(SECURE_SESSION_COOKIE, true);
  const refreshMs = refreshMsOf(config);

  return (req: Request, res: Response, next: NextFunction) => {
    (req.secure ? tls : plain)(req, res, (err?: unknown) => {
      if (err) return next(err);
      const s = req.session;
      const now = Date.now();
      if (s?.passport?.user !== undefined && now - (s.seenAt ?? 0) >= refreshMs) s.seenAt = now;
      next();
    });
  };
}

/** At log-in: the absolute lifetime starts now. */
export function startSession(req: Request, config: Pick<Config, "SESSION_ABSOLUTE_HOURS">): void {
  const now = Date.now();
  req.session.endsAt = now + config.SESSION_ABSOLUTE_HOURS * 3_600_000;
  req.session.seenAt = now;
}

/**
 * The idle deadline moves at most this often, so a session ends between idle −
 * refresh and idle after its last request. Rarely enough that page views
 * almost never write (and query counts stay put), often enough to be close to
 * the configured time.
 */
function refreshMsOf(config: Pick<Config, "SESSION_IDLE_MINUTES">): number {
  return Math.min(5 * 60_000, (config.SESSION_IDLE_MINUTES * 60_000) / 10);
}

/** A logged-in session that this request leaves as it is. */
export interface QuietSession {
  sid: string;
  userId: number;
  csrfToken: string;
}

/**
 * Reads the session a request's cookie names exactly as the middleware above
 * would (the signed `s:` cookie of express-session, the same store), for the
 * page cache's early answer (src/web/page-cache.ts): a logged-in session with
 * its CSRF token, no message waiting and no idle refresh due, which this
 * request would therefore neither change nor send a cookie for. Anything
 * else is undefined, and the request takes the whole way.
 */
export function quietSessions(
  config: Pick<Config, "SESSION_SECRET" | "SESSION_IDLE_MINUTES">,
  store: DatabaseSessionStore,
): (req: Request) => Promise<QuietSession | undefined> {
  const refreshMs = refreshMsOf(config);
  const get = promisify(store.get.bind(store));
  return async (req) => {
    const raw = readCookie(req, req.secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE);
    if (!raw?.startsWith("s:")) return undefined;
    const dot = raw.lastIndexOf(".");
    if (dot < 2) return undefined;
    const sid = raw.slice(2, dot);
    const mac = Buffer.from(raw.slice(dot + 1));
    const expected = Buffer.from(
      createHmac("sha256", config.SESSION_SECRET).update(sid).digest("base64").replace(/=+$/, ""),
    );
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined;
    const session = (await get(sid)) as (SessionData & { csrfToken?: string; flash?: unknown[] }) | null | undefined;
    const userId = session?.passport?.user;
    if (!session || typeof userId !== "number" || typeof session.csrfToken !== "string") return undefined;
    if (session.flash?.length || Date.now() - (session.seenAt ?? 0) >= refreshMs) return undefined;
    return { sid, userId, csrfToken: session.csrfToken };
  };
}
