// Entity pages (docs/usage.md).
import { type Request, Router } from "express";
import { deleteEntity, type EntityRow, entityDeletionPreview, getEntity, getEntityPage } from "../data/entities.js";
import {
  type EntityInterfaceItem,
  InterfaceRowsRefused,
  listEntityInterfaces,
  saveEntityWithInterfaces,
} from "../data/entity-interfaces.js";
import { RefusedChange } from "../data/errors.js";
import { listLocations } from "../data/locations.js";
import { listProjects } from "../data/projects.js";
import { addressText, countPreview, entityLabel, isHostNetmask } from "../domain/display.js";
import { entityFiles } from "../services/entity-files.js";
import {
  type EntityWithInterfacesForm,
  entityWithInterfacesForm,
  type InterfaceRowInput,
  NEW_INTERFACE_ROWS,
  rowField,
  rowIndexes,
} from "../validation/entity-interfaces.js";
import { wantsAnother, withQuery } from "../web/add-another.js";
import { can, requirePermission } from "../web/auth.js";
import type { AppDeps } from "../web/deps.js";
import { flash } from "../web/flash.js";
import { renderForm, submitForm } from "../web/forms.js";
import { forbidden, notFound, parseId } from "../web/http-errors.js";
import { load } from "../web/load.js";
import { safeNext } from "../web/safe-next.js";

const duplicate = () => ({ name: "An entity with this name already exists in this project." });

export function entitiesRouter(deps: AppDeps): Router {
  const { db } = deps;
  const router = Router();

  router.param(
    "entityId",
    load("entity", "entity", (id) => getEntity(db, id)),
  );

  /** `?project=` and `?location=` fix those fields (docs/usage.md); unknown ids are a 404. */
  async function fixedFields(req: Request) {
    const [projects, locations] = await Promise.all([listProjects(db), listLocations(db)]);
    const pick = (param: unknown, list: { id: number }[], what: string) => {
      if (param === undefined) return undefined;
      const found = list.find((x) => x.id === parseId(param, what));
      if (!found) throw notFound(what);
      return found.id;
    };
    const project = pick(req.query.project, projects, "project");
    const location = project === undefined ? undefined : pick(req.query.location, locations, "location");
    return { projects, locations, project, location };
  }

  const formPage = async (req: Request, title: string, cancel: string, rows: InterfaceFormRow[], adding = false) => {
    const f = await fixedFields(req);
    return {
      fixed: f,
      page: {
        view: "entities/form.njk",
        locals: {
          title,
          cancel,
          projectOptions: f.projects.map((p) => ({ value: p.id, label: p.name })),
          locationOptions: f.locations.map((l) => ({ value: l.id, label: l.name })),
          projectFixed: f.project !== undefined,
          locationFixed: f.location !== undefined,
          interfaceRows: rows,
          // Save and add another (issue 13): on the add form only.
          addAnother: adding,
          canAddInterface: can(req.user, "add_interface"),
          canChangeInterface: can(req.user, "change_interface"),
          canDeleteInterface: can(req.user, "delete_interface"),
        },
      },
    };
  };

  /** The rows of a form sent back: as the body numbers them, the existing ones with their communications. */
  const rowsOfBody = (body: unknown, existing: EntityInterfaceItem[]): InterfaceFormRow[] => {
    const byId = new Map(existing.map((i) => [String(i.id), i]));
    const b = (body ?? {}) as Record<string, unknown>;
    return rowIndexes(b).map((index) => {
      const id = b[rowField(index, "id")];
      if (typeof id !== "string" || id === "") return { ...rowOf(undefined), index, id: null };
      return { ...rowOf(byId.get(id)), index, id };
    });
  };

  /** Who may do what with the rows: a row the user may not change is shown, not sent (views/entities/form.njk). */
  const checkRowPermissions = (req: Request, rows: readonly InterfaceRowInput[]) => {
    const needs = (code: Parameters<typeof can>[1]) => {
      if (!can(req.user, code)) throw forbidden();
    };
    for (const row of rows) {
      if (row.id === null) needs("add_interface");
      else if (row.delete) needs("delete_interface");
      else if (row.data) needs("change_interface");
    }
  };

  /** Saves the entity and its rows; the refusals become field messages. */
  const save = async (
    req: Request,
    entityId: number | null,
    fixed: Awaited<ReturnType<typeof fixedFields>>,
    data: EntityWithInterfacesForm,
  ) => {
    const unknown = unknownChoice(fixed, data);
    if (unknown) return { errors: unknown };
    checkRowPermissions(req, data.interfaces);
    try {
      const saved = await saveEntityWithInterfaces(
        db,
        entityId,
        { ...data, projectId: data.project, locationId: data.location },
        data.interfaces,
      );
      if (!saved) throw notFound("entity");
      return { saved };
    } catch (error) {
      if (error instanceof InterfaceRowsRefused) return { errors: error.errors };
      // The project or location deleted meanwhile, or a refused move: a message on its field.
      if (error instanceof RefusedChange) return { errors: { [error.field]: error.message } };
      throw error;
    }
  };

  const blankRows = (from: number): InterfaceFormRow[] =>
    Array.from({ length: NEW_INTERFACE_ROWS }, (_, i) => ({ ...rowOf(undefined), index: from + i, id: null }));

  router.get("/entities/new", requirePermission("add_entity"), async (req, res) => {
    const { fixed, page } = await formPage(req, "Add entity", addCancel(req), blankRows(0), true);
    // After Save and add another, `?select_project=ID&select_location=ID` pre-select what is not fixed.
    const selected = (param: unknown, list: { id: number }[]) => list.find((x) => String(x.id) === param)?.id;
    renderForm(res, page, {
      name: "",
      description: "",
      project: fixed.project ?? selected(req.query.select_project, fixed.projects) ?? "",
      location: fixed.location ?? selected(req.query.select_location, fixed.locations) ?? "",
      restrictOutgoing: false,
    });
  });
  router.post("/entities/new", requirePermission("add_entity"), async (req, res) => {
    // A form sent without rows (a client of its own) gets the empty rows back.
    const sent = rowsOfBody(req.body, []);
    const sentRows = sent.length > 0 ? sent : blankRows(0);
    const { fixed, page } = await formPage(req, "Add entity", addCancel(req), sentRows, true);
    if (fixed.project !== undefined) req.body.project = String(fixed.project);
    if (fixed.location !== undefined) req.body.location = String(fixed.location);
    return submitForm(req, res, {
      schema: entityWithInterfacesForm,
      page,
      duplicate,
      save: async (data) => {
        const outcome = await save(req, null, fixed, data);
        if (!outcome.saved) return outcome.errors;
        const { entity, added } = outcome.saved;
        const label = entityLabel({ name: entity.name, project: entity.project.name, location: entity.location.name });
        flash(req, "success", `Entity "${label}" was added${added > 0 ? ` with ${plural(added, "interface")}` : ""}.`);
        if (!wantsAnother(req)) return `/entities/${entity.id}`;
        // Save and add another (issue 13): the same project and location, fixed
        // again where they were fixed, else pre-selected; and the same way back.
        return withQuery("/entities/new", {
          [fixed.project === undefined ? "select_project" : "project"]: entity.project.id,
          [fixed.location === undefined ? "select_location" : "location"]: entity.location.id,
          next: safeNext(req.query.next, "") || undefined,
        });
      },
    });
  });

  router.get("/entities/:entityId", async (req, res) => {
    const page = await getEntityPage(db, (res.locals.entity as EntityRow).id);
    if (!page) throw notFound("entity");
    const files = await entityFiles(db, page);
    await deps.pages.render(req, res, "entities/detail.njk", { title: page.entity.name, ...page, files });
  });

  router.get("/entities/:entityId/edit", requirePermission("change_entity"), async (req, res) => {
    const entity = res.locals.entity as EntityRow;
    const existing = await listEntityInterfaces(db, entity.id);
    const rows: InterfaceFormRow[] = [
      ...existing.map((i, index) => ({ ...rowOf(i), index, id: String(i.id) })),
      ...blankRows(existing.length),
    ];
    const { page } = await formPage(req, `Edit entity ${entity.name}`, `/entities/${entity.id}`, rows);
    const values: Record<string, unknown> = { ...entity, project: entity.project.id, location: entity.location.id };
    existing.forEach((i, index) => {
      values[rowField(index, "id")] = String(i.id);
      values[rowField(index, "name")] = i.name;
      values[rowField(index, "address")] = i.address;
      // One host shows as an empty Netmask, as the interface form shows it.
      values[rowField(index, "netmask")] = isHostNetmask(i.netmask) ? "" : i.netmask;
      values[rowField(index, "description")] = i.description;
    });
    renderForm(res, page, values);
  });
  router.post("/entities/:entityId/edit", requirePermission("change_entity"), async (req, res) => {
    const entity = res.locals.entity as EntityRow;
    const existing = await listEntityInterfaces(db, entity.id);
    const { fixed, page } = await formPage(
      req,
      `Edit entity ${entity.name}`,
      `/entities/${entity.id}`,
      rowsOfBody(req.body, existing),
    );
    return submitForm(req, res, {
      schema: entityWithInterfacesForm,
      page,
      duplicate,
      save: async (data) => {
        const outcome = await save(req, entity.id, fixed, data);
        if (!outcome.saved) return outcome.errors;
        const { added, changed, deleted } = outcome.saved;
        const parts = [
          added > 0 ? `${plural(added, "interface")} added` : "",
          changed > 0 ? `${plural(changed, "interface")} changed` : "",
          deleted > 0 ? `${plural(deleted, "interface")} deleted` : "",
        ].filter(Boolean);
        flash(req, "success", `Entity "${data.name}" was changed${parts.length ? ` (${parts.join(", ")})` : ""}.`);
        return `/entities/${entity.id}`;
      },
    });
  });

  router.get("/entities/:entityId/delete", requirePermission("delete_entity"), async (_req, res) => {
    const entity = res.locals.entity as EntityRow;
    const preview = await entityDeletionPreview(db, entity.id);
    if (!preview) throw notFound("entity");
    res.render("common/delete.njk", {
      title: `Delete entity ${entity.name}`,
      kind: "entity",
      objectLabel: entityLabel({ name: entity.name, project: entity.project.name, location: entity.location.name }),
      preview,
      counts: countPreview(preview),
      action: `/entities/${entity.id}/delete`,
      cancel: `/entities/${entity.id}`,
    });
  });
  router.post("/entities/:entityId/delete", requirePermission("delete_entity"), async (req, res) => {
    const entity = res.locals.entity as EntityRow;
    if (!(await deleteEntity(db, entity.id))) throw notFound("entity");
    flash(req, "success", `Entity "${entity.name}" and its interfaces and communications were deleted.`);
    res.redirect(303, `/projects/${entity.project.id}`);
  });

  return router;
}

/** One row of the form's Interfaces fieldset (views/entities/form.njk). */
interface InterfaceFormRow {
  index: number;
  /** The existing interface's id as sent, or null for a new row. */
  id: string | null;
  /** Its stored name, for the row's legend. */
  name: string;
  /** Its stored address as shown, and its description: a row the user may not change shows them. */
  display: string;
  description: string;
  /** The communications its deletion takes along. */
  communications: number;
}

/** A row's shown facts: an existing interface's, or none for a new row. */
const rowOf = (i: EntityInterfaceItem | undefined) => ({
  name: i?.name ?? "",
  display: i ? addressText(i) : "",
  description: i?.description ?? "",
  communications: i?.communications ?? 0,
});

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** A field error when the chosen project or location is not one of the listed ones. */
function unknownChoice(
  lists: { projects: { id: number }[]; locations: { id: number }[] },
  data: { project: number; location: number },
): Record<string, string> | null {
  if (!lists.projects.some((p) => p.id === data.project)) return { project: "Choose a project from the list." };
  if (!lists.locations.some((l) => l.id === data.location)) return { location: "Choose a location from the list." };
  return null;
}

/** Where Cancel goes on the add form: `next` when given, else the project page when opened from one. */
function addCancel(req: Request): string {
  const project =
    typeof req.query.project === "string" && /^[1-9][0-9]*$/.test(req.query.project)
      ? `/projects/${req.query.project}`
      : "/";
  return safeNext(req.query.next, project);
}
