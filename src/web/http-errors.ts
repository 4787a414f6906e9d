// Errors a route throws to end in a 404 or 403 page in the site layout.
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what = "page") => new HttpError(404, `This ${what} does not exist.`);
export const forbidden = () => new HttpError(403, "You do not have permission to do this.");
export const badRequest = (message: string) => new HttpError(400, message);

/** Parses a URL id; anything but a positive integer is a 404. */
export function parseId(value: unknown, what: string): number {
  if (typeof value !== "string" || !/^[1-9][0-9]{0,9}$/.test(value)) throw notFound(what);
  const n = Number(value);
  if (n > 2_147_483_647) throw notFound(what);
  return n;
}
