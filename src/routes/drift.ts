// The drift check of an entity (docs/drift.md): the **Check drift** form on
// the entity page posts the host's rules here; the answer is a page saying
// in sync or listing the differences, with the form again. Needs `view` only,
// like the files it compares with. The check runs in the app's worker pool, so
// a large paste never holds up other requests; when the pool is full the form
// comes back with a 503 and the text kept.
import express, { type ErrorRequestHandler, type Response, Router } from "express";
import { type EntityRow, getEntity } from "../data/entities.js";
import { formatBytes } from "../domain/csv-import.js";
import { MAX_HOST_RULES_BYTES } from "../domain/drift/check.js";
import type { DriftFormat, DriftResult, RuleDifference } from "../domain/drift/types.js";
import {
  checkEntityDrift,
  DriftCheckUnavailable,
  DriftInputError,
  driftInputMessage,
  hostRulesTooLarge,
} from "../services/drift.js";
import { text } from "../validation/common.js";
import type { AppDeps } from "../web/deps.js";
import { HttpError, notFound } from "../web/http-errors.js";
import { load } from "../web/load.js";

/** Differences listed on the page per list; the rest are counted (a host may run thousands of rules). */
const SHOWN = 500;

/**
 * The form's body: room for MAX_HOST_RULES_BYTES of text however the browser
 * encodes it (a %-escape takes three bytes per byte), so text just over the
 * limit gets the form with its message; a body beyond even that gets a page
 * saying the same. Mounted before the app's own (smaller) form parser.
 */
export const driftFormBody = [
  express.urlencoded({ extended: false, limit: 3 * MAX_HOST_RULES_BYTES + 64 * 1024, parameterLimit: 10 }),
  ((err, _req, _res, next) => {
    next(err?.status === 413 ? new HttpError(413, hostRulesTooLarge(null)) : err);
  }) satisfies ErrorRequestHandler,
];

/** What each format is, for the sentence above the differences. */
const FORMATS: Record<DriftFormat, { host: string; file: string }> = {
  iptables: { host: "iptables-save output", file: "iptables file (IPv4)" },
  ip6tables: { host: "ip6tables-save output", file: "ip6tables file (IPv6)" },
  nftables: { host: "nft -j list ruleset output (table inet conntrackt)", file: "nftables file" },
};

const firstOf = (list: RuleDifference[]) => ({ shown: list.slice(0, SHOWN), more: Math.max(0, list.length - SHOWN) });

export function driftRouter({ db, driftChecks }: AppDeps): Router {
  const router = Router();

  router.param(
    "entityId",
    load("entity", "entity", (id) => getEntity(db, id)),
  );

  function render(
    res: Response,
    hostRules: string,
    outcome: { result?: DriftResult; error?: string; status?: number } = {},
  ) {
    const entity = res.locals.entity as EntityRow;
    const { result, error, status = 200 } = outcome;
    res.status(status).render("drift/result.njk", {
      title: `Check drift of ${entity.name}`,
      entity,
      driftValues: { hostRules },
      driftErrors: error === undefined ? {} : { hostRules: error },
      result,
      labels: result === undefined ? undefined : FORMATS[result.format],
      missing: result === undefined ? undefined : firstOf(result.missing),
      extra: result === undefined ? undefined : firstOf(result.extra),
      maxSize: formatBytes(MAX_HOST_RULES_BYTES),
    });
  }

  router.get("/entities/:entityId/drift", (_req, res) => render(res, ""));

  router.post("/entities/:entityId/drift", async (req, res) => {
    const entity = res.locals.entity as EntityRow;
    const field = text("Host rules").safeParse((req.body as Record<string, unknown>).hostRules ?? "");
    if (!field.success) return render(res, "", { error: field.error.issues[0]?.message, status: 422 });
    const hostRules = field.data;
    const bytes = Buffer.byteLength(hostRules, "utf8");
    if (bytes > MAX_HOST_RULES_BYTES) return render(res, hostRules, { error: hostRulesTooLarge(bytes), status: 413 });
    let result: DriftResult | null;
    try {
      result = await checkEntityDrift(db, entity.id, hostRules, driftChecks);
    } catch (error) {
      if (error instanceof DriftCheckUnavailable) return render(res, hostRules, { error: error.message, status: 503 });
      if (!(error instanceof DriftInputError)) throw error;
      return render(res, hostRules, { error: driftInputMessage(error), status: 422 });
    }
    if (result === null) throw notFound("entity");
    render(res, hostRules, { result });
  });

  return router;
}
