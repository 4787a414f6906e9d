// The five routes every API resource has (docs/api.md, "Resources"), as NetBox
// lays them out: GET /api/v1/R (a page of a filtered list), POST /api/v1/R,
// GET, PATCH and DELETE /api/v1/R/:id. Permissions are the forms': `view` to
// read, and `add_X`, `change_X`, `delete_X` besides to write; they are checked
// before the object is looked up. A body is validated with the resource's
// schema (src/validation/api.ts); PATCH applies the fields sent to the object
// as it is and validates the whole, so a change passes exactly when the same
// object posted anew would.
import { type Request, type Response, Router } from "express";
import { z } from "zod";
import { type ApiObjects, type ApiResourceName, getApiObject, listApiObjects } from "../data/api-objects.js";
import type { Database } from "../data/engine.js";
import { RefusedChange, uniqueViolationFields } from "../data/errors.js";
import type { Resource } from "../domain/constants.js";
import { parseForm } from "../validation/common.js";
import { parseId } from "../web/http-errors.js";
import { apiPermission } from "./auth.js";
import { ApiError, apiNotFound, type FieldErrors, invalidFields } from "./errors.js";
import { type FilterName, listAnswer, readFilters, readPage } from "./pagination.js";

export const API_BASE = "/api/v1";

export interface ResourceSpec<R extends ApiResourceName, S extends z.ZodType> {
  /** The URL name, e.g. "projects". */
  name: R;
  /** The permission codes' resource, e.g. "project". */
  resource: Resource;
  /** The noun in messages, e.g. "project". */
  noun: string;
  /** The JSON body's schema (src/validation/api.ts). */
  body: S;
  filters: readonly FilterName[];
  create(db: Database, data: z.output<S>): Promise<number>;
  /** false when the object is gone. */
  update(db: Database, id: number, data: z.output<S>, current: ApiObjects[R]): Promise<boolean>;
  remove(db: Database, id: number): Promise<boolean>;
  /** Field messages for a violated unique constraint on these columns. */
  duplicate(columns: string[]): FieldErrors;
  /** Refusals that are a conflict with the stored data (409) rather than an invalid field (422). */
  conflicts?: (new (
    ...args: never[]
  ) => RefusedChange)[];
}

/** The body's field names, from its JSON Schema: the fields a body may have. */
export function bodyFields(schema: z.ZodType): string[] {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as { properties?: object };
  return Object.keys(json.properties ?? {});
}

export function resourceRouter<R extends ApiResourceName, S extends z.ZodType>(
  db: Database,
  spec: ResourceSpec<R, S>,
): Router {
  const router = Router();
  const list = `${API_BASE}/${spec.name}`;
  const one = `${list}/:id`;
  const fields = new Set(bodyFields(spec.body));

  const load = async (req: Request): Promise<ApiObjects[R]> => {
    const object = await getApiObject(db, spec.name, parseId(req.params.id, spec.noun));
    if (!object) throw apiNotFound(spec.noun);
    return object;
  };

  /** The body as the schema's input: a JSON object with known fields only (`id` is read-only and ignored). */
  const bodyOf = (req: Request): Record<string, unknown> => {
    if (!req.is("application/json")) {
      throw new ApiError(400, 'Send the body as JSON, with the header "Content-Type: application/json".');
    }
    const body: unknown = req.body;
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new ApiError(400, "The body must be a JSON object.");
    }
    const { id: _id, _csrf, ...rest } = body as Record<string, unknown>;
    const unknown = Object.keys(rest).filter((key) => !fields.has(key));
    if (unknown.length > 0) {
      throw invalidFields(
        Object.fromEntries(unknown.map((key) => [key, `Unknown field: a ${spec.noun} has no ${key}.`])),
      );
    }
    return rest;
  };

  const validate = (input: Record<string, unknown>): z.output<S> => {
    const parsed = parseForm(spec.body, input);
    if (!parsed.ok) throw invalidFields(parsed.errors);
    return parsed.data;
  };

  /** Runs a write; a duplicate is a 409, a refused change a 409 or 422, naming the field. */
  const write = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      const columns = uniqueViolationFields(error);
      if (columns !== null) {
        throw new ApiError(409, `This ${spec.noun} conflicts with an existing one.`, spec.duplicate(columns));
      }
      if (error instanceof RefusedChange) {
        const conflict = spec.conflicts?.some((type) => error instanceof type) ?? false;
        throw new ApiError(conflict ? 409 : 422, error.message, { [error.field]: error.message });
      }
      throw error;
    }
  };

  const answer = async (res: Response, status: number, id: number) => {
    const object = await getApiObject(db, spec.name, id);
    // Deleted between the write and this read: the write happened, the object is gone.
    if (!object) throw apiNotFound(spec.noun);
    res.status(status).json(object);
  };

  router.get(list, apiPermission("view"), async (req, res) => {
    const page = readPage(req);
    const filters = readFilters(req, spec.filters);
    const { count, results } = await listApiObjects(db, spec.name, filters, page);
    res.json(listAnswer(req, page, count, results));
  });

  router.post(list, apiPermission("view", `add_${spec.resource}`), async (req, res) => {
    const data = validate(bodyOf(req));
    const id = await write(() => spec.create(db, data));
    res.location(`${list}/${id}`);
    await answer(res, 201, id);
  });

  router.get(one, apiPermission("view"), async (req, res) => {
    res.json(await load(req));
  });

  router.patch(one, apiPermission("view", `change_${spec.resource}`), async (req, res) => {
    const body = bodyOf(req);
    const current = await load(req);
    const { id: _id, ...stored } = current as ApiObjects[R] & { id: number };
    const data = validate({ ...stored, ...body });
    if (!(await write(() => spec.update(db, current.id, data, current)))) throw apiNotFound(spec.noun);
    await answer(res, 200, current.id);
  });

  router.delete(one, apiPermission("view", `delete_${spec.resource}`), async (req, res) => {
    const id = parseId(req.params.id, spec.noun);
    if (!(await spec.remove(db, id))) throw apiNotFound(spec.noun);
    res.status(204).end();
  });

  return router;
}
