// Search page and suggestions (docs/usage.md).
import { Router } from "express";
import { search } from "../data/search.js";
import { NAME_MAX } from "../domain/constants.js";
import type { AppDeps } from "../web/deps.js";

export const SUGGESTION_LIMIT = 10;
const PAGE_LIMIT = 200;

function queryText(value: unknown): string {
  return typeof value === "string" ? value.slice(0, NAME_MAX) : "";
}

export function searchRouter({ db }: AppDeps): Router {
  const router = Router();

  router.get("/search", async (req, res) => {
    const q = queryText(req.query.q);
    const hits = await search(db, q, PAGE_LIMIT, { communications: true });
    res.render("search/results.njk", { title: q ? `Search: ${q}` : "Search", q: q.trim(), hits, limit: PAGE_LIMIT });
  });

  router.get("/search/suggest", async (req, res) => {
    const hits = await search(db, queryText(req.query.q), SUGGESTION_LIMIT);
    res.set("Cache-Control", "no-store");
    res.json(hits.map(({ type, name, url }) => ({ type, name, url })));
  });

  return router;
}
