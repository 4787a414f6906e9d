// Entity pages (docs/usage.md).
import { type Request, Router } from "express";
import {
  createEntity,
  deleteEntity,
  type EntityRow,
  entityDeletionPreview,
  getEntity,
  getEntityPage,
  updateEntity,
} from "../data/entities.js";
import { refusalAsFieldError } from "../data/errors.js";
import { listLocations } from "../data/locations.js";
import { listProjects } from "../data/projects.js";
import { countPreview, entityLabel } from "../domain/display.js";
import { entityFiles } from "../services/entity-files.js";
import { entityForm } from "../validation/entities.js";
import { requirePermission } from "../web/auth.js";
import type { AppDeps } from "../web/deps.js";
import { flash } from "../web/flash.js";
import { renderForm, submitForm } from "../web/forms.js";
import { notFound, parseId } from "../web/http-errors.js";
import { load } from "../web/load.js";

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

  const formPage = async (req: Request, title: string, cancel: string) => {
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
        },
      },
    };
  };

  router.get("/entities/new", requirePermission("add_entity"), async (req, res) => {
    const { fixed, page } = await formPage(req, "Add entity", addCancel(req));
    renderForm(res, page, {
      name: "",
      description: "",
      project: fixed.project ?? "",
      location: fixed.location ?? "",
      restrictOutgoing: false,
    });
  });
  router.post("/entities/new", requirePermission("add_entity"), async (req, res) => {
    const { fixed, page } = await formPage(req, "Add entity", addCancel(req));
    if (fixed.project !== undefined) req.body.project = String(fixed.project);
    if (fixed.location !== undefined) req.body.location = String(fixed.location);
    return submitForm(req, res, {
      schema: entityForm,
      page,
      duplicate,
      save: async (data) => {
        const unknown = unknownChoice(fixed, data);
        if (unknown) return unknown;
        // The project or location may be deleted meanwhile: a message on its field.
        return refusalAsFieldError(async () => {
          const entity = await createEntity(db, { ...data, projectId: data.project, locationId: data.location });
          flash(
            req,
            "success",
            `Entity "${entityLabel({ name: entity.name, project: entity.project.name, location: entity.location.name })}" was added.`,
          );
          return `/entities/${entity.id}`;
        });
      },
    });
  });

  router.get("/entities/:entityId", async (_req, res) => {
    const page = await getEntityPage(db, (res.locals.entity as EntityRow).id);
    if (!page) throw notFound("entity");
    const files = await entityFiles(db, page);
    res.render("entities/detail.njk", { title: page.entity.name, ...page, files });
  });

  router.get("/entities/:entityId/edit", requirePermission("change_entity"), async (req, res) => {
    const entity = res.locals.entity as EntityRow;
    const { page } = await formPage(req, `Edit entity ${entity.name}`, `/entities/${entity.id}`);
    renderForm(res, page, { ...entity, project: entity.project.id, location: entity.location.id });
  });
  router.post("/entities/:entityId/edit", requirePermission("change_entity"), async (req, res) => {
    const entity = res.locals.entity as EntityRow;
    const { fixed, page } = await formPage(req, `Edit entity ${entity.name}`, `/entities/${entity.id}`);
    return submitForm(req, res, {
      schema: entityForm,
      page,
      duplicate,
      save: async (data) => {
        const unknown = unknownChoice(fixed, data);
        if (unknown) return unknown;
        // A refused move, or a project or location deleted meanwhile, is a field message.
        return refusalAsFieldError(async () => {
          const saved = await updateEntity(db, entity.id, {
            ...data,
            projectId: data.project,
            locationId: data.location,
          });
          if (!saved) throw notFound("entity");
          flash(req, "success", `Entity "${data.name}" was changed.`);
          return `/entities/${entity.id}`;
        });
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

/** A field error when the chosen project or location is not one of the listed ones. */
function unknownChoice(
  lists: { projects: { id: number }[]; locations: { id: number }[] },
  data: { project: number; location: number },
): Record<string, string> | null {
  if (!lists.projects.some((p) => p.id === data.project)) return { project: "Choose a project from the list." };
  if (!lists.locations.some((l) => l.id === data.location)) return { location: "Choose a location from the list." };
  return null;
}

/** Where Cancel goes on the add form: the project page when opened from one. */
function addCancel(req: Request): string {
  return typeof req.query.project === "string" && /^[1-9][0-9]*$/.test(req.query.project)
    ? `/projects/${req.query.project}`
    : "/";
}
