// One-time messages shown on the next page (docs/usage.md).
import type { NextFunction, Request, Response } from "express";
import type { Flash } from "./types.js";

export function flash(req: Request, type: Flash["type"], message: string): void {
  // Kept short: a client that never follows redirects must not grow its session.
  req.session.flash = [...(req.session.flash ?? []), { type, message }].slice(-5);
}

/** Makes `flashes` available to templates; reading them consumes them. */
export function flashMessages(req: Request, res: Response, next: NextFunction): void {
  Object.defineProperty(res.locals, "flashes", {
    get: () => {
      const list = req.session?.flash ?? [];
      if (req.session?.flash) delete req.session.flash;
      return list;
    },
    enumerable: true,
  });
  next();
}
