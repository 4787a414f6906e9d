// CSRF protection: a synchronizer token kept in the session and sent back in
// every form (`_csrf`) or in the `X-CSRF-Token` header. Any state-changing
// request without the session's token is refused with 403 before any work.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import { HttpError } from "./http-errors.js";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export function csrfToken(req: Request): string {
  req.session.csrfToken ??= randomBytes(32).toString("base64url");
  return req.session.csrfToken;
}

/** A new token, e.g. at log-in, so one seen before log-in is useless after. */
export function rotateCsrfToken(req: Request): void {
  req.session.csrfToken = randomBytes(32).toString("base64url");
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function csrfProtection(req: Request, res: Response, next: NextFunction): void {
  Object.defineProperty(res.locals, "csrfToken", { get: () => csrfToken(req), enumerable: true });
  if (SAFE.has(req.method)) {
    next();
    return;
  }
  const expected = req.session?.csrfToken;
  const sent = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get("x-csrf-token");
  if (!expected || typeof sent !== "string" || !same(sent, expected)) {
    next(new HttpError(403, "The form has expired or did not come from this site. Reload the page and try again."));
    return;
  }
  next();
}
