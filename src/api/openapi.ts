// GET /api/v1/openapi.json (docs/api.md): an OpenAPI 3.1 document of the whole
// API, built once from the zod schemas the API validates bodies with
// (src/validation/api.ts, through z.toJSONSchema) and the resource list, so
// the document cannot drift from what the server accepts.
import { z } from "zod";
import { ARCHIVE_FORMATS, RULES_FILE_KINDS } from "../domain/archive-names.js";
import { driftPaths, driftSchemas } from "./openapi-drift.js";
import { reachPaths, reachSchemas } from "./openapi-reach.js";
import { DEFAULT_LIMIT, type FilterName, MAX_LIMIT } from "./pagination.js";
import { API_BASE } from "./resource.js";
import { API_RESOURCES, type ResourceSummary } from "./resources.js";

type Json = Record<string, unknown>;

const ref = (kind: "schemas" | "responses" | "parameters", name: string) => ({ $ref: `#/components/${kind}/${name}` });
const json = (schema: Json) => ({ "application/json": { schema } });
const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** A body schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), as the client sends it. */
function inputSchema(schema: z.ZodType): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
  }) as Json;
  return rest;
}

const ERRORS: Record<string, [number, string]> = {
  BadRequest: [400, "The request could not be read: not JSON, or a bad query parameter."],
  Unauthorized: [401, "No token or session, or the token is unknown, revoked or expired, or its user inactive."],
  Forbidden: [403, "The user lacks the permission, or a read-only token tried to write."],
  NotFound: [404, "No object has this id."],
  Conflict: [409, "A conflict with the stored data, such as a duplicate name."],
  Unprocessable: [422, "Invalid fields; `fields` names each one."],
};

const errors = (...names: string[]) =>
  Object.fromEntries(names.map((name) => [String(ERRORS[name]?.[0]), ref("responses", name)]));

const FILTER_TEXT: Record<FilterName, string> = {
  project: "Only objects of the project with this id.",
  location: "Only objects in the location with this id.",
  entity: "Only objects of the entity with this id (communications: either end).",
};

function resourcePaths(spec: ResourceSummary): Record<string, Json> {
  const noun = capital(spec.noun);
  const plural = capital(spec.name);
  const tags = [plural];
  const filterParameters = spec.filters.map((name) => ({
    name,
    in: "query",
    required: false,
    description: FILTER_TEXT[name],
    schema: { type: "integer", minimum: 1 },
  }));
  return {
    [`${API_BASE}/${spec.name}`]: {
      get: {
        operationId: `list${plural}`,
        tags,
        summary: `List ${spec.name}`,
        description: `Needs the permission view. Ordered by id.`,
        parameters: [ref("parameters", "limit"), ref("parameters", "offset"), ...filterParameters],
        responses: {
          200: { description: `A page of ${spec.name}.`, content: json(ref("schemas", `${noun}List`)) },
          ...errors("BadRequest", "Unauthorized", "Forbidden"),
        },
      },
      post: {
        operationId: `create${noun}`,
        tags,
        summary: `Create a ${spec.noun}`,
        description: `Needs the permissions view and add_${spec.resource}.`,
        requestBody: { required: true, content: json(ref("schemas", `${noun}Input`)) },
        responses: {
          201: { description: `The ${spec.noun} created.`, content: json(ref("schemas", noun)) },
          ...errors("BadRequest", "Unauthorized", "Forbidden", "Conflict", "Unprocessable"),
        },
      },
    },
    [`${API_BASE}/${spec.name}/{id}`]: {
      parameters: [ref("parameters", "id")],
      get: {
        operationId: `get${noun}`,
        tags,
        summary: `One ${spec.noun}`,
        description: "Needs the permission view.",
        responses: {
          200: { description: `The ${spec.noun}.`, content: json(ref("schemas", noun)) },
          ...errors("Unauthorized", "Forbidden", "NotFound"),
        },
      },
      patch: {
        operationId: `update${noun}`,
        tags,
        summary: `Change a ${spec.noun}`,
        description: `Needs the permissions view and change_${spec.resource}. Only the fields sent change; the object that results must be valid as a whole.`,
        requestBody: { required: true, content: json(ref("schemas", `${noun}Patch`)) },
        responses: {
          200: { description: `The ${spec.noun} as changed.`, content: json(ref("schemas", noun)) },
          ...errors("BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict", "Unprocessable"),
        },
      },
      delete: {
        operationId: `delete${noun}`,
        tags,
        summary: `Delete a ${spec.noun}`,
        description: `Needs the permissions view and delete_${spec.resource}. Deletes what depends on it too, as the form does.`,
        responses: { 204: { description: "Deleted." }, ...errors("Unauthorized", "Forbidden", "NotFound") },
      },
    },
  };
}

function resourceSchemas(spec: ResourceSummary): Record<string, Json> {
  const noun = capital(spec.noun);
  const input = inputSchema(spec.body);
  const { required: _, ...patch } = input;
  const properties = { id: { type: "integer", minimum: 1 }, ...(input.properties as Json) };
  return {
    [`${noun}Input`]: input,
    [`${noun}Patch`]: patch,
    // Every field is in an answer, normalised as stored: an answer can be posted back as it is.
    [noun]: { type: "object", properties, required: Object.keys(properties) },
    [`${noun}List`]: {
      type: "object",
      properties: {
        count: { type: "integer", minimum: 0 },
        next: { type: ["string", "null"], format: "uri" },
        previous: { type: ["string", "null"], format: "uri" },
        results: { type: "array", items: ref("schemas", noun) },
      },
      required: ["count", "next", "previous", "results"],
    },
  };
}

function rulesPaths(): Record<string, Json> {
  const paths: Record<string, Json> = {};
  for (const kind of RULES_FILE_KINDS) {
    paths[`${API_BASE}/entities/{id}/rules/${kind}`] = {
      parameters: [ref("parameters", "id")],
      get: {
        operationId: `get${capital(kind)}Rules`,
        tags: ["Rules"],
        summary: `An entity's ${kind} file`,
        description: "Needs the permission view. The same bytes as the download on the entity page.",
        responses: {
          200: { description: `The ${kind} file.`, content: { "text/plain": { schema: { type: "string" } } } },
          ...errors("Unauthorized", "Forbidden", "NotFound"),
        },
      },
    };
  }
  paths[`${API_BASE}/projects/{id}/rules.zip`] = {
    parameters: [ref("parameters", "id")],
    get: {
      operationId: "getProjectRulesArchive",
      tags: ["Rules"],
      summary: "A project's rules as a ZIP archive",
      description: "Needs the permission view. The same bytes as the project page's ZIP download.",
      parameters: [
        {
          name: "format",
          in: "query",
          required: false,
          description: "iptables: each entity's iptables and ip6tables files; nftables: each entity's nftables file.",
          schema: { type: "string", enum: [...ARCHIVE_FORMATS], default: "iptables" },
        },
      ],
      responses: {
        200: {
          description: "The archive.",
          content: { "application/zip": { schema: { type: "string", contentMediaType: "application/zip" } } },
        },
        ...errors("BadRequest", "Unauthorized", "Forbidden", "NotFound"),
      },
    },
  };
  return paths;
}

export function openApiDocument(): Json {
  const errorSchema = {
    type: "object",
    properties: {
      error: { type: "string" },
      fields: { type: "object", additionalProperties: { type: "string" } },
    },
    required: ["error"],
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "Conntrackt API",
      version: "1",
      description:
        "Projects, locations, entities, interfaces and communications, and the firewall files generated from them. Send `Authorization: Bearer TOKEN` with a token made on the account page (/account).",
    },
    security: [{ bearerToken: [] }],
    tags: [...API_RESOURCES.map((spec) => ({ name: capital(spec.name) })), { name: "Rules" }, { name: "Analysis" }],
    paths: {
      [`${API_BASE}/openapi.json`]: {
        get: {
          operationId: "getOpenApiDocument",
          summary: "This document",
          security: [],
          responses: { 200: { description: "The OpenAPI document.", content: json({ type: "object" }) } },
        },
      },
      ...Object.assign({}, ...API_RESOURCES.map(resourcePaths)),
      ...rulesPaths(),
      ...driftPaths(),
      ...reachPaths(),
    },
    components: {
      securitySchemes: {
        bearerToken: {
          type: "http",
          scheme: "bearer",
          description: "An API token (ct_…) from /account. A read-only token may only GET, and check drift.",
        },
      },
      parameters: {
        id: { name: "id", in: "path", required: true, schema: { type: "integer", minimum: 1 } },
        limit: {
          name: "limit",
          in: "query",
          required: false,
          description: `Objects per page (at most ${MAX_LIMIT}; more is cut to ${MAX_LIMIT}).`,
          schema: { type: "integer", minimum: 1, default: DEFAULT_LIMIT },
        },
        offset: {
          name: "offset",
          in: "query",
          required: false,
          description: "How many objects to skip.",
          schema: { type: "integer", minimum: 0, default: 0 },
        },
      },
      schemas: {
        Error: errorSchema,
        ...Object.assign({}, ...API_RESOURCES.map(resourceSchemas)),
        ...driftSchemas(),
        ...reachSchemas(),
      },
      responses: Object.fromEntries(
        Object.entries(ERRORS).map(([name, [, description]]) => [
          name,
          { description, content: json(ref("schemas", "Error")) },
        ]),
      ),
    },
  };
}
