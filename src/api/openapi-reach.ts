// The reachability question's part of GET /api/v1/openapi.json
// (src/api/openapi.ts): GET /api/v1/projects/{id}/reach (src/api/reach.ts).
// The query is read by the project page's schema (src/validation/analysis.ts),
// whose fields are text turned into addresses; they are described here.
import { PROTOCOLS } from "../domain/constants.js";
import { REACH_FIELDS, REACH_LABELS } from "../validation/analysis.js";
import { API_BASE } from "./resource.js";

type Json = Record<string, unknown>;

const ref = (kind: "schemas" | "responses" | "parameters", name: string) => ({ $ref: `#/components/${kind}/${name}` });

const FIELD_HELP: Record<(typeof REACH_FIELDS)[number], { description: string; schema: Json }> = {
  from: {
    description: "The packet's source: one IPv4 or IPv6 address, inside the project or not.",
    schema: { type: "string" },
  },
  to: { description: "The packet's destination: one address of the same family.", schema: { type: "string" } },
  protocol: { description: "The protocol, in any case.", schema: { type: "string", enum: [...PROTOCOLS] } },
  port: {
    description: "TCP/UDP port, or ICMP/ICMPv6 type; one value, not a range.",
    schema: { type: "string", pattern: "^[0-9]+$" },
  },
};

export function reachPaths(): Record<string, Json> {
  return {
    [`${API_BASE}/projects/{id}/reach`]: {
      parameters: [ref("parameters", "id")],
      get: {
        operationId: "getProjectReach",
        tags: ["Analysis"],
        summary: "Can a packet from one address reach another on this port?",
        description:
          "Needs the permission view. Answers as the project's generated files would in a kernel: the destination's INPUT and, when the source restricts outgoing traffic, its OUTPUT; expired flows left out.",
        parameters: REACH_FIELDS.map((field) => ({
          name: field,
          in: "query",
          required: true,
          description: `${REACH_LABELS[field]}: ${FIELD_HELP[field].description}`,
          schema: FIELD_HELP[field].schema,
        })),
        responses: {
          200: {
            description: "Allowed or denied, with the communications that allow it or the nearest ones.",
            content: { "application/json": { schema: ref("schemas", "ReachAnswer") } },
          },
          401: ref("responses", "Unauthorized"),
          403: ref("responses", "Forbidden"),
          404: ref("responses", "NotFound"),
          422: ref("responses", "Unprocessable"),
        },
      },
    },
  };
}

export function reachSchemas(): Record<string, Json> {
  const chain = {
    type: "object",
    properties: {
      chain: { type: "string", enum: ["INPUT", "OUTPUT"] },
      entity: { type: "object", properties: { id: { type: "integer" }, name: { type: "string" } } },
      allowed: { type: "boolean" },
      allowedBy: { type: "array", items: { type: "object" }, description: "Enforced flows that accept the packet." },
      standing: { type: ["string", "null"], description: "The standing rule that accepts it, if any." },
      notEnforced: {
        type: "array",
        items: { type: "object" },
        description: "Matching flows that are expired or left out.",
      },
      nearest: {
        type: "array",
        items: { type: "object" },
        description: "When denied: the closest flows, same protocol.",
      },
    },
    required: ["chain", "entity", "allowed", "allowedBy", "nearest"],
  };
  return {
    ReachAnswer: {
      type: "object",
      properties: {
        verdict: { type: "string", enum: ["allowed", "denied"] },
        query: { type: "object" },
        sameHost: { type: "boolean" },
        destinations: { type: "array", items: chain },
        sourceEntities: { type: "array", items: { type: "object" } },
        sources: { type: "array", items: chain },
        unreadable: { type: "integer", minimum: 0 },
      },
      required: ["verdict", "query", "destinations", "sources"],
    },
  };
}
