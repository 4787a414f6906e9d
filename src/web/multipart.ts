// A multipart/form-data reader for the JSON import page's file upload, without a
// new dependency: express.raw collects the body (bounded), then the parts are
// split on the boundary. Text fields and the uploaded files' contents become
// strings in req.body (UTF-8), so the CSRF check and the route read them as
// from any form. Anything unreadable is a 400, an oversized body a 413 page.
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response } from "express";
import { HttpError } from "./http-errors.js";

/** The fields of a multipart body: name → text (a file field holds the file's content). */
export type MultipartFields = Record<string, string>;

/** Splits a multipart body; null when it is not well-formed multipart for `boundary`. */
export function parseMultipart(body: Buffer, boundary: string, maxParts = 10): MultipartFields | null {
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: MultipartFields = {};
  let start = body.indexOf(delimiter);
  if (start !== 0) return null;
  let parts = 0;
  for (;;) {
    const after = start + delimiter.length;
    // `--` after the delimiter closes the body.
    if (body.subarray(after, after + 2).toString("latin1") === "--") return fields;
    if (body.subarray(after, after + 2).toString("latin1") !== "\r\n") return null;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), after);
    if (next < 0) return null;
    if (++parts > maxParts) return null;
    const part = body.subarray(after + 2, next);
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) return null;
    const headers = part.subarray(0, headerEnd).toString("utf8");
    const name = /^content-disposition:\s*form-data;(?:.*;)?\s*name="([^"]*)"/im.exec(headers)?.[1];
    if (name === undefined) return null;
    fields[name] = part.subarray(headerEnd + 4).toString("utf8");
    start = next + 2;
  }
}

/** Body readers for a multipart form of at most `limit` bytes, mounted before the app's form parser. */
export function multipartBody(limit: number, tooLarge: string) {
  return [
    express.raw({ type: "multipart/form-data", limit }),
    (req: Request, _res: Response, next: NextFunction) => {
      if (!Buffer.isBuffer(req.body)) return next();
      const boundary = /boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(req.headers["content-type"] ?? "");
      const fields = boundary ? parseMultipart(req.body, boundary[1] ?? boundary[2] ?? "") : null;
      if (fields === null)
        return next(new HttpError(400, "The uploaded form could not be read. Choose the file again and send it."));
      req.body = fields;
      next();
    },
    ((err, _req, _res, next) => {
      next(err?.status === 413 ? new HttpError(413, tooLarge) : err);
    }) satisfies ErrorRequestHandler,
  ];
}
