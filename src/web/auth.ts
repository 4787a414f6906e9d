// Authentication (passport-local over database sessions) and the permission
// checks every route uses: anonymous visitors go to /login and come back,
// logged-in users without the permission get a 403 page.
import type { NextFunction, Request, RequestHandler, Response } from "express";
import passport from "passport";
import { Strategy as LocalStrategy } from "passport-local";
import type { Database } from "../data/engine.js";
import { findUserForLogin, getCurrentUser } from "../data/users.js";
import type { PermissionCode } from "../domain/constants.js";
import type { PasswordHasher } from "../services/passwords.js";
import { forbidden } from "./http-errors.js";

export function configurePassport(db: Database, passwords: PasswordHasher): passport.PassportStatic {
  const instance = new passport.Passport();
  instance.use(
    new LocalStrategy(async (username, password, done) => {
      try {
        const user = await findUserForLogin(db, username);
        const ok = user ? await passwords.verify(password, user.passwordHash) : await passwords.verifyNothing(password);
        // An inactive account gets the wrong-password answer: the page must not
        // tell a guesser that the name exists or that the password was right.
        if (!user || !ok || !user.isActive) return done(null, false);
        return done(null, { id: user.id } as Express.User);
      } catch (err) {
        return done(err);
      }
    }),
  );
  instance.serializeUser((user, done) => done(null, user.id));
  instance.deserializeUser(async (id: unknown, done) => {
    try {
      const user = typeof id === "number" ? await getCurrentUser(db, id) : null;
      // An unknown or deactivated user is logged out (passport drops the session's login).
      done(null, user?.isActive ? user : false);
    } catch (err) {
      done(err);
    }
  });
  return instance as unknown as passport.PassportStatic;
}

function toLogin(req: Request, res: Response): void {
  const next = req.method === "GET" ? req.originalUrl : (req.get("referer") ?? "/");
  let path = "/";
  try {
    const url = new URL(next, "http://local.invalid");
    path = url.origin === "http://local.invalid" ? url.pathname + url.search : "/";
  } catch {}
  res.redirect(path === "/" ? "/login" : `/login?next=${encodeURIComponent(path)}`);
}

/**
 * Lets a request authenticated otherwise than by its session (an API token,
 * docs/api.md) carry its user for this request only: nothing is written to
 * the session, so no cookie is set, and `can` sees exactly that user's permissions.
 */
export function actAs(req: Request, user: Express.User): void {
  req.user = user;
}

export function can(user: Express.User | undefined, code: PermissionCode): boolean {
  return Boolean(user?.permissions.has(code));
}

/** The caller must be logged in and hold every code given. */
export function requirePermission(...codes: PermissionCode[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.user) return toLogin(req, res);
    if (!codes.every((code) => can(req.user, code))) return next(forbidden());
    next();
  };
}

/** Sends anonymous visitors to the log-in page, except on the given paths. */
export function requireLogin(open: string[]): RequestHandler {
  return (req, res, next) => {
    if (req.user || open.includes(req.path)) return next();
    toLogin(req, res);
  };
}

export const requireSuperuser: RequestHandler = (req, res, next) => {
  if (!req.user) return toLogin(req, res);
  if (!req.user.isSuperuser) return next(forbidden());
  next();
};

/** Pages and downloads of a logged-in user are never kept by a browser or proxy cache. */
export const noStoreWhenLoggedIn: RequestHandler = (req, res, next) => {
  if (req.user) res.set("Cache-Control", "no-store");
  next();
};
