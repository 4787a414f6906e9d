// Communication pages (docs/usage.md).
import { type Request, Router } from "express";
import {
  createCommunication,
  deleteCommunication,
  getCommunication,
  type InterfaceOption,
  projectInterfaceOptions,
  updateCommunication,
} from "../data/communications.js";
import type { CommunicationRow } from "../data/entities.js";
import { getEntity } from "../data/entities.js";
import { refusalAsFieldError } from "../data/errors.js";
import { getProject } from "../data/projects.js";
import { PROTOCOLS } from "../domain/constants.js";
import { communicationLabel, portsText } from "../domain/display.js";
import { formText, groupedSelect } from "../domain/option-groups.js";
import { formValues } from "../validation/common.js";
import { type CommunicationForm, communicationForm } from "../validation/entities.js";
import { filterOnly, wantsAnother, withQuery } from "../web/add-another.js";
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

  /**
   * The form's locals. The source and destination selects are grouped by
   * location and entity; `body` gives their filter texts, which narrow them
   * only when the form was sent with a Filter button (docs/usage.md "Forms").
   */
  const formPage = (
    title: string,
    interfaceOptions: InterfaceOption[],
    next: string,
    options: { addAnother?: boolean; body?: Record<string, unknown>; narrow?: boolean } = {},
  ) => {
    const body = options.body ?? {};
    const selectOf = (field: "source" | "destination") =>
      groupedSelect(
        interfaceOptions,
        formText(body[`filter_${field}`]),
        formText(body[field]),
        options.narrow ?? false,
      );
    return {
      view: "communications/form.njk",
      locals: {
        title,
        interfaceOptions,
        sourceSelect: selectOf("source"),
        destinationSelect: selectOf("destination"),
        protocolOptions,
        cancel: next,
        addAnother: options.addAnother ?? false,
      },
    };
  };
  const page = async (
    title: string,
    projectId: number,
    next: string,
    options: { addAnother?: boolean; body?: Record<string, unknown>; narrow?: boolean } = {},
  ) => {
    const interfaceOptions = await projectInterfaceOptions(db, projectId);
    return { interfaceOptions, page: formPage(title, interfaceOptions, next, options) };
  };

  const nextOf = (req: Request, projectId: number) => safeNext(req.query.next, `/projects/${projectId}`);

  router.get("/communications/new", requirePermission("add_communication"), async (req, res) => {
    const { project, fromEntity, toEntity } = await newContext(req);
    const interfaceOptions = await projectInterfaceOptions(db, project.id);
    // Pre-select the entity's first interface as source or destination (docs/usage.md);
    // after Save and add another, `?source=ID&protocol=P` keep the last flow's source and protocol.
    const firstOf = (entityId?: number) => interfaceOptions.find((o) => o.entityId === entityId)?.value ?? "";
    const keptSource = interfaceOptions.find((o) => String(o.value) === req.query.source)?.value;
    const keptProtocol = PROTOCOLS.find((p) => p === req.query.protocol);
    const values = {
      source: String(keptSource ?? firstOf(fromEntity)),
      destination: String(firstOf(toEntity)),
      protocol: keptProtocol ?? "TCP",
      port: "",
      description: "",
      requestedBy: "",
      reference: "",
      expires: "",
    };
    const title = `Add communication to ${project.name}`;
    renderForm(
      res,
      formPage(title, interfaceOptions, nextOf(req, project.id), { addAnother: true, body: values }),
      values,
    );
  });
  router.post("/communications/new", requirePermission("add_communication"), async (req, res) => {
    const { project } = await newContext(req);
    const next = nextOf(req, project.id);
    const narrow = filterOnly(req);
    const { page: p } = await page(`Add communication to ${project.name}`, project.id, next, {
      addAnother: true,
      body: req.body,
      narrow,
    });
    // The Filter button: the same form again, narrowed, with everything typed kept; nothing saved.
    if (narrow) return renderForm(res, p, formValues(req.body));
    return submitForm(req, res, {
      schema: communicationForm,
      page: p,
      duplicate,
      save: (data) =>
        saveEnds(async () => {
          await createCommunication(db, project.id, toInput(data));
          flash(req, "success", `Communication ${data.protocol}:${portsText(data)} was added.`);
          if (!wantsAnother(req)) return next;
          // Save and add another: the same source and protocol, and the same `next` for Cancel.
          return withQuery("/communications/new", {
            project: project.id,
            source: data.source,
            protocol: data.protocol,
            next: req.query.next === undefined ? undefined : next,
          });
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
    const narrow = filterOnly(req);
    const { page: p } = await page(`Edit communication ${label(c)}`, c.projectId, next, { body: req.body, narrow });
    // The Filter button: the same form again, narrowed, with everything typed kept; nothing saved.
    if (narrow) return renderForm(res, p, formValues(req.body));
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
