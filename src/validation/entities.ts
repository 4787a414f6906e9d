// Entity, interface and communication forms (docs/usage.md). Checks that need
// the database (same project, different entities, the ends' families, moves)
// live in src/data.
import { z } from "zod";
import { DEFAULT_INTERFACE_NAME } from "../domain/constants.js";
import { checkbox, description, id, name, text, whenFieldsParsed } from "./common.js";
import {
  expiresRule,
  type InterfaceAddress,
  protocolRule,
  readInterfaceAddress,
  readPorts,
  referenceRule,
  requestedByRule,
} from "./fields.js";

export const entityForm = z.object({
  name: name(),
  description,
  project: id("Project"),
  location: id("Location"),
  restrictOutgoing: checkbox,
});
export type EntityForm = z.output<typeof entityForm>;

/** An optional single text field, empty when absent. */
const optionalText = (label: string) =>
  text(label)
    .optional()
    .transform((v) => v ?? "");

export const interfaceForm = z
  .object({
    name: text("Name")
      .optional()
      .transform((v) => (v === undefined || v.trim() === "" ? DEFAULT_INTERFACE_NAME : v))
      .pipe(name()),
    description,
    entity: id("Entity"),
    address: text("Address"),
    netmask: optionalText("Netmask"),
  })
  // A refinement, not a transform, so the other fields' messages show too.
  .superRefine(
    (v, ctx) => {
      const read = readInterfaceAddress(v.address, v.netmask);
      if (!read.ok) ctx.addIssue({ code: "custom", path: [read.field], message: read.message });
    },
    whenFieldsParsed("address", "netmask"),
  )
  .transform((v) => {
    const read = readInterfaceAddress(v.address, v.netmask) as InterfaceAddress;
    return { ...v, address: read.address, netmask: read.netmask, family: read.family };
  });
export type InterfaceForm = z.output<typeof interfaceForm>;

export const protocol = text("Protocol").pipe(protocolRule("Protocol"));

export const communicationForm = z
  .object({
    source: id("Source"),
    destination: id("Destination"),
    protocol,
    port: text("Port"),
    description,
    requestedBy: optionalText("Requested by").pipe(requestedByRule()),
    reference: optionalText("Reference").pipe(referenceRule()),
    expires: optionalText("Expires").pipe(expiresRule()),
  })
  .superRefine(
    (v, ctx) => {
      if (v.source === v.destination) {
        ctx.addIssue({ code: "custom", path: ["destination"], message: "Source and destination must differ." });
      }
      const ports = readPorts(v.protocol, v.port);
      if (!ports.ok) ctx.addIssue({ code: "custom", path: ["port"], message: ports.message });
    },
    whenFieldsParsed("source", "destination", "protocol", "port"),
  )
  .transform((v) => {
    const ports = readPorts(v.protocol, v.port) as { port: number; portEnd: number };
    return { ...v, port: ports.port, portEnd: ports.portEnd };
  });
export type CommunicationForm = z.output<typeof communicationForm>;
