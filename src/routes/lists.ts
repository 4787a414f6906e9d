// The data lists (docs/usage.md, "Data lists"): /entities, /interfaces and
// /communications with filters, a text filter, sortable columns and pages.
// A query value the list cannot use is ignored and named in a note above the
// table; it never ends in an error page.
import { type Request, type Response, Router } from "express";
import {
  COMMUNICATION_SORTS,
  ENTITY_SORTS,
  INTERFACE_SORTS,
  type ListFilters,
  type ListPage,
  type ListRequest,
  listCommunicationRows,
  listEntityRows,
  listInterfaceRows,
} from "../data/lists.js";
import { listLocations } from "../data/locations.js";
import { listProjects } from "../data/projects.js";
import { NAME_MAX } from "../domain/constants.js";
import type { AppDeps } from "../web/deps.js";

export const PER_PAGE = 50;
export const PER_PAGE_MAX = 500;

interface Column {
  key: string;
  label: string;
}

interface ListKind<Sort extends string> {
  path: string;
  title: string;
  view: string;
  sorts: readonly Sort[];
  columns: Column[];
  read: (db: AppDeps["db"], request: ListRequest<Sort>) => Promise<ListPage<unknown>>;
}

/** A query parameter given once, or undefined; given twice it is ignored, with a note. */
function single(req: Request, name: string, notes: string[]): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value === "string") return value;
  notes.push(`${name} was given more than once and was ignored.`);
  return undefined;
}

function wholeNumber(req: Request, name: string, what: string, notes: string[], max = 2_147_483_647) {
  const text = single(req, name, notes);
  if (text === undefined || text === "") return undefined;
  if (!/^[1-9][0-9]{0,9}$/.test(text) || Number(text) > max) {
    notes.push(`${name} must be ${what}; "${text.slice(0, 40)}" was ignored.`);
    return undefined;
  }
  return Number(text);
}

export function readListRequest<Sort extends string>(
  req: Request,
  sorts: readonly Sort[],
): { request: ListRequest<Sort>; notes: string[] } {
  const notes: string[] = [];
  const filters: ListFilters = {};
  const project = wholeNumber(req, "project", "the id of a project", notes);
  if (project !== undefined) filters.project = project;
  const location = wholeNumber(req, "location", "the id of a location", notes);
  if (location !== undefined) filters.location = location;
  const q = (single(req, "q", notes) ?? "").slice(0, NAME_MAX).trim();
  // No stored text holds NUL, and PostgreSQL cannot take it in a parameter.
  if (q.includes("\u0000")) notes.push("The text filter cannot hold control characters and was ignored.");
  else if (q !== "") filters.q = q;

  const sortText = single(req, "sort", notes) ?? "";
  const descending = sortText.startsWith("-");
  const key = descending ? sortText.slice(1) : sortText;
  let sort = sorts[0] as Sort;
  if ((sorts as readonly string[]).includes(key)) sort = key as Sort;
  else if (sortText !== "")
    notes.push(`This list cannot be sorted by "${sortText.slice(0, 40)}"; it is sorted by ${sort}.`);

  let perPage = wholeNumber(req, "per_page", `a whole number from 1 to ${PER_PAGE_MAX}`, notes) ?? PER_PAGE;
  if (perPage > PER_PAGE_MAX) {
    notes.push(`At most ${PER_PAGE_MAX} rows are shown a page.`);
    perPage = PER_PAGE_MAX;
  }
  const page = wholeNumber(req, "page", "a page number from 1", notes) ?? 1;
  return {
    request: { filters, sort, descending: descending && sort === key, page, perPage },
    notes,
  };
}

/** The list's URL with some query parameters changed (undefined drops one); defaults are left out. */
function listUrl(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== "") params.set(name, value);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function renderList<Sort extends string>(deps: AppDeps, kind: ListKind<Sort>, req: Request, res: Response) {
  const { request, notes } = readListRequest(req, kind.sorts);
  const [result, projects, locations] = await Promise.all([
    kind.read(deps.db, request),
    listProjects(deps.db),
    listLocations(deps.db),
  ]);
  const { filters } = request;
  const project = projects.find((p) => p.id === filters.project);
  const location = locations.find((l) => l.id === filters.location);
  if (filters.project !== undefined && !project) notes.push(`There is no project with the id ${filters.project}.`);
  if (filters.location !== undefined && !location) notes.push(`There is no location with the id ${filters.location}.`);

  const sortText = `${request.descending ? "-" : ""}${request.sort}`;
  const base = {
    project: filters.project === undefined ? undefined : String(filters.project),
    location: filters.location === undefined ? undefined : String(filters.location),
    q: filters.q,
    sort: sortText === kind.sorts[0] ? undefined : sortText,
    per_page: request.perPage === PER_PAGE ? undefined : String(request.perPage),
  };
  const pages = Math.max(1, Math.ceil(result.count / request.perPage));
  const pageUrl = (page: number) => listUrl(kind.path, { ...base, page: page === 1 ? undefined : String(page) });
  const columns = kind.columns.map((column) => {
    const sorted = column.key === request.sort;
    const next = sorted && !request.descending ? `-${column.key}` : column.key;
    return {
      ...column,
      sortable: (kind.sorts as readonly string[]).includes(column.key),
      ariaSort: sorted ? (request.descending ? "descending" : "ascending") : "",
      url: listUrl(kind.path, { ...base, sort: next === kind.sorts[0] ? undefined : next }),
    };
  });
  const scope = [project && `project ${project.name}`, location && `location ${location.name}`].filter(Boolean);
  res.render(kind.view, {
    title: scope.length ? `${kind.title} of ${scope.join(", ")}` : kind.title,
    heading: kind.title,
    listPath: kind.path,
    rows: result.rows,
    count: result.count,
    page: result.page,
    pages,
    perPage: request.perPage,
    first: result.count === 0 ? 0 : (result.page - 1) * request.perPage + 1,
    last: Math.min(result.count, result.page * request.perPage),
    previousUrl: result.page > 1 ? pageUrl(result.page - 1) : "",
    nextUrl: result.page < pages ? pageUrl(result.page + 1) : "",
    columns,
    filters: { project: base.project ?? "", location: base.location ?? "", q: filters.q ?? "" },
    sortValue: base.sort ?? "",
    perPageValue: base.per_page ?? "",
    project,
    location,
    projects,
    locations,
    notes,
    next: req.originalUrl,
  });
}

const ENTITIES: ListKind<(typeof ENTITY_SORTS)[number]> = {
  path: "/entities",
  title: "Entities",
  view: "lists/entities.njk",
  sorts: ENTITY_SORTS,
  columns: [
    { key: "name", label: "Name" },
    { key: "project", label: "Project" },
    { key: "location", label: "Location" },
    { key: "interfaces", label: "Interfaces" },
  ],
  read: listEntityRows,
};

const INTERFACES: ListKind<(typeof INTERFACE_SORTS)[number]> = {
  path: "/interfaces",
  title: "Interfaces",
  view: "lists/interfaces.njk",
  sorts: INTERFACE_SORTS,
  columns: [
    { key: "entity", label: "Entity" },
    { key: "name", label: "Name" },
    { key: "address", label: "Address" },
    { key: "project", label: "Project" },
    { key: "location", label: "Location" },
  ],
  read: listInterfaceRows,
};

const COMMUNICATIONS: ListKind<(typeof COMMUNICATION_SORTS)[number]> = {
  path: "/communications",
  title: "Communications",
  view: "lists/communications.njk",
  sorts: COMMUNICATION_SORTS,
  columns: [
    { key: "source", label: "Source" },
    { key: "destination", label: "Destination" },
    { key: "protocol", label: "Protocol" },
    { key: "port", label: "Port" },
    { key: "description", label: "Description" },
    { key: "requested_by", label: "Requested by" },
    { key: "reference", label: "Reference" },
    { key: "expires", label: "Expires" },
  ],
  read: listCommunicationRows,
};

export function listsRouter(deps: AppDeps): Router {
  const router = Router();
  for (const kind of [ENTITIES, INTERFACES, COMMUNICATIONS] as ListKind<string>[]) {
    router.get(kind.path, (req, res) => renderList(deps, kind, req, res));
  }
  return router;
}
