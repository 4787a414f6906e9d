// The change history pages (docs/usage.md "Change history"): every change
// (/changes), a project's (/projects/:id/changes) and an entity's
// (/entities/:id/changes), newest first, 50 a page, filtered by the query.
// A filter that cannot be read is shown on the form beside its field (400),
// never an error page.
import { type Request, type Response, Router } from "express";
import { getEntity } from "../data/entities.js";
import { type ChangeFilter, listChanges } from "../data/history.js";
import { getProject, listProjects } from "../data/projects.js";
import { ACTION_LABELS, OBJECT_TYPE_LABELS, OBJECT_TYPES } from "../domain/changes.js";
import { type ChangesQuery, parseChangesQuery } from "../validation/changes.js";
import { formValues } from "../validation/common.js";
import { isCalendarDate } from "../validation/fields.js";
import { requirePermission } from "../web/auth.js";
import type { AppDeps } from "../web/deps.js";
import { load } from "../web/load.js";

const FILTERS = ["project", "type", "actor", "from", "to"] as const;

/** The page's URL with the filters given and `before`, when set. */
function pageUrl(path: string, query: ChangesQuery, before?: number): string {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = query[name];
    if (value !== undefined) params.set(name, String(value));
  }
  if (before !== undefined) params.set("before", String(before));
  const text = params.toString();
  return text === "" ? path : `${path}?${text}`;
}

/** The query as the form shows it again: a date field holds only a date (its message names what was given). */
function dateInputs(values: Record<string, string | string[]>): Record<string, string | string[]> {
  const out = { ...values };
  for (const name of ["from", "to"]) {
    const value = out[name];
    if (value !== undefined && (typeof value !== "string" || !isCalendarDate(value.trim()))) delete out[name];
  }
  return out;
}

interface Scope {
  path: string;
  title: string;
  /** The filter the page itself fixes. */
  fixed: ChangeFilter;
  back?: { href: string; label: string };
}

export function changesRouter({ db }: AppDeps): Router {
  const router = Router();
  router.param(
    "projectId",
    load("project", "project", (id) => getProject(db, id)),
  );
  router.param(
    "entityId",
    load("entity", "entity", (id) => getEntity(db, id)),
  );

  const render = async (req: Request, res: Response, scope: Scope) => {
    const parsed = parseChangesQuery(req.query);
    const everything = scope.fixed.projectId === undefined && scope.fixed.entityId === undefined;
    const page = {
      title: scope.title,
      scope,
      values: dateInputs(formValues(req.query)),
      types: OBJECT_TYPES.map((t) => ({ value: t, label: OBJECT_TYPE_LABELS[t] })),
      projects: everything ? await listProjects(db) : [],
      actions: ACTION_LABELS,
      typeLabels: OBJECT_TYPE_LABELS,
    };
    if (!parsed.ok) return res.status(400).render("changes/list.njk", { ...page, errors: parsed.errors, entries: [] });
    const q = parsed.data;
    // A page about one project or entity filters by it whatever the query says.
    const query: ChangesQuery = everything ? q : { ...q, project: undefined };
    const filter: ChangeFilter = {
      ...(query.project === undefined ? {} : { projectId: query.project }),
      ...(q.type === undefined ? {} : { objectType: q.type }),
      ...(q.actor === undefined ? {} : { actor: q.actor }),
      ...(q.from === undefined ? {} : { from: q.from }),
      ...(q.to === undefined ? {} : { to: q.to }),
      ...(q.before === undefined ? {} : { before: q.before }),
      ...scope.fixed,
    };
    const { entries, older } = await listChanges(db, filter);
    res.render("changes/list.njk", {
      ...page,
      errors: {},
      entries,
      filtered: FILTERS.some((f) => query[f] !== undefined),
      newestUrl: q.before === undefined ? undefined : pageUrl(scope.path, query),
      olderUrl: older === undefined ? undefined : pageUrl(scope.path, query, older),
    });
  };

  router.get("/changes", requirePermission("view"), (req, res) =>
    render(req, res, { path: "/changes", title: "Change history", fixed: {} }),
  );

  router.get("/projects/:projectId/changes", requirePermission("view"), (req, res) => {
    const project = res.locals.project as { id: number; name: string };
    return render(req, res, {
      path: `/projects/${project.id}/changes`,
      title: `Change history of ${project.name}`,
      fixed: { projectId: project.id },
      back: { href: `/projects/${project.id}`, label: "Back to the project" },
    });
  });

  router.get("/entities/:entityId/changes", requirePermission("view"), (req, res) => {
    const entity = res.locals.entity as { id: number; name: string };
    return render(req, res, {
      path: `/entities/${entity.id}/changes`,
      title: `Change history of ${entity.name}`,
      fixed: { entityId: entity.id },
      back: { href: `/entities/${entity.id}`, label: "Back to the entity" },
    });
  });

  return router;
}
