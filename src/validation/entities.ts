// Entity, interface and communication forms (docs/usage.md). Checks that need
// the database (same project, different entities, moves) live in the routes.
import { z } from "zod";
import { DEFAULT_INTERFACE_NAME } from "../domain/constants.js";
import { description, id, name, text } from "./common.js";
import { addressRule, checkPortRange, netmaskRule, portTextRule, protocolRule } from "./fields.js";

export const entityForm = z.object({
  name: name(),
  description,
  project: id("Project"),
  location: id("Location"),
});
export type EntityForm = z.output<typeof entityForm>;

/** docs/usage.md address and netmask, with the shared wording (src/validation/fields.ts). */
export const address = text("Address").pipe(addressRule("Address"));
export const netmask = text("Netmask")
  .optional()
  .transform((v) => v ?? "")
  .pipe(netmaskRule("Netmask"));

export const interfaceForm = z.object({
  name: text("Name")
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? DEFAULT_INTERFACE_NAME : v))
    .pipe(name()),
  description,
  entity: id("Entity"),
  address,
  netmask,
});
export type InterfaceForm = z.output<typeof interfaceForm>;

export const protocol = text("Protocol").pipe(protocolRule("Protocol"));

export const communicationForm = z
  .object({
    source: id("Source"),
    destination: id("Destination"),
    protocol,
    port: text("Port").pipe(portTextRule("Port")),
    description,
  })
  .superRefine((v, ctx) => {
    checkPortRange(ctx, v.protocol, v.port);
    if (v.source === v.destination) {
      ctx.addIssue({ code: "custom", path: ["destination"], message: "Source and destination must differ." });
    }
  });
export type CommunicationForm = z.output<typeof communicationForm>;
