// The interchange document of docs/cli.md: its zod schema and the checks between
// its items (names unique where docs/usage.md says so, communications pointing at
// existing interfaces of two different entities of the same project). Every
// problem names the JSON path of the item and the rule it breaks, e.g.
// `projects[0].entities[3].interfaces[0].netmask: Netmask must be a contiguous
// netmask …`; the field rules and their wording are those of the forms
// (src/validation/fields.ts). Checks that need the database (a location that exists only
// there, a project that already exists) are in src/data/interchange.ts.
import { z } from "zod";
import { DEFAULT_INTERFACE_NAME } from "../domain/constants.js";
import { description, name } from "./common.js";
import { addressRule, checkPortRange, netmaskRule, portNumberRule, protocolRule } from "./fields.js";

export const INTERCHANGE_FORMAT = "conntrackt";
export const INTERCHANGE_VERSION = 1;

/** One broken rule: where (JSON path) and what. */
export interface Problem {
  path: string;
  message: string;
}

const str = (field: string) => z.string({ error: `${field} must be a string` });

/** A docs/usage.md name given as a JSON string. */
const nameField = (field: string) => str(field).pipe(name(field));

const descriptionField = str("description").optional().pipe(description);

/** The shared rules of src/validation/fields.ts; a prefix netmask is stored dotted, like in the form. */
const address = str("address").pipe(addressRule("Address"));
const netmask = str("netmask")
  .optional()
  .transform((v) => v ?? "")
  .pipe(netmaskRule("Netmask"));

/** Objects refuse unknown fields: a misspelt `netmsk` must not silently become the default. */
const strict = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`
        : issue.input === undefined
          ? "is required"
          : "must be an object",
  });

const list = <T extends z.ZodType>(item: T, field: string) =>
  z
    .array(item, { error: `${field} must be a list` })
    .optional()
    .default([]);

const interfaceSchema = strict({
  name: str("name")
    .optional()
    .transform((v) => v ?? DEFAULT_INTERFACE_NAME)
    .pipe(name("Interface name")),
  description: descriptionField,
  address,
  netmask,
});

const entitySchema = strict({
  name: nameField("Name"),
  description: descriptionField,
  location: nameField("Location"),
  interfaces: list(interfaceSchema, "interfaces"),
});

const endpointSchema = strict({
  entity: nameField("Entity"),
  interface: str("interface")
    .optional()
    .transform((v) => v ?? DEFAULT_INTERFACE_NAME)
    .pipe(name("Interface")),
});

const protocol = str("protocol").pipe(protocolRule("Protocol"));

const communicationSchema = strict({
  source: endpointSchema,
  destination: endpointSchema,
  protocol,
  port: z.number({ error: "port must be a number" }).pipe(portNumberRule("Port")),
  description: descriptionField,
}).superRefine((c, ctx) => checkPortRange(ctx, c.protocol, c.port));

const projectSchema = strict({
  name: nameField("Name"),
  description: descriptionField,
  entities: list(entitySchema, "entities"),
  communications: list(communicationSchema, "communications"),
});

const locationSchema = strict({ name: nameField("Name"), description: descriptionField });

export const interchangeSchema = strict({
  format: z.literal(INTERCHANGE_FORMAT, { error: `format must be "${INTERCHANGE_FORMAT}"` }),
  version: z.literal(INTERCHANGE_VERSION, {
    error: `version must be ${INTERCHANGE_VERSION} (this Conntrackt reads version ${INTERCHANGE_VERSION} documents)`,
  }),
  locations: list(locationSchema, "locations"),
  projects: list(projectSchema, "projects"),
});

export type InterchangeDocument = z.output<typeof interchangeSchema>;
export type InterchangeProject = InterchangeDocument["projects"][number];
export type InterchangeEntity = InterchangeProject["entities"][number];
export type InterchangeInterface = InterchangeEntity["interfaces"][number];
export type InterchangeCommunication = InterchangeProject["communications"][number];
export type InterchangeLocation = InterchangeDocument["locations"][number];

/** `projects[0].entities[3].name` from zod's `["projects", 0, "entities", 3, "name"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(document)" : out;
}

/** Reports a second item with the same key, naming the first one. */
class Uniques {
  #seen = new Map<string, string>();
  constructor(
    private readonly problems: Problem[],
    private readonly message: (shown: string, first: string) => string,
  ) {}
  check(key: string, path: string, shown = ""): void {
    const first = this.#seen.get(key);
    if (first === undefined) this.#seen.set(key, path);
    else this.problems.push({ path, message: this.message(shown, first) });
  }
}

const usedBy = (what: string) => (shown: string, first: string) => `${what} ${shown} is already used by ${first}`;

/**
 * The rules between items of a well-formed document (docs/usage.md). Returns the
 * problems and the location names that entities use without the document
 * declaring them: those must exist in the database.
 */
export function checkInterchangeReferences(doc: InterchangeDocument): {
  problems: Problem[];
  undeclaredLocations: Map<string, string>;
} {
  const problems: Problem[] = [];
  const locationNames = new Uniques(problems, usedBy("location name"));
  doc.locations.forEach((l, i) => {
    locationNames.check(l.name, `locations[${i}].name`, JSON.stringify(l.name));
  });
  const declared = new Set(doc.locations.map((l) => l.name));
  /** Undeclared location name → path of the first entity naming it. */
  const undeclaredLocations = new Map<string, string>();

  const projectNames = new Uniques(problems, usedBy("project name"));
  doc.projects.forEach((project, p) => {
    const at = `projects[${p}]`;
    projectNames.check(project.name, `${at}.name`, JSON.stringify(project.name));

    const entityNames = new Uniques(problems, usedBy("entity name"));
    /** entity name → (interface name → true), for the communication endpoints. */
    const interfacesOf = new Map<string, Set<string>>();
    project.entities.forEach((entity, e) => {
      const ea = `${at}.entities[${e}]`;
      entityNames.check(entity.name, `${ea}.name`, JSON.stringify(entity.name));
      if (!declared.has(entity.location) && !undeclaredLocations.has(entity.location)) {
        undeclaredLocations.set(entity.location, `${ea}.location`);
      }
      const interfaceNames = new Uniques(problems, usedBy("interface name"));
      const interfaceAddresses = new Uniques(problems, usedBy("address and netmask"));
      const names = interfacesOf.get(entity.name) ?? new Set<string>();
      interfacesOf.set(entity.name, names);
      entity.interfaces.forEach((iface, i) => {
        const ia = `${ea}.interfaces[${i}]`;
        interfaceNames.check(iface.name, `${ia}.name`, JSON.stringify(iface.name));
        interfaceAddresses.check(
          `${iface.address}/${iface.netmask}`,
          `${ia}.address`,
          `${iface.address}/${iface.netmask}`,
        );
        names.add(iface.name);
      });
    });

    const flows = new Uniques(
      problems,
      (_shown, first) =>
        `a communication with the same source, destination, protocol and port already exists at ${first}`,
    );
    project.communications.forEach((c, k) => {
      const ca = `${at}.communications[${k}]`;
      let ok = true;
      for (const side of ["source", "destination"] as const) {
        const end = c[side];
        const names = interfacesOf.get(end.entity);
        if (names === undefined) {
          problems.push({
            path: `${ca}.${side}.entity`,
            message: `project ${JSON.stringify(project.name)} has no entity named ${JSON.stringify(end.entity)}`,
          });
          ok = false;
        } else if (!names.has(end.interface)) {
          problems.push({
            path: `${ca}.${side}.interface`,
            message: `entity ${JSON.stringify(end.entity)} has no interface named ${JSON.stringify(end.interface)}`,
          });
          ok = false;
        }
      }
      if (!ok) return;
      if (c.source.entity === c.destination.entity) {
        problems.push({
          path: `${ca}.destination.entity`,
          message: `source and destination must be interfaces of two different entities (both are ${JSON.stringify(c.source.entity)})`,
        });
        return;
      }
      const key = JSON.stringify([
        c.source.entity,
        c.source.interface,
        c.destination.entity,
        c.destination.interface,
        c.protocol,
        c.port,
      ]);
      flows.check(key, ca);
    });
  });
  return { problems, undeclaredLocations };
}

export type ParseResult =
  | { ok: true; doc: InterchangeDocument; undeclaredLocations: Map<string, string> }
  | { ok: false; problems: Problem[] };

/** Validates a parsed JSON value as an interchange document, structure first, then the references between items. */
export function parseInterchange(value: unknown): ParseResult {
  const result = interchangeSchema.safeParse(value);
  if (!result.success) {
    return {
      ok: false,
      problems: result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
    };
  }
  const { problems, undeclaredLocations } = checkInterchangeReferences(result.data);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, doc: result.data, undeclaredLocations };
}

/** Parses JSON text; a syntax error is one problem at the document root. */
export function parseInterchangeText(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    return { ok: false, problems: [{ path: "(document)", message: `not valid JSON: ${(error as Error).message}` }] };
  }
  return parseInterchange(value);
}

/** `path: message`, one problem per line. */
export function formatProblem(problem: Problem): string {
  return `${problem.path}: ${problem.message}`;
}
