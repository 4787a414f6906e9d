// Names the actor of every write a web or API request makes (docs/usage.md
// "Change history"): the logged-in user, or the API token's user. The name is
// read when each write starts, so the API's token authentication, which runs
// after this middleware, counts.
import type { NextFunction, Request, Response } from "express";
import { withActor } from "../data/actor.js";

/** A request that changes data without a user is refused before it writes; the name only shows if that breaks. */
const NO_USER = "anonymous";

export function requestActor(req: Request, _res: Response, next: NextFunction): void {
  withActor(() => req.user?.username ?? NO_USER, next);
}
