// The drift check's part of GET /api/v1/openapi.json (src/api/openapi.ts):
// POST /api/v1/entities/{id}/drift (src/api/drift.ts), its body (text/plain,
// or JSON from the zod schema the route validates with) and its answer.
import { z } from "zod";
import { DRIFT_FORMATS } from "../domain/drift/types.js";
import { driftBody } from "../validation/drift.js";
import { API_BASE } from "./resource.js";

type Json = Record<string, unknown>;

const ref = (kind: "schemas" | "responses" | "parameters", name: string) => ({ $ref: `#/components/${kind}/${name}` });
const json = (schema: Json) => ({ "application/json": { schema } });
const error = (description: string) => ({ description, content: json(ref("schemas", "Error")) });

function bodySchema(): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(driftBody, { target: "draft-2020-12", io: "input" }) as Json;
  return rest;
}

export function driftPaths(): Record<string, Json> {
  return {
    [`${API_BASE}/entities/{id}/drift`]: {
      parameters: [ref("parameters", "id")],
      post: {
        operationId: "checkEntityDrift",
        tags: ["Rules"],
        summary: "Compare what a host runs with the entity's generated rules",
        description:
          "Needs the permission view; a read-only token may call it, since it changes nothing. The body is what iptables-save, ip6tables-save or `nft -j list ruleset` printed on the host, as text/plain or as JSON; the answer is the entity page's drift check.",
        requestBody: {
          required: true,
          content: {
            "text/plain": { schema: { type: "string", description: "The host's rules, at most 2 MiB." } },
            ...json(bodySchema()),
          },
        },
        responses: {
          200: { description: "In sync, or the differences.", content: json(ref("schemas", "DriftResult")) },
          400: ref("responses", "BadRequest"),
          401: ref("responses", "Unauthorized"),
          403: ref("responses", "Forbidden"),
          404: ref("responses", "NotFound"),
          413: error("The host rules are over 2 MiB."),
          422: error("The host rules are none of the three formats, or cannot be read; `fields.text` says why."),
          503: error("Too many drift checks at once, or one ran past its time limit; try again after Retry-After."),
        },
      },
    },
  };
}

export function driftSchemas(): Record<string, Json> {
  const text = { type: "string" };
  const difference = {
    type: "object",
    properties: {
      chain: text,
      rule: { type: "string", description: "The rule in the file's own syntax." },
      where: { type: "string", description: "`line 12` in save output or the generated file, `handle 7` in nft -j." },
      unread: { type: "string", description: "Why the check compared the host rule as written, when it did." },
    },
    required: ["chain", "rule", "where"],
  };
  const head = { type: ["string", "null"], description: "The chain's head line; null where the chain is absent." };
  return {
    DriftResult: {
      type: "object",
      properties: {
        inSync: { type: "boolean" },
        format: { type: "string", enum: [...DRIFT_FORMATS], description: "The generated file compared with." },
        policies: {
          type: "array",
          items: {
            type: "object",
            properties: { chain: text, model: head, host: head },
            required: ["chain", "model", "host"],
          },
        },
        missing: { type: "array", items: difference, description: "In the entity's file, not on the host." },
        extra: { type: "array", items: difference, description: "On the host, not in the entity's file." },
      },
      required: ["inSync", "format", "policies", "missing", "extra"],
    },
  };
}
