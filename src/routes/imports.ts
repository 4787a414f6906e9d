// CSV import page of a project (issue 6): paste the rows of a spreadsheet and
// add their communications, creating the missing entities, interfaces and
// locations, all or nothing. Bad lines are listed with their numbers. The
// pasted text may hold at most WEB_CSV_LIMITS (docs/usage.md); reading it
// pauses on the event loop between slices (src/services/csv-import.ts).
import express, { type ErrorRequestHandler, type Response, Router } from "express";
import nunjucks from "nunjucks";
import { ImportRefusedError, importInterchange } from "../data/interchange.js";
import { listLocations } from "../data/locations.js";
import { getProject, getProjectByName, type ProjectRow } from "../data/projects.js";
import {
  CSV_COLUMNS,
  formatBytes,
  formatSizeOver,
  REQUIRED_CSV_COLUMNS,
  WEB_CSV_LIMITS,
} from "../domain/csv-import.js";
import { escapeHtmlInSlices, importCsvText } from "../services/csv-import.js";
import { text } from "../validation/common.js";
import { formatProblem, parseInterchangeText } from "../validation/interchange.js";
import { can, requirePermission } from "../web/auth.js";
import type { AppDeps } from "../web/deps.js";
import { flash } from "../web/flash.js";
import { HttpError } from "../web/http-errors.js";
import { load } from "../web/load.js";
import { multipartBody } from "../web/multipart.js";

/** Problems listed on the page; the rest are counted (a hostile file can have one per line). */
const ERRORS_SHOWN = 100;

const tooLarge = (bytes: number | null) =>
  `The CSV data${bytes === null ? "" : ` is ${formatSizeOver(bytes, WEB_CSV_LIMITS.maxBytes)}; it`} may be at most ${formatBytes(WEB_CSV_LIMITS.maxBytes)}. Split it into several imports, or use the command line (conntrackt import-csv, docs/cli.md).`;

/**
 * The import form's body: room for WEB_CSV_LIMITS.maxBytes of CSV however the
 * browser encodes it (a %-escape takes three bytes per byte), so a text just over
 * the limit gets the form with its message. A body beyond even that is refused
 * with a page saying the same. Mounted before the app's own (smaller) form parser.
 */
export const importFormBody = [
  express.urlencoded({ extended: false, limit: 3 * WEB_CSV_LIMITS.maxBytes + 64 * 1024, parameterLimit: 10 }),
  ((err, _req, _res, next) => {
    next(err?.status === 413 ? new HttpError(413, tooLarge(null)) : err);
  }) satisfies ErrorRequestHandler,
];

/** Largest JSON file the Import page takes; larger ones go through `conntrackt import`. */
export const WEB_JSON_MAX_BYTES = 10 * 1024 * 1024;

/** The Import page's body: a multipart upload of one JSON file (and the CSRF token). */
export const jsonImportBody = multipartBody(
  WEB_JSON_MAX_BYTES + 64 * 1024,
  `The file may be at most ${formatBytes(WEB_JSON_MAX_BYTES)}. Import larger files with the command line (conntrackt import, docs/cli.md).`,
);

const EXAMPLE = `source entity,source address,source netmask,destination entity,destination address,destination netmask,protocol,port,description,source location,destination location,requested by,reference,expires
app1,192.168.1.10,,db1,192.168.1.20,,TCP,5432,Application database,Main site,Main site,Alice Martin,CHG-1234,
admins,10.10.4.0,/24,db1,192.168.1.20,,tcp,22,SSH,Office,,,,
app1,fd00:77::10,,db1,fd00:77::21,,TCP,8000-8100,Application ports,,,,,2027-03-31
admins,fd00:77:9::/64,,db1,fd00:77::21,,ICMPv6,128,Ping,,,,,`;

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
    fieldErrors: Record<string, string> = {},
  ) {
    const project = res.locals.project as ProjectRow;
    const locations = await listLocations(db);
    res.status(status).render("imports/form.njk", {
      title: `Import communications into ${project.name}`,
      project,
      // Escaped ahead, in slices; the template shows it as is.
      values: { ...values, csv: new nunjucks.runtime.SafeString(await escapeHtmlInSlices(values.csv)) },
      errors: errors.slice(0, ERRORS_SHOWN),
      moreErrors: Math.max(0, errors.length - ERRORS_SHOWN),
      fieldErrors,
      columns: CSV_COLUMNS.map((name) => ({ name, required: REQUIRED_CSV_COLUMNS.includes(name) })),
      example: EXAMPLE,
      limits: {
        size: formatBytes(WEB_CSV_LIMITS.maxBytes),
        rows: WEB_CSV_LIMITS.maxRows.toLocaleString("en-US"),
        field: WEB_CSV_LIMITS.maxFieldChars.toLocaleString("en-US"),
      },
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
    const bytes = Buffer.byteLength(values.csv, "utf8");
    if (bytes > WEB_CSV_LIMITS.maxBytes) return render(res, values, [], 413, { csv: tooLarge(bytes) });
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
    const result = await importCsvText(db, {
      project: { id: project.id },
      text: values.csv,
      limits: WEB_CSV_LIMITS,
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

  // The JSON import (docs/usage.md): a whole interchange document, all or
  // nothing, like `conntrackt import`. It can create projects, locations,
  // entities, interfaces and communications, so it needs every add permission.
  const jsonAllowed = requirePermission(
    "view",
    "add_project",
    "add_location",
    "add_entity",
    "add_interface",
    "add_communication",
  );
  const renderJson = (res: Response, problems: string[] = [], status = 200) =>
    res.status(status).render("imports/json.njk", {
      title: "Import",
      problems: problems.slice(0, ERRORS_SHOWN),
      moreProblems: Math.max(0, problems.length - ERRORS_SHOWN),
      maxSize: formatBytes(WEB_JSON_MAX_BYTES),
    });

  router.get("/import", jsonAllowed, (_req, res) => renderJson(res));
  router.post("/import", jsonAllowed, async (req, res) => {
    const file = (req.body as Record<string, unknown>).file;
    if (typeof file !== "string" || file.trim() === "") {
      return renderJson(res, ["Choose a JSON file exported by Conntrackt (Export JSON on a project page)."], 422);
    }
    if (Buffer.byteLength(file, "utf8") > WEB_JSON_MAX_BYTES) {
      return renderJson(res, [`The file may be at most ${formatBytes(WEB_JSON_MAX_BYTES)}.`], 413);
    }
    const parsed = parseInterchangeText(file);
    if (!parsed.ok) return renderJson(res, parsed.problems.map(formatProblem), 422);
    try {
      const s = await importInterchange(db, parsed.doc, parsed.undeclaredLocations);
      flash(
        req,
        "success",
        `Imported ${plural(s.projects, "project")}, ${plural(s.entities, "entity", "entities")}, ${plural(s.interfaces, "interface")} and ${plural(s.communications, "communication")}` +
          `${s.locationsCreated ? `, adding ${plural(s.locationsCreated, "location")}` : ""}.`,
      );
      const only = parsed.doc.projects.length === 1 ? parsed.doc.projects[0] : undefined;
      const created = only ? await getProjectByName(db, only.name) : null;
      return res.redirect(303, created ? `/projects/${created.id}` : "/");
    } catch (error) {
      if (error instanceof ImportRefusedError) return renderJson(res, error.problems.map(formatProblem), 422);
      throw error;
    }
  });

  return router;
}
