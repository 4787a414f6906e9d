// CSRF protection (docs/architecture.md, Security). Logged-in users: a
// synchronizer token kept in their session. Anonymous visitors (the log-in
// form) get a signed double-submit cookie instead, so showing the form stores
// no session row. Every form sends the token back (`_csrf`, or the
// `X-CSRF-Token` header); a state-changing request without the right one is
// refused with 403 before any work.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { readCookie } from "./cookies.js";
import { HttpError } from "./http-errors.js";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
const COOKIE = "conntrackt.csrf";
/** Over TLS the cookie cannot be planted by a neighbouring (sub)domain or plain-HTTP page. */
const SECURE_COOKIE = `__Host-${COOKIE}`;

const newToken = () => randomBytes(32).toString("base64url");

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A logged-in session holds its token; an anonymous visitor uses the cookie. */
const usesSession = (req: Request) => Boolean(req.user);

/** A new session token, e.g. at log-in, so one seen before log-in is useless after. */
export function rotateCsrfToken(req: Request): void {
  req.session.csrfToken = newToken();
}

export function csrfProtection(secret: string): RequestHandler {
  const sign = (token: string) => createHmac("sha256", secret).update(`csrf:${token}`).digest("base64url");
  const cookieName = (req: Request) => (req.secure ? SECURE_COOKIE : COOKIE);

  /** The anonymous token of a correctly signed cookie, if the request carries one. */
  const cookieToken = (req: Request): string | undefined => {
    const [token, signature] = (readCookie(req, cookieName(req)) ?? "").split(".");
    return token && signature && same(signature, sign(token)) ? token : undefined;
  };

  const tokenFor = (req: Request, res: Response): string => {
    if (usesSession(req)) {
      req.session.csrfToken ??= newToken();
      return req.session.csrfToken;
    }
    let token = cookieToken(req);
    if (!token) {
      token = newToken();
      res.cookie(cookieName(req), `${token}.${sign(token)}`, {
        httpOnly: true,
        sameSite: "strict",
        secure: req.secure,
        path: "/",
      });
    }
    return token;
  };

  return (req: Request, res: Response, next: NextFunction): void => {
    let token: string | undefined;
    // Pages ask for the token while rendering: computed once, on first use.
    Object.defineProperty(res.locals, "csrfToken", {
      get: () => {
        token ??= tokenFor(req, res);
        return token;
      },
      enumerable: true,
    });
    if (SAFE.has(req.method)) {
      next();
      return;
    }
    const expected = usesSession(req) ? req.session?.csrfToken : cookieToken(req);
    const sent = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get("x-csrf-token");
    if (!expected || typeof sent !== "string" || !same(sent, expected)) {
      next(new HttpError(403, "The form has expired or did not come from this site. Reload the page and try again."));
      return;
    }
    next();
  };
}
