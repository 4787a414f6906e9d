// Lists and their query parameters (docs/api.md, "Pagination" and "Filters"),
// as NetBox answers them: `limit` (default 50, at most 1000: a larger one is
// cut to 1000) and `offset`; the answer is `{count, next, previous, results}`
// with `next` and `previous` as absolute URLs (null at either end) keeping
// the other parameters. Filters name related objects by id.
import type { Request } from "express";
import { ID_MAX } from "../validation/common.js";
import { ApiError } from "./errors.js";

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;
/** Filters a list may take, each an id. */
export const FILTERS = ["project", "location", "entity"] as const;
export type FilterName = (typeof FILTERS)[number];
export type Filters = Partial<Record<FilterName, number>>;

export interface Page {
  limit: number;
  offset: number;
}

export interface ListAnswer<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** A query parameter given once, or undefined; twice is a malformed request. */
function single(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new ApiError(400, `The query parameter ${name} must be given once.`);
  return value;
}

function wholeNumber(req: Request, name: string, min: number, what: string): number | undefined {
  const text = single(req, name);
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) < min || Number(text) > ID_MAX) {
    throw new ApiError(400, `The query parameter ${name} must be ${what}, not ${JSON.stringify(text.slice(0, 40))}.`);
  }
  return Number(text);
}

export function readPage(req: Request): Page {
  const limit = wholeNumber(req, "limit", 1, `a whole number from 1 to ${MAX_LIMIT}`) ?? DEFAULT_LIMIT;
  const offset = wholeNumber(req, "offset", 0, "a whole number from 0") ?? 0;
  return { limit: Math.min(limit, MAX_LIMIT), offset };
}

/** The filters of `allowed` the request gives; any other filter of FILTERS is refused (it would be ignored). */
export function readFilters(req: Request, allowed: readonly FilterName[]): Filters {
  const filters: Filters = {};
  for (const name of FILTERS) {
    if (req.query[name] === undefined) continue;
    if (!allowed.includes(name)) {
      const also = allowed.length > 0 ? ` (this list takes ${allowed.join(", ")})` : "";
      throw new ApiError(400, `This list cannot be filtered by ${name}${also}.`);
    }
    filters[name] = wholeNumber(req, name, 1, `the id of a ${name}`);
  }
  return filters;
}

/** The URL of this list with another offset, or null when there is no such page. */
function pageUrl(req: Request, page: Page, offset: number | null): string | null {
  if (offset === null) return null;
  const url = new URL(`${req.protocol}://${req.get("host") ?? "localhost"}${req.baseUrl}${req.path}`);
  for (const [key, value] of Object.entries(req.query)) {
    if (key === "limit" || key === "offset" || typeof value !== "string") continue;
    url.searchParams.set(key, value);
  }
  url.searchParams.set("limit", String(page.limit));
  if (offset > 0) url.searchParams.set("offset", String(offset));
  return url.toString();
}

export function listAnswer<T>(req: Request, page: Page, count: number, results: T[]): ListAnswer<T> {
  const next = page.offset + page.limit < count ? page.offset + page.limit : null;
  const previous = page.offset > 0 ? Math.max(0, Math.min(page.offset, count) - page.limit) : null;
  return { count, next: pageUrl(req, page, next), previous: pageUrl(req, page, previous), results };
}
