// Interface pages (docs/usage.md).
import { type Request, Router } from "express";
import { listEntities } from "../data/entities.js";
import { refusalAsFieldError } from "../data/errors.js";
import {
  createInterface,
  deleteInterface,
  getInterface,
  type InterfaceDetail,
  interfaceDeletionPreview,
  updateInterface,
} from "../data/interfaces.js";
import { DEFAULT_INTERFACE_NAME } from "../domain/constants.js";
import { countPreview, entityLabel, interfaceLabel, isHostNetmask } from "../domain/display.js";
import { formText, type GroupedOption, groupedSelect } from "../domain/option-groups.js";
import { compareByName } from "../domain/sort.js";
import { formValues } from "../validation/common.js";
import { interfaceForm } from "../validation/entities.js";
import { filterOnly, wantsAnother, withQuery } from "../web/add-another.js";
import { requirePermission } from "../web/auth.js";
import type { AppDeps } from "../web/deps.js";
import { flash } from "../web/flash.js";
import { renderForm, submitForm } from "../web/forms.js";
import { notFound, parseId } from "../web/http-errors.js";
import { load } from "../web/load.js";

const duplicate = (fields: string[]) =>
  fields.includes("address")
    ? { address: "This entity already has an interface with this address and netmask." }
    : { name: "This entity already has an interface with this name." };

export function interfacesRouter({ db }: AppDeps): Router {
  const router = Router();

  router.param(
    "interfaceId",
    load("interface", "iface", (id) => getInterface(db, id)),
  );

  /** Entities as options, grouped by project and location, in the one order (../domain/sort.ts). */
  const entityOptions = async (projectId?: number) =>
    (await listEntities(db, projectId === undefined ? {} : { projectId }))
      .sort(
        (a, b) => compareByName(a.project, b.project) || compareByName(a.location, b.location) || compareByName(a, b),
      )
      .map((e) => ({
        value: e.id,
        label: entityLabel({ name: e.name, project: e.project.name, location: e.location.name }),
        group: `${e.project.name} › ${e.location.name}`,
      }));

  /** The Entity select grouped; its filter narrows it only after the Filter button (docs/usage.md "Forms"). */
  const entitySelectOf = (options: GroupedOption[], body: Record<string, unknown>, narrow: boolean) =>
    groupedSelect(options, formText(body.filter_entity), formText(body.entity), narrow);

  const newForm = async (req: Request) => {
    const options = await entityOptions();
    let fixedEntity: number | undefined;
    if (req.query.entity !== undefined) {
      fixedEntity = parseId(req.query.entity, "entity");
      if (!options.some((o) => o.value === fixedEntity)) throw notFound("entity");
    }
    return {
      options,
      fixedEntity,
      page: (body: Record<string, unknown>, narrow = false) => ({
        view: "interfaces/form.njk",
        locals: {
          title: "Add interface",
          cancel: fixedEntity ? `/entities/${fixedEntity}` : "/",
          entityOptions: options,
          entitySelect: entitySelectOf(options, body, narrow),
          entityFixed: fixedEntity !== undefined,
          addAnother: true,
        },
      }),
    };
  };

  router.get("/interfaces/new", requirePermission("add_interface"), async (req, res) => {
    const { page, fixedEntity, options } = await newForm(req);
    // After Save and add another from the form with a choice of entity, `?select_entity=ID` pre-selects it.
    const selected = options.find((o) => String(o.value) === req.query.select_entity)?.value;
    const values = {
      name: DEFAULT_INTERFACE_NAME,
      description: "",
      entity: String(fixedEntity ?? selected ?? ""),
      address: "",
      // Empty, not 255.255.255.255: that mask is an error with an IPv6 address (docs/usage.md).
      netmask: "",
    };
    renderForm(res, page(values), values);
  });
  router.post("/interfaces/new", requirePermission("add_interface"), async (req, res) => {
    const { page, fixedEntity, options } = await newForm(req);
    if (fixedEntity !== undefined) req.body.entity = String(fixedEntity);
    // The Filter button: the same form again, narrowed, with everything typed kept; nothing saved.
    if (filterOnly(req)) return renderForm(res, page(req.body, true), formValues(req.body));
    return submitForm(req, res, {
      schema: interfaceForm,
      page: page(req.body),
      duplicate,
      save: async (data) => {
        if (!options.some((o) => o.value === data.entity)) return { entity: "Choose an entity from the list." };
        // The entity may be deleted meanwhile: a message on its field.
        return refusalAsFieldError(async () => {
          const saved = await createInterface(db, { ...data, entityId: data.entity });
          flash(
            req,
            "success",
            `Interface "${saved.name}" of ${interfaceLabel({ ...saved, entity: saved.entity.name })} was added.`,
          );
          if (!wantsAnother(req)) return `/entities/${saved.entity.id}`;
          // Save and add another: the same entity, fixed again if it was.
          return fixedEntity === undefined
            ? withQuery("/interfaces/new", { select_entity: saved.entity.id })
            : withQuery("/interfaces/new", { entity: saved.entity.id });
        });
      },
    });
  });

  const editPage = async (iface: InterfaceDetail, body: Record<string, unknown>, narrow = false) => {
    const options = await entityOptions(iface.entity.projectId);
    return {
      options,
      page: {
        view: "interfaces/form.njk",
        locals: {
          title: `Edit interface ${iface.name} of ${iface.entity.name}`,
          cancel: `/entities/${iface.entity.id}`,
          entityOptions: options,
          entitySelect: entitySelectOf(options, body, narrow),
          entityFixed: false,
        },
      },
    };
  };
  router.get("/interfaces/:interfaceId/edit", requirePermission("change_interface"), async (_req, res) => {
    const iface = res.locals.iface as InterfaceDetail;
    const values = {
      ...iface,
      entity: String(iface.entity.id),
      // One host shows as an empty Netmask, as the add form leaves it.
      netmask: isHostNetmask(iface.netmask) ? "" : iface.netmask,
    };
    renderForm(res, (await editPage(iface, values)).page, values);
  });
  router.post("/interfaces/:interfaceId/edit", requirePermission("change_interface"), async (req, res) => {
    const iface = res.locals.iface as InterfaceDetail;
    const narrow = filterOnly(req);
    const { page, options } = await editPage(iface, req.body, narrow);
    if (narrow) return renderForm(res, page, formValues(req.body));
    return submitForm(req, res, {
      schema: interfaceForm,
      page,
      duplicate,
      save: async (data) => {
        if (!options.some((o) => o.value === data.entity)) return { entity: "Choose an entity of the same project." };
        // A refused move, or an entity deleted meanwhile, is a message on the entity field.
        return refusalAsFieldError(async () => {
          const saved = await updateInterface(db, iface.id, { ...data, entityId: data.entity });
          if (!saved) throw notFound("interface");
          flash(req, "success", `Interface "${saved.name}" of ${saved.entity.name} was changed.`);
          return `/entities/${saved.entity.id}`;
        });
      },
    });
  });

  router.get("/interfaces/:interfaceId/delete", requirePermission("delete_interface"), async (_req, res) => {
    const iface = res.locals.iface as InterfaceDetail;
    const preview = await interfaceDeletionPreview(db, iface.id);
    if (!preview) throw notFound("interface");
    res.render("common/delete.njk", {
      title: `Delete interface ${iface.name} of ${iface.entity.name}`,
      kind: "interface",
      objectLabel: `${iface.name}: ${interfaceLabel({ ...iface, entity: iface.entity.name })}`,
      preview,
      counts: countPreview(preview),
      action: `/interfaces/${iface.id}/delete`,
      cancel: `/entities/${iface.entity.id}`,
    });
  });
  router.post("/interfaces/:interfaceId/delete", requirePermission("delete_interface"), async (req, res) => {
    const iface = res.locals.iface as InterfaceDetail;
    if (!(await deleteInterface(db, iface.id))) throw notFound("interface");
    flash(req, "success", `Interface "${iface.name}" of ${iface.entity.name} and its communications were deleted.`);
    res.redirect(303, `/entities/${iface.entity.id}`);
  });

  return router;
}
