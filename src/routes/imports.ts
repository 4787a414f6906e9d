// CSV import page of a project (issue 6): paste the rows of a spreadsheet and
// add their communications, creating the missing entities, interfaces and
// locations, all or nothing. Bad lines are listed with their numbers.
import { type Response, Router } from "express";
import { importCsvRows } from "../data/csv-import.js";
import { listLocations } from "../data/locations.js";
import { getProject, type ProjectRow } from "../data/projects.js";
import { CSV_COLUMNS, REQUIRED_CSV_COLUMNS } from "../domain/csv-import.js";
import { text } from "../validation/common.js";
import { readCsvImport } from "../validation/csv-import.js";
import { can, requirePermission } from "../web/auth.js";
import type { AppDeps } from "../web/deps.js";
import { flash } from "../web/flash.js";
import { load } from "../web/load.js";

const EXAMPLE = `source entity,source address,source netmask,destination entity,destination address,destination netmask,protocol,port,description,source location,destination location
app1,192.168.1.10,,db1,192.168.1.20,,TCP,5432,Application database,Main site,Main site
admins,10.10.4.0,/24,db1,192.168.1.20,,tcp,22,SSH,Office,`;

const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

export function importsRouter(deps: AppDeps): Router {
  const { db } = deps;
  const router = Router();

  router.param(
    "projectId",
    load("project", "project", (id) => getProject(db, id)),
  );

  const allowed = requirePermission("view", "add_entity", "add_interface", "add_communication");

  async function render(
    res: Response,
    values: { csv: string; location: string },
    errors: { line: number; message: string }[] = [],
    status = 200,
  ) {
    const project = res.locals.project as ProjectRow;
    const locations = await listLocations(db);
    res.status(status).render("imports/form.njk", {
      title: `Import communications into ${project.name}`,
      project,
      values,
      errors,
      fieldErrors: {},
      columns: CSV_COLUMNS.map((name) => ({ name, required: REQUIRED_CSV_COLUMNS.includes(name) })),
      example: EXAMPLE,
      locationOptions: locations.map((l) => ({ value: l.id, label: l.name })),
    });
  }

  router.get("/projects/:projectId/import", allowed, async (_req, res) => {
    await render(res, { csv: "", location: "" });
  });

  router.post("/projects/:projectId/import", allowed, async (req, res) => {
    const project = res.locals.project as ProjectRow;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const csvField = text("CSV data").safeParse(body.csv ?? "");
    const locationField = typeof body.location === "string" ? body.location : "";
    const values = { csv: csvField.success ? csvField.data : "", location: locationField };
    if (!csvField.success || values.csv.trim() === "") {
      return render(res, values, [{ line: 1, message: "Paste the CSV rows, header row first." }], 422);
    }
    let defaultLocation: string | undefined;
    if (locationField !== "") {
      const locations = await listLocations(db);
      const id = /^[1-9][0-9]{0,9}$/.test(locationField) ? Number(locationField) : 0;
      defaultLocation = locations.find((l) => l.id === id)?.name;
      if (defaultLocation === undefined) {
        return render(
          res,
          values,
          [{ line: 1, message: "Location for new entities: choose a value from the list." }],
          422,
        );
      }
    }
    const read = readCsvImport(values.csv);
    const result = await importCsvRows(db, {
      project: { id: project.id },
      rows: read.rows,
      errors: read.errors,
      options: {
        allowNewLocations: can(req.user, "add_location"),
        ...(defaultLocation === undefined ? {} : { defaultLocation }),
      },
    });
    if (!result.ok) return render(res, values, result.errors, 422);
    const s = result.summary;
    const created = [
      s.locations ? plural(s.locations, "location") : "",
      s.entities ? plural(s.entities, "entity", "entities") : "",
      s.interfaces ? plural(s.interfaces, "interface") : "",
    ].filter(Boolean);
    flash(
      req,
      "success",
      `Imported ${plural(s.communications, "communication")}` +
        `${created.length ? `, adding ${created.join(", ")}` : ""}` +
        `${s.alreadyRecorded ? `; ${plural(s.alreadyRecorded, "row")} already recorded ${s.alreadyRecorded === 1 ? "was" : "were"} skipped` : ""}.`,
    );
    res.redirect(303, `/projects/${project.id}`);
  });

  return router;
}
