// Location pages (docs/usage.md).
import { Router } from "express";
import {
  createLocation,
  deleteLocation,
  getLocation,
  type LocationRow,
  locationDeletionPreview,
  updateLocation,
} from "../data/locations.js";
import { countScopeEntities } from "../data/preview.js";
import { countPreview } from "../domain/display.js";
import { locationForm } from "../validation/projects.js";
import { wantsAnother } from "../web/add-another.js";
import { requirePermission } from "../web/auth.js";
import type { AppDeps } from "../web/deps.js";
import { flash } from "../web/flash.js";
import { renderForm, submitForm } from "../web/forms.js";
import { notFound } from "../web/http-errors.js";
import { load } from "../web/load.js";

const duplicate = () => ({
  name: "A location with this name already exists (names are compared regardless of case).",
});

export function locationsRouter({ db }: AppDeps): Router {
  const router = Router();

  router.param(
    "locationId",
    load("location", "location", (id) => getLocation(db, id)),
  );

  const newPage = { view: "locations/form.njk", locals: { title: "Add location", cancel: "/", addAnother: true } };
  router.get("/locations/new", requirePermission("view", "add_location"), (_req, res) =>
    renderForm(res, newPage, { name: "", description: "" }),
  );
  router.post("/locations/new", requirePermission("view", "add_location"), (req, res) =>
    submitForm(req, res, {
      schema: locationForm,
      page: newPage,
      duplicate,
      save: async (data) => {
        const location = await createLocation(db, data);
        flash(req, "success", `Location "${location.name}" was added.`);
        // Save and add another (docs/usage.md "Forms"): an empty form again.
        return wantsAnother(req) ? "/locations/new" : "/";
      },
    }),
  );

  const editPage = (location: LocationRow) => ({
    view: "locations/form.njk",
    locals: { title: `Edit location ${location.name}`, cancel: "/" },
  });
  router.get("/locations/:locationId/edit", requirePermission("view", "change_location"), (_req, res) =>
    renderForm(res, editPage(res.locals.location), res.locals.location),
  );
  router.post("/locations/:locationId/edit", requirePermission("view", "change_location"), (req, res) => {
    const location = res.locals.location as LocationRow;
    return submitForm(req, res, {
      schema: locationForm,
      page: editPage(location),
      duplicate,
      save: async (data) => {
        const saved = await updateLocation(db, location.id, data);
        if (!saved) throw notFound("location");
        flash(req, "success", `Location "${saved.name}" was changed.`);
        return "/";
      },
    });
  });

  router.get("/locations/:locationId/delete", requirePermission("view", "delete_location"), async (_req, res) => {
    const location = res.locals.location as LocationRow;
    const preview = await locationDeletionPreview(db, location.id);
    res.render("common/delete.njk", {
      title: `Delete location ${location.name}`,
      kind: "location",
      objectLabel: location.name,
      preview,
      counts: countPreview(preview),
      action: `/locations/${location.id}/delete`,
      cancel: "/",
    });
  });
  router.post("/locations/:locationId/delete", requirePermission("view", "delete_location"), async (req, res) => {
    const location = res.locals.location as LocationRow;
    const entities = await countScopeEntities(db, { locationId: location.id });
    if (!(await deleteLocation(db, location.id))) throw notFound("location");
    flash(
      req,
      "success",
      entities === 0
        ? `Location "${location.name}" was deleted.`
        : `Location "${location.name}" and its ${entities === 1 ? "one entity" : `${entities} entities`} were deleted.`,
    );
    res.redirect(303, "/");
  });

  return router;
}
