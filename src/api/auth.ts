// Who calls the API (docs/api.md, "Tokens"). `Authorization: Bearer TOKEN`
// makes the request act as the token's user, with exactly that user's
// permissions, for this request only: no session is written, no cookie set,
// and no CSRF token is needed (a browser never adds that header by itself).
// A read-only token may only read: GET, and the POSTs that change nothing
// listed by the caller (the drift check). Without the header, a logged-in
// browser session may call the API too, but its writes need the CSRF token
// (the `X-CSRF-Token` header) as the forms do. Anyone else gets a 401 in JSON.
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { TokenForAuth } from "../data/tokens.js";
import type { PermissionCode } from "../domain/constants.js";
import { TokenAuthenticator } from "../services/tokens.js";
import { actAs, can } from "../web/auth.js";
import { csrfProtection } from "../web/csrf.js";
import type { AppDeps } from "../web/deps.js";
import { ApiError, apiForbidden, unauthorized } from "./errors.js";

const READS = new Set(["GET", "HEAD", "OPTIONS"]);
const BEARER = /^Bearer +([^\s]+) *$/i;

/** The token a request was authenticated with, if any. */
export function requestToken(res: Response): TokenForAuth | undefined {
  return res.locals.apiToken as TokenForAuth | undefined;
}

/** `readOnlyPosts`: paths (below the API's mount point) of POSTs that only compute an answer. */
export function apiAuthentication(
  { db, config }: Pick<AppDeps, "db" | "config">,
  readOnlyPosts: readonly RegExp[] = [],
): RequestHandler {
  const reads = (req: Request) =>
    READS.has(req.method) || (req.method === "POST" && readOnlyPosts.some((path) => path.test(req.path)));
  const tokens = new TokenAuthenticator(db);
  const csrf = csrfProtection(config.SESSION_SECRET);

  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get("authorization");
    if (header !== undefined) {
      const match = BEARER.exec(header);
      if (!match?.[1]) throw unauthorized('The Authorization header must be "Bearer TOKEN".', true);
      const outcome = await tokens.authenticate(match[1]);
      if (!outcome.ok) {
        req.log.warn({ reason: outcome.reason, apiToken: { id: outcome.tokenId } }, "API token refused");
        throw unauthorized("The token is not valid: unknown, revoked or expired, or its user is inactive.", true);
      }
      const { user, token } = outcome;
      actAs(req, user);
      res.locals.apiToken = token;
      req.log.info({ user: user.username, apiToken: { id: token.id, name: token.name } }, "API token used");
      if (token.readOnly && !reads(req)) {
        throw new ApiError(
          403,
          "This token is read-only: it can only read (GET). Create a read-and-write token to change data.",
        );
      }
      return next();
    }
    if (!req.user) {
      throw unauthorized("Authentication required: send Authorization: Bearer TOKEN (tokens are made on /account).");
    }
    csrf(req, res, (err?: unknown) =>
      next(
        err
          ? new ApiError(403, "A browser session's writes need the session's CSRF token in the X-CSRF-Token header.")
          : undefined,
      ),
    );
  };
}

/** The caller must hold every code given (the forms' permissions); else a 403 in JSON. */
export function apiPermission(...codes: PermissionCode[]): RequestHandler {
  return (req, _res, next) => {
    if (!codes.every((code) => can(req.user, code))) return next(apiForbidden());
    next();
  };
}
