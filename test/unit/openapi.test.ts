// GET /api/v1/openapi.json (docs/api.md): a valid OpenAPI 3.1 document for a
// standard validator, listing every route the API router declares and no
// other, with request bodies generated from the zod schemas the API validates
// with (src/validation/api.ts), not written by hand.
import { Validator } from "@seriousme/openapi-schema-validator";
import type { Router } from "express";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { apiRouter } from "../../src/api/index.js";
import { openApiDocument } from "../../src/api/openapi.js";
import { createLogger } from "../../src/logger.js";
import { communicationBody, entityBody } from "../../src/validation/api.js";
import type { AppDeps } from "../../src/web/deps.js";
import { testConfig } from "../support/app.js";

// biome-ignore lint/suspicious/noExplicitAny: a JSON document, read freely by the assertions
type Json = Record<string, any>;
const doc = openApiDocument() as Json;

/** "get /api/v1/projects/{id}" for every route of the router, walking mounted routers. */
function routesOf(router: Router): string[] {
  const found: string[] = [];
  const walk = (stack: Router["stack"]) => {
    for (const layer of stack) {
      const route = layer.route as { path: string; methods: Record<string, boolean> } | undefined;
      if (route) {
        const path = route.path.replace(/:(\w+)/g, "{$1}");
        for (const method of Object.keys(route.methods)) found.push(`${method} ${path}`);
      }
      const inner = (layer.handle as { stack?: Router["stack"] }).stack;
      if (inner) walk(inner);
    }
  };
  walk(router.stack);
  return found;
}

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1 for @seriousme/openapi-schema-validator", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    // Every $ref points somewhere.
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it("lists exactly the routes the API router declares", () => {
    const deps = { db: {}, config: testConfig(), logger: createLogger("silent") } as unknown as AppDeps;
    const declared = [...new Set(routesOf(apiRouter(deps)))].sort();
    const documented = Object.entries(doc.paths as Json)
      .flatMap(([path, item]) =>
        Object.keys(item as Json)
          .filter((key) => ["get", "post", "patch", "delete", "put"].includes(key))
          .map((method) => `${method} ${path}`),
      )
      .sort();
    expect(documented).toEqual(declared);
    expect(declared).toContain("get /api/v1/entities/{id}/rules/nftables");
    expect(declared).toContain("get /api/v1/projects/{id}/rules.zip");
  });

  it("gives every operation a unique operationId and every error its JSON shape", () => {
    const operations = Object.values(doc.paths as Json).flatMap((item) =>
      Object.entries(item as Json)
        .filter(([key]) => key !== "parameters")
        .map(([, op]) => op as Json),
    );
    const ids = operations.map((op) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.components.schemas.Error.required).toEqual(["error"]);
    expect(Object.keys(doc.components.responses).sort()).toEqual(
      ["BadRequest", "Conflict", "Forbidden", "NotFound", "Unauthorized", "Unprocessable"].sort(),
    );
  });

  it("takes the request bodies from the API's zod schemas", () => {
    const generated = (schema: z.ZodType) => {
      const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12", io: "input" }) as Json;
      return rest;
    };
    expect(doc.components.schemas.CommunicationInput).toEqual(generated(communicationBody));
    expect(doc.components.schemas.EntityInput).toEqual(generated(entityBody));
    expect(doc.components.schemas.CommunicationInput.required).toEqual(["source", "destination", "protocol", "port"]);
    expect(doc.components.schemas.CommunicationInput.properties.expires).toEqual({ type: ["null", "string"] });
    expect(doc.components.schemas.EntityInput.properties.project).toMatchObject({ type: "integer", minimum: 1 });
    // A change sends any subset of the fields.
    expect(doc.components.schemas.CommunicationPatch.required).toBeUndefined();
    // An answer has every field and its id.
    expect(doc.components.schemas.Interface.required).toEqual([
      "id",
      "name",
      "description",
      "entity",
      "address",
      "netmask",
    ]);
  });
});
