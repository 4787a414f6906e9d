// The `load` middleware of every resource (STYLE.md): fetches the object named
// in the URL once for all of its routes, or ends in the 404 page.
import type { RequestParamHandler } from "express";
import { notFound, parseId } from "./http-errors.js";

/** A `router.param` handler putting the row in `res.locals[key]`; `what` names it in the 404 page. */
export function load<T>(what: string, key: string, get: (id: number) => Promise<T | null>): RequestParamHandler {
  return async (_req, res, next, value) => {
    const row = await get(parseId(value, what));
    if (!row) throw notFound(what);
    res.locals[key] = row;
    next();
  };
}
