// "Save and add another" and the Filter button of long selects (issue 13,
// docs/usage.md "Forms"): what an add form's POST asked for besides saving.
import type { Request } from "express";

/** The form was sent with **Save and add another** (`then=another`). */
export function wantsAnother(req: Request): boolean {
  return (req.body as Record<string, unknown> | undefined)?.then === "another";
}

/** The form was sent with a select's **Filter** button: show it again narrowed, save nothing. */
export function filterOnly(req: Request): boolean {
  return (req.body as Record<string, unknown> | undefined)?.filter_only !== undefined;
}

/** `path?a=1&b=2` from the given parameters, leaving out empty ones. */
export function withQuery(path: string, params: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
