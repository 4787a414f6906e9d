// POST /api/v1/entities/:id/drift (docs/api.md, "Drift check"; docs/drift.md):
// the host's rules in, as text/plain or as JSON {"text": …}; the entity page's
// drift check out, as JSON {inSync, format, policies, missing, extra}. The
// check runs in the app's worker pool, like the page's.
//
// Decisions:
// - Permission view, like the files it compares with; and a read-only token
//   may call it (READ_ONLY_POSTS): it computes an answer and changes nothing,
//   and a monitoring job should not need a token that could write.
// - It reads its own body, up to the drift limit (2 MiB of text, room for JSON
//   escapes besides), before the API's 256 kB JSON parser would refuse it.
// - Text over 2 MiB is a 413 saying its size; text the check cannot read is a
//   422 naming the field `text`; a full worker pool is a 503 with Retry-After.
import express, { type ErrorRequestHandler, type Request, type RequestHandler, Router } from "express";
import { MAX_HOST_RULES_BYTES } from "../domain/drift/check.js";
import type { DriftResult } from "../domain/drift/types.js";
import {
  checkEntityDrift,
  DriftCheckUnavailable,
  DriftInputError,
  driftInputMessage,
  hostRulesTooLarge,
} from "../services/drift.js";
import { parseForm } from "../validation/common.js";
import { driftBody } from "../validation/drift.js";
import type { AppDeps } from "../web/deps.js";
import { parseId } from "../web/http-errors.js";
import { apiPermission } from "./auth.js";
import { ApiError, apiNotFound, invalidFields } from "./errors.js";
import { API_BASE } from "./resource.js";

export const DRIFT_PATH = `${API_BASE}/entities/:id/drift`;

/**
 * POSTs below API_BASE that a read-only token may make (src/api/auth.ts):
 * the drift check only. Case-insensitive with an optional trailing slash, as
 * Express matches DRIFT_PATH; no other POST route has this shape.
 */
export const READ_ONLY_POSTS: readonly RegExp[] = [/^\/entities\/[^/]+\/drift\/?$/i];

/** Room beyond the text for the body's framing; a JSON string takes two bytes for each quote and line break. */
const TEXT_BODY_LIMIT = MAX_HOST_RULES_BYTES + 64 * 1024;
const JSON_BODY_LIMIT = 2 * MAX_HOST_RULES_BYTES + 64 * 1024;

/** Seconds a client should wait before trying again when the pool is full. */
const RETRY_AFTER_SECONDS = "5";

const tooLarge = (bytes: number | null) => new ApiError(413, hostRulesTooLarge(bytes));

const bodyTooLarge: ErrorRequestHandler = (err, _req, _res, next) => {
  next(err?.status === 413 ? tooLarge(null) : err);
};

/** The host's text from a text/plain body or a JSON body {"text": …}. */
function hostTextOf(req: Request): string {
  if (req.is("text/plain")) return typeof req.body === "string" ? req.body : "";
  if (!req.is("application/json")) {
    throw new ApiError(
      400,
      'Send the host rules as the body with "Content-Type: text/plain" (curl: --data-binary @FILE -H "Content-Type: text/plain"), or as JSON {"text": "…"} with "Content-Type: application/json".',
    );
  }
  const body: unknown = req.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError(400, "The body must be a JSON object.");
  }
  const unknown = Object.keys(body).filter((key) => key !== "text");
  if (unknown.length > 0) {
    throw invalidFields(
      Object.fromEntries(unknown.map((key) => [key, `Unknown field: a drift check takes only text, not ${key}.`])),
    );
  }
  const parsed = parseForm(driftBody, body);
  if (!parsed.ok) throw invalidFields(parsed.errors);
  return parsed.data.text;
}

/** The answer: exactly the documented fields. */
const answerOf = ({ inSync, format, policies, missing, extra }: DriftResult) => ({
  inSync,
  format,
  policies,
  missing,
  extra,
});

/** An id that cannot name an entity is a 404 before its body is read. */
const entityId: RequestHandler = (req, _res, next) => {
  parseId(req.params.id, "entity");
  next();
};

export function driftApiRouter({ db, driftChecks }: Pick<AppDeps, "db" | "driftChecks">): Router {
  const router = Router();

  const check: RequestHandler = async (req, res) => {
    const hostText = hostTextOf(req);
    const bytes = Buffer.byteLength(hostText, "utf8");
    if (bytes > MAX_HOST_RULES_BYTES) throw tooLarge(bytes);
    let result: DriftResult | null;
    try {
      result = await checkEntityDrift(db, parseId(req.params.id, "entity"), hostText, driftChecks);
    } catch (error) {
      if (error instanceof DriftInputError) {
        const message = driftInputMessage(error);
        throw new ApiError(422, message, { text: message });
      }
      if (error instanceof DriftCheckUnavailable) {
        throw new ApiError(503, error.message, undefined, { "Retry-After": RETRY_AFTER_SECONDS });
      }
      throw error;
    }
    if (result === null) throw apiNotFound("entity");
    res.json(answerOf(result));
  };

  router.post(
    DRIFT_PATH,
    apiPermission("view"),
    entityId,
    express.text({ type: "text/plain", limit: TEXT_BODY_LIMIT }),
    express.json({ limit: JSON_BODY_LIMIT }),
    bodyTooLarge,
    check,
  );
  return router;
}
