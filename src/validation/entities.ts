// Entity, interface and communication forms (docs/usage.md). Checks that need
// the database (same project, different entities, moves) live in the routes.
import { z } from "zod";
import { DEFAULT_INTERFACE_NAME, HOST_NETMASK, PORT_RANGE, PROTOCOLS } from "../domain/constants.js";
import { isIpv4, parseNetmask } from "../domain/ipv4.js";
import { description, id, name, text } from "./common.js";

export const entityForm = z.object({
  name: name(),
  description,
  project: id("Project"),
  location: id("Location"),
});
export type EntityForm = z.output<typeof entityForm>;

/** A dotted IPv4 address, trimmed. */
export const address = text("Address")
  .transform((v) => v.trim())
  .pipe(
    z
      .string()
      .min(1, "Address is required.")
      .refine(isIpv4, "Enter an IPv4 address in dotted form, e.g. 192.168.1.10."),
  );

/** A contiguous netmask, dotted or as a prefix (`/24`, `24`); empty means a single host. */
export const netmask = text("Netmask")
  .optional()
  .transform((v) => (v ?? "").trim())
  .transform((v, ctx) => {
    if (v === "") return HOST_NETMASK;
    const mask = parseNetmask(v);
    if (mask === null) {
      ctx.addIssue({
        code: "custom",
        message: "Enter a contiguous netmask (e.g. 255.255.255.0) or a prefix length (/24 or 24).",
      });
      return z.NEVER;
    }
    return mask;
  });

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

export const protocol = text("Protocol").pipe(
  z.enum(PROTOCOLS, { error: `Protocol must be one of ${PROTOCOLS.join(", ")}.` }),
);

export const communicationForm = z
  .object({
    source: id("Source"),
    destination: id("Destination"),
    protocol,
    port: text("Port")
      .transform((v) => v.trim())
      .pipe(z.string().regex(/^[0-9]{1,5}$/, "Port must be a whole number."))
      .transform(Number),
    description,
  })
  .superRefine((v, ctx) => {
    const range = PORT_RANGE[v.protocol];
    if (v.port < range.min || v.port > range.max) {
      ctx.addIssue({
        code: "custom",
        path: ["port"],
        message:
          v.protocol === "ICMP"
            ? `For ICMP, Port is the ICMP type: ${range.min}–${range.max}.`
            : `${v.protocol} port must be between ${range.min} and ${range.max}.`,
      });
    }
    if (v.source === v.destination) {
      ctx.addIssue({ code: "custom", path: ["destination"], message: "Source and destination must differ." });
    }
  });
export type CommunicationForm = z.output<typeof communicationForm>;
