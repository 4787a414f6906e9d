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
import { interfaceForm } from "../validation/entities.js";
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

  const entityOptions = async (projectId?: number) =>
    (await listEntities(db, projectId === undefined ? {} : { projectId })).map((e) => ({
      value: e.id,
      label: entityLabel({ name: e.name, project: e.project.name, location: e.location.name }),
    }));

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
      page: {
        view: "interfaces/form.njk",
        locals: {
          title: "Add interface",
          cancel: fixedEntity ? `/entities/${fixedEntity}` : "/",
          entityOptions: options,
          entityFixed: fixedEntity !== undefined,
        },
      },
    };
  };

  router.get("/interfaces/new", requirePermission("add_interface"), async (req, res) => {
    const { page, fixedEntity } = await newForm(req);
    renderForm(res, page, {
      name: DEFAULT_INTERFACE_NAME,
      description: "",
      entity: fixedEntity ?? "",
      address: "",
      // Empty, not 255.255.255.255: that mask is an error with an IPv6 address (docs/usage.md).
      netmask: "",
    });
  });
  router.post("/interfaces/new", requirePermission("add_interface"), async (req, res) => {
    const { page, fixedEntity, options } = await newForm(req);
    if (fixedEntity !== undefined) req.body.entity = String(fixedEntity);
    return submitForm(req, res, {
      schema: interfaceForm,
      page,
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
          return `/entities/${saved.entity.id}`;
        });
      },
    });
  });

  const editPage = async (iface: InterfaceDetail) => {
    const options = await entityOptions(iface.entity.projectId);
    return {
      options,
      page: {
        view: "interfaces/form.njk",
        locals: {
          title: `Edit interface ${iface.name} of ${iface.entity.name}`,
          cancel: `/entities/${iface.entity.id}`,
          entityOptions: options,
          entityFixed: false,
        },
      },
    };
  };
  router.get("/interfaces/:interfaceId/edit", requirePermission("change_interface"), async (_req, res) => {
    const iface = res.locals.iface as InterfaceDetail;
    renderForm(res, (await editPage(iface)).page, {
      ...iface,
      entity: iface.entity.id,
      // One host shows as an empty Netmask, as the add form leaves it.
      netmask: isHostNetmask(iface.netmask) ? "" : iface.netmask,
    });
  });
  router.post("/interfaces/:interfaceId/edit", requirePermission("change_interface"), async (req, res) => {
    const iface = res.locals.iface as InterfaceDetail;
    const { page, options } = await editPage(iface);
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
