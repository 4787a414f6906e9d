// The zod schemas of the interchange document (docs/cli.md "The interchange
// document"), versions 1 and 2, and the plain types both read into. The field
// rules and their wording are those of the forms (./fields.ts); each JSON type
// is checked first (a string, a number, true or false) with the field's name.
//
// Version 1 is read as it always was: IPv4 interfaces, TCP, UDP and ICMP, one
// port per flow; a version 2 field, an IPv6 address or ICMPv6 in it is refused
// with a message saying to write "version": 2. Version 2 adds, all optional:
// restrictOutgoing (false), portEnd (= port), requestedBy and reference (""),
// expires (null); IPv6 addresses with a prefix-length netmask (`"64"`). Both
// versions read into the same InterchangeDocument, every field present, and
// export writes version 2.
import { z } from "zod";
import { DEFAULT_INTERFACE_NAME, type Protocol } from "../domain/constants.js";
import { description, name } from "./common.js";
import {
  expiresRule,
  portNumberRule,
  portsIssue,
  protocolRule,
  referenceRule,
  refineInterfaceAddress,
  requestedByRule,
} from "./fields.js";

export const INTERCHANGE_FORMAT = "conntrackt";
/** The version export writes. */
export const INTERCHANGE_VERSION = 2;
/** The versions import reads. */
export const INTERCHANGE_VERSIONS = [1, 2] as const;
export type InterchangeVersion = (typeof INTERCHANGE_VERSIONS)[number];

export interface InterchangeLocation {
  name: string;
  description: string;
}
export interface InterchangeInterface {
  name: string;
  description: string;
  /** IPv4 dotted quad, or IPv6 in RFC 5952 form. */
  address: string;
  /** IPv4: dotted mask; IPv6: prefix length as text ("64", "128" for one host). */
  netmask: string;
}
export interface InterchangeEntity {
  name: string;
  description: string;
  location: string;
  restrictOutgoing: boolean;
  interfaces: InterchangeInterface[];
}
export interface InterchangeEnd {
  entity: string;
  interface: string;
}
export interface InterchangeCommunication {
  source: InterchangeEnd;
  destination: InterchangeEnd;
  protocol: Protocol;
  port: number;
  /** Equal to port for one port or type. */
  portEnd: number;
  description: string;
  requestedBy: string;
  reference: string;
  /** `YYYY-MM-DD`, or null: never expires. */
  expires: string | null;
}
export interface InterchangeProject {
  name: string;
  description: string;
  entities: InterchangeEntity[];
  communications: InterchangeCommunication[];
}
/** A document as read (every field present) or as export writes it (version 2). */
export interface InterchangeDocument {
  format: typeof INTERCHANGE_FORMAT;
  version: InterchangeVersion;
  locations: InterchangeLocation[];
  projects: InterchangeProject[];
}

/** The fields only version 2 has, to explain their refusal in a version 1 document. */
const VERSION_2_FIELDS = new Set(["restrictOutgoing", "portEnd", "requestedBy", "reference", "expires"]);
const WRITE_VERSION_2 = 'write "version": 2 to use it';

const str = (field: string) => z.string({ error: `${field} must be a string` });

/** A docs/usage.md name given as a JSON string. */
const nameField = (field: string) => str(field).pipe(name(field));

const descriptionField = str("description").optional().pipe(description);

/** Objects refuse unknown fields: a misspelt `netmsk` must not silently become the default. */
const strict = <T extends z.ZodRawShape>(shape: T, version: InterchangeVersion) =>
  z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== "unrecognized_keys") return issue.input === undefined ? "is required" : "must be an object";
      const keys = issue.keys.map((k) => JSON.stringify(k)).join(", ");
      const plural = issue.keys.length > 1 ? "s" : "";
      return version === 1 && issue.keys.every((k) => VERSION_2_FIELDS.has(k))
        ? `field${plural} ${keys} of version 2 in a version 1 document: ${WRITE_VERSION_2}`
        : `unknown field${plural} ${keys}`;
    },
  });

const list = <T extends z.ZodType>(item: T, field: string) =>
  z
    .array(item, { error: `${field} must be a list` })
    .optional()
    .default([]);

const interfaceName = str("name")
  .optional()
  .transform((v) => v ?? DEFAULT_INTERFACE_NAME)
  .pipe(name("Interface name"));

function interfaceSchema(version: InterchangeVersion) {
  return strict(
    { name: interfaceName, description: descriptionField, address: str("address"), netmask: str("netmask").optional() },
    version,
  ).transform((i, ctx): InterchangeInterface => {
    const read = refineInterfaceAddress(ctx, i.address, i.netmask ?? "");
    if (read === null) return z.NEVER;
    if (version === 1 && read.family === "ipv6") {
      ctx.addIssue({
        code: "custom",
        path: ["address"],
        message: `Address ${read.address} is an IPv6 address, which a version 1 document cannot hold: ${WRITE_VERSION_2}.`,
      });
      return z.NEVER;
    }
    return { name: i.name, description: i.description, address: read.address, netmask: read.netmask };
  });
}

function entitySchema(version: InterchangeVersion) {
  const restrictOutgoing = z.boolean({ error: "restrictOutgoing must be true or false" }).optional();
  return strict(
    {
      name: nameField("Name"),
      description: descriptionField,
      location: nameField("Location"),
      ...(version === 2 ? { restrictOutgoing } : {}),
      interfaces: list(interfaceSchema(version), "interfaces"),
    },
    version,
  ).transform(
    (e): InterchangeEntity => ({
      name: e.name,
      description: e.description,
      location: e.location,
      restrictOutgoing: (e as { restrictOutgoing?: boolean }).restrictOutgoing ?? false,
      interfaces: e.interfaces,
    }),
  );
}

const endpointSchema = (version: InterchangeVersion) =>
  strict(
    {
      entity: nameField("Entity"),
      interface: str("interface")
        .optional()
        .transform((v) => v ?? DEFAULT_INTERFACE_NAME)
        .pipe(name("Interface")),
    },
    version,
  );

const whole = (field: string) => z.number({ error: `${field} must be a number` }).pipe(portNumberRule("Port"));

const version2Flow = {
  portEnd: whole("portEnd").optional(),
  requestedBy: str("requestedBy")
    .optional()
    .transform((v) => v ?? "")
    .pipe(requestedByRule("Requested by")),
  reference: str("reference")
    .optional()
    .transform((v) => v ?? "")
    .pipe(referenceRule("Reference")),
  expires: z
    .union([z.null(), z.string()], { error: "expires must be a date string YYYY-MM-DD or null" })
    .optional()
    .transform((v) => v ?? "")
    .pipe(expiresRule("Expires")),
};

function communicationSchema(version: InterchangeVersion) {
  return strict(
    {
      source: endpointSchema(version),
      destination: endpointSchema(version),
      protocol: str("protocol").pipe(protocolRule("Protocol")),
      port: whole("port"),
      description: descriptionField,
      ...(version === 2 ? version2Flow : {}),
    },
    version,
  ).transform((c, ctx): InterchangeCommunication => {
    const v2 = c as Partial<Record<keyof typeof version2Flow, unknown>>;
    const portEnd = typeof v2.portEnd === "number" ? v2.portEnd : c.port;
    if (version === 1 && c.protocol === "ICMPv6") {
      ctx.addIssue({
        code: "custom",
        path: ["protocol"],
        message: `ICMPv6 needs IPv6 ends, which a version 1 document cannot hold: ${WRITE_VERSION_2}.`,
      });
      return z.NEVER;
    }
    const issue = portsIssue(c.protocol, c.port, portEnd);
    if (issue !== null) {
      ctx.addIssue({ code: "custom", path: [issue.field], message: issue.message });
      return z.NEVER;
    }
    return {
      source: c.source,
      destination: c.destination,
      protocol: c.protocol,
      port: c.port,
      portEnd,
      description: c.description,
      requestedBy: typeof v2.requestedBy === "string" ? v2.requestedBy : "",
      reference: typeof v2.reference === "string" ? v2.reference : "",
      expires: typeof v2.expires === "string" ? v2.expires : null,
    };
  });
}

function projectSchema(version: InterchangeVersion) {
  return strict(
    {
      name: nameField("Name"),
      description: descriptionField,
      entities: list(entitySchema(version), "entities"),
      communications: list(communicationSchema(version), "communications"),
    },
    version,
  );
}

const versionField = z.union([z.literal(1), z.literal(2)], {
  error: `version must be 1 or 2 (this Conntrackt reads version 1 and 2 documents and writes version ${INTERCHANGE_VERSION})`,
});

/** The schema of one version; the `version` field itself accepts both, so a wrong one gets one message. */
function documentSchema(version: InterchangeVersion) {
  return strict(
    {
      format: z.literal(INTERCHANGE_FORMAT, { error: `format must be "${INTERCHANGE_FORMAT}"` }),
      version: versionField,
      locations: list(strict({ name: nameField("Name"), description: descriptionField }, version), "locations"),
      projects: list(projectSchema(version), "projects"),
    },
    version,
  );
}

const SCHEMAS = { 1: documentSchema(1), 2: documentSchema(2) } as const;

/** The schema for a parsed JSON value: version 1's when it says `"version": 1`, else version 2's. */
export function interchangeSchemaFor(value: unknown) {
  const version = value !== null && typeof value === "object" ? (value as { version?: unknown }).version : undefined;
  return version === 1 ? SCHEMAS[1] : SCHEMAS[2];
}

/** `projects[0].entities[3].name` from zod's `["projects", 0, "entities", 3, "name"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(document)" : out;
}
