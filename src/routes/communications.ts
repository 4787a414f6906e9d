// Communication pages (docs/usage.md).
import { type Request, Router } from "express";
import {
  createCommunication,
  deleteCommunication,
  getCommunication,
  projectInterfaceOptions,
  updateCommunication,
} from "../data/communications.js";
import type { CommunicationRow } from "../data/entities.js";
import { getEntity } from "../data/entities.js";
import { refusalAsFieldError } from "../data/errors.js";
import { getProject } from "../data/projects.js";
import { PROTOCOLS } from "../domain/constants.js";
import { communicationLabel, portsText } from "../domain/display.js";
import { type CommunicationForm, communicationForm } from "../validation/entities.js";
import { requirePermission } from "../web/auth.js";
import type { AppDeps } from "../web/deps.js";
import { flash } from "../web/flash.js";
import { renderForm, submitForm } from "../web/forms.js";
import { badRequest, notFound, parseId } from "../web/http-errors.js";
import { load } from "../web/load.js";
import { safeNext } from "../web/safe-next.js";

type Loaded = CommunicationRow & { projectId: number };

const duplicate = () => ({
  port: "This communication (same source, destination, protocol and port or port range) already exists.",
});
const protocolOptions = PROTOCOLS.map((p) => ({ value: p, label: p }));

const label = (c: CommunicationRow) =>
  communicationLabel({
    source: c.source.entity.name,
    destination: c.destination.entity.name,
    protocol: c.protocol,
    port: c.port,
    portEnd: c.portEnd,
  });

const toInput = (data: CommunicationForm) => ({ ...data, sourceId: data.source, destinationId: data.destination });

/** Runs a save; a refused pair of ends (not allowed, or deleted meanwhile) becomes the message on its field. */
const saveEnds = refusalAsFieldError<string>;

export function communicationsRouter({ db }: AppDeps): Router {
  const router = Router();

  router.param(
    "communicationId",
    load("communication", "communication", (id) => getCommunication(db, id)),
  );

  /** The project the new communication belongs to, from `?project=`, `?from_entity=` or `?to_entity=`. */
  async function newContext(req: Request) {
    const { project, from_entity: from, to_entity: to } = req.query;
    let projectId: number;
    let fromEntity: number | undefined;
    let toEntity: number | undefined;
    if (project !== undefined) projectId = parseId(project, "project");
    else if (from !== undefined || to !== undefined) {
      const entity = await getEntity(db, parseId(from ?? to, "entity"));
      if (!entity) throw notFound("entity");
      projectId = entity.project.id;
      if (from !== undefined) fromEntity = entity.id;
      else toEntity = entity.id;
    } else throw badRequest("Open this form from a project or an entity page.");
    const projectRow = await getProject(db, projectId);
    if (!projectRow) throw notFound("project");
    return { project: projectRow, fromEntity, toEntity };
  }

  const page = async (title: string, projectId: number, next: string) => {
    const interfaceOptions = await projectInterfaceOptions(db, projectId);
    return {
      interfaceOptions,
      page: { view: "communications/form.njk", locals: { title, interfaceOptions, protocolOptions, cancel: next } },
    };
  };

  const nextOf = (req: Request, projectId: number) => safeNext(req.query.next, `/projects/${projectId}`);

  router.get("/communications/new", requirePermission("add_communication"), async (req, res) => {
    const { project, fromEntity, toEntity } = await newContext(req);
    const { page: p, interfaceOptions } = await page(
      `Add communication to ${project.name}`,
      project.id,
      nextOf(req, project.id),
    );
    // Pre-select the entity's first interface as source or destination (docs/usage.md).
    const firstOf = (entityId?: number) => interfaceOptions.find((o) => o.entityId === entityId)?.value ?? "";
    renderForm(res, p, {
      source: firstOf(fromEntity),
      destination: firstOf(toEntity),
      protocol: "TCP",
      port: "",
      description: "",
      requestedBy: "",
      reference: "",
      expires: "",
    });
  });
  router.post("/communications/new", requirePermission("add_communication"), async (req, res) => {
    const { project } = await newContext(req);
    const next = nextOf(req, project.id);
    const { page: p } = await page(`Add communication to ${project.name}`, project.id, next);
    return submitForm(req, res, {
      schema: communicationForm,
      page: p,
      duplicate,
      save: (data) =>
        saveEnds(async () => {
          await createCommunication(db, project.id, toInput(data));
          flash(req, "success", `Communication ${data.protocol}:${portsText(data)} was added.`);
          return next;
        }),
    });
  });

  router.get("/communications/:communicationId/edit", requirePermission("change_communication"), async (req, res) => {
    const c = res.locals.communication as Loaded;
    const { page: p } = await page(`Edit communication ${label(c)}`, c.projectId, nextOf(req, c.projectId));
    renderForm(res, p, {
      source: c.source.interface.id,
      destination: c.destination.interface.id,
      protocol: c.protocol,
      port: portsText(c),
      description: c.description,
      requestedBy: c.requestedBy,
      reference: c.reference,
      expires: c.expires ?? "",
    });
  });
  router.post("/communications/:communicationId/edit", requirePermission("change_communication"), async (req, res) => {
    const c = res.locals.communication as Loaded;
    const next = nextOf(req, c.projectId);
    const { page: p } = await page(`Edit communication ${label(c)}`, c.projectId, next);
    return submitForm(req, res, {
      schema: communicationForm,
      page: p,
      duplicate,
      save: (data) =>
        saveEnds(async () => {
          if (!(await updateCommunication(db, c.id, c.projectId, toInput(data)))) throw notFound("communication");
          flash(req, "success", `Communication ${data.protocol}:${portsText(data)} was changed.`);
          return next;
        }),
    });
  });

  router.get("/communications/:communicationId/delete", requirePermission("delete_communication"), (req, res) => {
    const c = res.locals.communication as Loaded;
    const next = nextOf(req, c.projectId);
    res.render("common/delete.njk", {
      title: `Delete communication ${label(c)}`,
      kind: "communication",
      objectLabel: label(c),
      preview: [],
      counts: { entities: 0, interfaces: 0, communications: 0 },
      action: `/communications/${c.id}/delete${req.query.next ? `?next=${encodeURIComponent(next)}` : ""}`,
      cancel: next,
    });
  });
  router.post(
    "/communications/:communicationId/delete",
    requirePermission("delete_communication"),
    async (req, res) => {
      const c = res.locals.communication as Loaded;
      if (!(await deleteCommunication(db, c.id))) throw notFound("communication");
      flash(req, "success", `Communication ${label(c)} was deleted.`);
      res.redirect(303, nextOf(req, c.projectId));
    },
  );

  return router;
}
