// The API's errors (docs/api.md, "Errors"): always JSON `{error, fields?}`,
// never a page. 400 a request that cannot be read, 401 no or a bad token,
// 403 no permission (or a read-only token writing), 404 nothing at that id,
// 409 a conflict such as a duplicate name, 422 invalid fields, each named in
// `fields` by the API's own field names.
import type { ErrorRequestHandler, Response } from "express";
import { RefusedChange, uniqueViolationFields } from "../data/errors.js";
import type { Logger } from "../logger.js";
import { HttpError } from "../web/http-errors.js";

export type FieldErrors = Record<string, string>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields?: FieldErrors,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const apiNotFound = (what: string) => new ApiError(404, `This ${what} does not exist.`);
export const apiForbidden = () => new ApiError(403, "You do not have permission to do this.");
export const invalidFields = (fields: FieldErrors) =>
  new ApiError(422, "Some fields are invalid; see fields.", Object.keys(fields).length > 0 ? fields : undefined);

/** The answer to a request without a usable token or session, with RFC 6750's challenge. */
export function unauthorized(message: string, invalidToken = false): ApiError {
  const challenge = invalidToken ? 'Bearer realm="conntrackt", error="invalid_token"' : 'Bearer realm="conntrackt"';
  return new ApiError(401, message, undefined, { "WWW-Authenticate": challenge });
}

const SERVER_ERROR = "Something went wrong on our side. The error has been logged; please try again.";

function send(res: Response, status: number, error: string, fields?: FieldErrors): void {
  res.status(status).json(fields ? { error, fields } : { error });
}

/**
 * The API's error handler. Resources turn their own unique-constraint and
 * refused-change errors into field messages; what reaches here unhandled gets
 * a generic answer of the same status.
 */
export function apiErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) {
      (req.log ?? logger).error({ err }, "API response failed after it started");
      res.destroy();
      return;
    }
    res.set("Cache-Control", "no-store");
    if (err instanceof ApiError) {
      res.set(err.headers);
      return send(res, err.status, err.message, err.fields);
    }
    if (err instanceof RefusedChange) return send(res, 422, err.message, { [err.field]: err.message });
    const unique = uniqueViolationFields(err);
    if (unique !== null) {
      return send(res, 409, "This conflicts with an existing object.", {
        [unique.at(-1) ?? "name"]: "An object with this value already exists.",
      });
    }
    if (err instanceof HttpError) return send(res, err.status, err.message);
    if (typeof err?.status === "number" && err.status >= 400 && err.status < 500 && err.expose) {
      // body-parser: a body that is not JSON, or too large.
      if (err.status === 413) return send(res, 413, "The request body is too large.");
      if (err.type === "entity.parse.failed") return send(res, 400, `The body is not valid JSON: ${err.message}`);
      return send(res, err.status, "The request could not be read.");
    }
    if (err instanceof URIError) return send(res, 400, "The URL could not be read.");
    (req.log ?? logger).error({ err }, "unhandled API error");
    send(res, 500, SERVER_ERROR);
  };
}
