// The API's JSON bodies (docs/api.md): the fields of the interchange format,
// with ids for references. Each is the web form's schema where JSON and form
// text agree (names, descriptions, addresses, protocols, owners), with only
// the fields whose JSON type differs replaced: ids are numbers, a checkbox is
// true or false, ports are numbers, `expires` may be null. So the API refuses
// what the forms refuse, with the same messages (src/validation/fields.ts).
// GET /api/v1/openapi.json is generated from these schemas.
import { z } from "zod";
import { ID_MAX, whenFieldsParsed } from "./common.js";
import { communicationForm, entityForm, interfaceForm } from "./entities.js";
import { expiresRule, portNumberRule, portsIssue, refineInterfaceAddress } from "./fields.js";
import { locationForm, projectForm } from "./projects.js";

/** A reference by id: a positive whole number. */
const jsonId = (label: string, noun: string) =>
  z
    .number({
      error: (issue) =>
        issue.input === undefined ? `${label} is required.` : `${label} must be the id of ${noun} (a whole number).`,
    })
    .int(`${label} must be the id of ${noun} (a whole number).`)
    .min(1, `${label} must be the id of ${noun} (a whole number).`)
    .max(ID_MAX, `${label} must be the id of ${noun} (a whole number).`);

export const projectBody = projectForm;
export const locationBody = locationForm;

export const entityBody = entityForm.extend({
  project: jsonId("Project", "a project"),
  location: jsonId("Location", "a location"),
  restrictOutgoing: z.boolean({ error: "Restrict outgoing traffic must be true or false." }).optional().default(false),
});

/** The interface form's fields and address rule, with the entity as an id. */
export const interfaceBody = z
  .object({ ...interfaceForm.in.shape, entity: jsonId("Entity", "an entity") })
  // As in the form: a refinement, so the other fields' messages show too.
  .superRefine(
    (v, ctx) => void refineInterfaceAddress(ctx, v.address, v.netmask),
    whenFieldsParsed("address", "netmask"),
  )
  .pipe(interfaceForm.out);

const port = (label: string) =>
  z.number({ error: (issue) => (issue.input === undefined ? `${label} is required.` : `${label} must be a number.`) });

const form = communicationForm.in.shape;

/**
 * The communication form's fields, with the ends as interface ids, `port` and
 * `portEnd` as numbers (portEnd absent: one port), and `expires` null or a date.
 */
export const communicationBody = z
  .object({
    source: jsonId("Source", "an interface"),
    destination: jsonId("Destination", "an interface"),
    protocol: form.protocol,
    port: port("Port").pipe(portNumberRule("Port")),
    portEnd: port("Last port").pipe(portNumberRule("Last port")).optional(),
    description: form.description,
    requestedBy: form.requestedBy,
    reference: form.reference,
    expires: z
      .union([z.null(), z.string()], { error: "Expires must be a date YYYY-MM-DD or null." })
      .optional()
      .transform((v) => v ?? "")
      .pipe(expiresRule()),
  })
  .superRefine(
    (v, ctx) => {
      if (v.source === v.destination) {
        ctx.addIssue({ code: "custom", path: ["destination"], message: "Source and destination must differ." });
      }
      const issue = portsIssue(v.protocol, v.port, v.portEnd ?? v.port);
      if (issue) ctx.addIssue({ code: "custom", path: [issue.field], message: issue.message });
    },
    whenFieldsParsed("source", "destination", "protocol", "port", "portEnd"),
  )
  .transform((v) => ({ ...v, portEnd: v.portEnd ?? v.port }));

export type ProjectBody = z.output<typeof projectBody>;
export type LocationBody = z.output<typeof locationBody>;
export type EntityBody = z.output<typeof entityBody>;
export type InterfaceBody = z.output<typeof interfaceBody>;
export type CommunicationBody = z.output<typeof communicationBody>;
