// The data lists (docs/usage.md, "Data lists"): /entities, /interfaces and
// /communications with filters, a text filter, sortable columns and pages.
// A query value the list cannot use is ignored and named in a note above the
// table; it never ends in an error page.
import { type Request, type Response, Router } from "express";
import {
  type BulkCommunicationChange,
  BulkRowRefused,
  CHANGED_MEANWHILE,
  DUPLICATE_FLOW,
  updateCommunications,
} from "../data/communications.js";
import { bulkCommunicationRows } from "../data/communications-bulk.js";
import {
  COMMUNICATION_SORTS,
  type CommunicationListRow,
  ENTITY_SORTS,
  INTERFACE_SORTS,
  type ListPage,
  type ListRequest,
  listCommunicationRows,
  listEntityRows,
  listInterfaceRows,
} from "../data/lists.js";
import { listLocations } from "../data/locations.js";
import { listProjects } from "../data/projects.js";
import { PROTOCOLS } from "../domain/constants.js";
import type { FieldErrors } from "../validation/common.js";
import {
  type BulkValues,
  flowKey,
  parseBulkRow,
  readBulkForm,
  rowVersion,
  sameAsStored,
  shownValues,
  storedValues,
  untouched,
  versionTime,
} from "../validation/communications-bulk.js";
import { can, requirePermission } from "../web/auth.js";
import type { AppDeps } from "../web/deps.js";
import { flash } from "../web/flash.js";
import { badRequest } from "../web/http-errors.js";
import { listQueryText, listUrl, PER_PAGE, type Query, queryOfText, readListQuery } from "../web/list-query.js";

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

/** The bulk edit's state of a page: each row's fields, messages and version, keyed by communication id. */
interface BulkLocals {
  values: Record<number, BulkValues>;
  errors: Record<number, FieldErrors>;
  versions: Record<number, string>;
  /** Messages about the form as a whole (a row deleted meanwhile). */
  messages: string[];
  /** Number of rows with a message. */
  bad: number;
}

interface RenderOptions {
  /** The page's own URL: where Edit and Cancel come back to. */
  next: string;
  status?: number;
  /** After a refused bulk edit: the rows as submitted (instead of the page read again) with their state. */
  bulk?: { rows: CommunicationListRow[]; locals: BulkLocals };
}

async function renderList<Sort extends string>(
  deps: AppDeps,
  kind: ListKind<Sort>,
  query: Query,
  res: Response,
  options: RenderOptions,
) {
  const { request, notes } = readListQuery(query, kind.sorts);
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
  // Inline editing (docs/usage.md, "Editing many communications at once"): one project's rows, for editors.
  const editable =
    kind.path === COMMUNICATIONS.path && project !== undefined && can(res.req.user, "change_communication");
  let rows = result.rows;
  let bulk: BulkLocals | undefined;
  if (editable && options.bulk) {
    rows = options.bulk.rows;
    bulk = options.bulk.locals;
  } else if (editable) {
    const listed = result.rows as CommunicationListRow[];
    bulk = { values: {}, errors: {}, versions: {}, messages: [], bad: 0 };
    for (const row of listed) {
      bulk.values[row.id] = storedValues(row);
      bulk.versions[row.id] = rowVersion(row);
    }
  }
  res.status(options.status ?? 200);
  await deps.pages.render(res.req, res, kind.view, {
    title: scope.length ? `${kind.title} of ${scope.join(", ")}` : kind.title,
    heading: kind.title,
    listPath: kind.path,
    rows,
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
    next: options.next,
    bulk,
    listQuery: listQueryText(query),
    protocolOptions: PROTOCOLS,
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

const plural = (n: number) => (n === 1 ? "1 communication was" : `${n} communications were`);

/**
 * POST /communications/bulk (docs/usage.md, "Editing many communications at
 * once"): the rows of one list page of one project, all saved or none. A row
 * left as shown is skipped; each changed one is checked as the single edit
 * form checks it; a row someone else changed since the page was read is
 * reported, not overwritten.
 */
async function saveBulk(deps: AppDeps, req: Request, res: Response) {
  const submission = readBulkForm(req.body);
  const query = queryOfText(submission.list);
  const back = listUrl("/communications", Object.fromEntries(new URLSearchParams(listQueryText(query))));
  const { request } = readListQuery(query, COMMUNICATION_SORTS);
  const projectId = request.filters.project;
  if (projectId === undefined) throw badRequest("Edit communications from the list of one project.");
  const stored = await bulkCommunicationRows(
    deps.db,
    projectId,
    submission.rows.map((r) => r.id),
  );

  const locals: BulkLocals = { values: {}, errors: {}, versions: {}, messages: [], bad: 0 };
  const rows: CommunicationListRow[] = [];
  const changes: BulkCommunicationChange[] = [];
  const keys = new Map<string, number[]>();
  for (const row of submission.rows) {
    const current = stored.get(row.id);
    if (!current) {
      if (!untouched(row)) locals.messages.push(`Communication ${row.id} was deleted after the page was read.`);
      continue;
    }
    rows.push(current);
    locals.values[row.id] = shownValues(row);
    locals.versions[row.id] = versionTime(row.version) === null ? rowVersion(current) : row.version;
    const ends = [current.source.interface.id, current.destination.interface.id] as const;
    let key = flowKey(...ends, current.protocol, current.port, current.portEnd);
    if (!untouched(row)) {
      const parsed = parseBulkRow(row, current);
      if (!parsed.ok) locals.errors[row.id] = parsed.errors;
      else if (!sameAsStored(parsed.data, current)) {
        const data = parsed.data;
        key = flowKey(...ends, data.protocol, data.port, data.portEnd);
        if (versionTime(row.version) !== current.updatedAt.getTime()) {
          // Shown again with the version read now: saving again keeps this editor's values.
          locals.errors[row.id] = { _row: CHANGED_MEANWHILE };
          locals.versions[row.id] = rowVersion(current);
        } else {
          const { source, destination, ...fields } = data;
          changes.push({
            id: row.id,
            seen: current.updatedAt,
            input: { ...fields, sourceId: source, destinationId: destination },
          });
        }
      }
    }
    keys.set(key, [...(keys.get(key) ?? []), row.id]);
  }
  // Two rows of the form ending as the same flow: the changed ones are told.
  const changed = new Set(changes.map((c) => c.id));
  for (const ids of keys.values()) {
    if (ids.length < 2) continue;
    for (const id of ids) if (changed.has(id)) locals.errors[id] = { ...locals.errors[id], port: DUPLICATE_FLOW };
  }

  const refuse = () => {
    locals.bad = Object.keys(locals.errors).length;
    return renderList(deps, COMMUNICATIONS as ListKind<string>, query, res, {
      next: back,
      status: 422,
      bulk: { rows, locals },
    });
  };
  if (Object.keys(locals.errors).length > 0 || locals.messages.length > 0) return refuse();
  if (changes.length === 0) {
    flash(req, "success", "No communication was changed.");
    return res.redirect(303, back);
  }
  try {
    await updateCommunications(deps.db, projectId, changes);
  } catch (error) {
    if (!(error instanceof BulkRowRefused)) throw error;
    if (!locals.values[error.id]) locals.messages.push(error.message);
    else locals.errors[error.id] = { [error.field]: error.message };
    if (error.message === CHANGED_MEANWHILE) {
      const current = (await bulkCommunicationRows(deps.db, projectId, [error.id])).get(error.id);
      if (current) locals.versions[error.id] = rowVersion(current);
    }
    return refuse();
  }
  flash(req, "success", `${plural(changes.length)} saved.`);
  res.redirect(303, back);
}

export function listsRouter(deps: AppDeps): Router {
  const router = Router();
  for (const kind of [ENTITIES, INTERFACES, COMMUNICATIONS] as ListKind<string>[]) {
    router.get(kind.path, (req, res) => renderList(deps, kind, req.query, res, { next: req.originalUrl }));
  }
  router.post("/communications/bulk", requirePermission("change_communication"), (req, res) =>
    saveBulk(deps, req, res),
  );
  return router;
}
