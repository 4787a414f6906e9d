// What a data list's query string asks for (docs/usage.md, "Data lists"):
// filters, the text filter, sort and page, read leniently (a value the list
// cannot use is ignored and named in a note, never an error page), and the
// query carried through the bulk edit's hidden field and back.

import type { ListFilters, ListRequest } from "../data/lists.js";
import { NAME_MAX } from "../domain/constants.js";

export const PER_PAGE = 50;
export const PER_PAGE_MAX = 500;

/** A parsed query string: a parameter given twice is an array, as Express reads it. */
export type Query = Record<string, unknown>;

/** A query parameter given once, or undefined; given twice it is ignored, with a note. */
function single(query: Query, name: string, notes: string[]): string | undefined {
  const value = Object.hasOwn(query, name) ? query[name] : undefined;
  if (value === undefined) return undefined;
  if (typeof value === "string") return value;
  notes.push(`${name} was given more than once and was ignored.`);
  return undefined;
}

function wholeNumber(query: Query, name: string, what: string, notes: string[], max = 2_147_483_647) {
  const text = single(query, name, notes);
  if (text === undefined || text === "") return undefined;
  if (!/^[1-9][0-9]{0,9}$/.test(text) || Number(text) > max) {
    notes.push(`${name} must be ${what}; "${text.slice(0, 40)}" was ignored.`);
    return undefined;
  }
  return Number(text);
}

export function readListQuery<Sort extends string>(
  query: Query,
  sorts: readonly Sort[],
): { request: ListRequest<Sort>; notes: string[] } {
  const notes: string[] = [];
  const filters: ListFilters = {};
  const project = wholeNumber(query, "project", "the id of a project", notes);
  if (project !== undefined) filters.project = project;
  const location = wholeNumber(query, "location", "the id of a location", notes);
  if (location !== undefined) filters.location = location;
  const q = (single(query, "q", notes) ?? "").slice(0, NAME_MAX).trim();
  // No stored text holds NUL, and PostgreSQL cannot take it in a parameter.
  if (q.includes("\u0000")) notes.push("The text filter cannot hold control characters and was ignored.");
  else if (q !== "") filters.q = q;

  const sortText = single(query, "sort", notes) ?? "";
  const descending = sortText.startsWith("-");
  const key = descending ? sortText.slice(1) : sortText;
  let sort = sorts[0] as Sort;
  if ((sorts as readonly string[]).includes(key)) sort = key as Sort;
  else if (sortText !== "")
    notes.push(`This list cannot be sorted by "${sortText.slice(0, 40)}"; it is sorted by ${sort}.`);

  let perPage = wholeNumber(query, "per_page", `a whole number from 1 to ${PER_PAGE_MAX}`, notes) ?? PER_PAGE;
  if (perPage > PER_PAGE_MAX) {
    notes.push(`At most ${PER_PAGE_MAX} rows are shown a page.`);
    perPage = PER_PAGE_MAX;
  }
  const page = wholeNumber(query, "page", "a page number from 1", notes) ?? 1;
  return {
    request: { filters, sort, descending: descending && sort === key, page, perPage },
    notes,
  };
}

/** The list's URL with some query parameters changed (undefined drops one); defaults are left out. */
export function listUrl(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== "") params.set(name, value);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** A list's query string as the bulk form carries it: every parameter kept, in order (a repeated one too). */
export function listQueryText(query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === "string") params.append(name, v);
  }
  return params.toString();
}

/** The hidden `list` field read back into a query object, a repeated parameter as an array. */
export function queryOfText(text: string): Query {
  const query: Query = {};
  for (const [name, value] of new URLSearchParams(text)) {
    if (name === "__proto__") continue;
    const had = query[name];
    query[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return query;
}
