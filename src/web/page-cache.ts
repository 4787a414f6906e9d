// Rendered pages kept until the data changes (docs/architecture.md, "Page
// cache"). The pages people read most (project, entity, the data lists)
// render 20–270 KB from thousands of rows; most requests ask again for a page
// whose data has not changed since. Each page is kept per user and URL under
// the data revision (src/data/history.ts: database triggers bump it on every
// write, by any process) and the day (flows expire by date), and is answered
// again while both are unchanged and the user's name and permissions are the
// same. The session's CSRF token is the one thing of the request a page
// holds: it is rendered as a marker and filled in on every answer.
//
// Only a route that says so keeps its page (`render`), and only for a GET by a
// logged-in user with no one-time message waiting, answered 200. `serve` runs
// before the routers: it reads the revision for every such GET (one prepared
// statement), so a route's data is always read after it and a page is never
// kept under a revision older than its data.
import { randomBytes } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Database } from "../data/engine.js";
import { dataRevision } from "../data/history.js";
import { todayUtc } from "../domain/expiry.js";

/** Where the CSRF token goes: unguessable, so no stored text can contain it. */
const MARKER = `csrf${randomBytes(16).toString("hex")}`;

interface Kept {
  /** The user's name and permissions when the page was rendered. */
  user: string;
  /** The page around each CSRF token. */
  parts: Buffer[];
  bytes: number;
  /** Epoch ms after which the page is rendered again even if nothing changed. */
  until: number;
}

/** The generation a request read before its route ran (none: the page is not kept). */
const GENERATION = Symbol("page generation");
type Locals = Record<typeof GENERATION, string | undefined>;

const userOf = (user: Express.User) =>
  `${user.id}:${user.username}:${user.isSuperuser}:${[...user.permissions].sort().join(",")}`;

const keyOf = (req: Request) => `${req.user?.id}\n${req.originalUrl}`;

function send(res: Response, parts: Buffer[], token: string): void {
  const chunks: Buffer[] = [];
  const filler = Buffer.from(token);
  parts.forEach((part, i) => {
    if (i > 0) chunks.push(filler);
    chunks.push(part);
  });
  const body = Buffer.concat(chunks);
  res.status(200);
  res.set("Content-Type", "text/html; charset=utf-8");
  res.set("Content-Length", String(body.length));
  res.end(body);
}

export interface PageCacheStats {
  pages: number;
  bytes: number;
  hits: number;
  misses: number;
}

export class PageCache {
  /** Least recently used first. */
  private readonly kept = new Map<string, Kept>();
  /** The revision and day the kept pages belong to. */
  private generation = "";
  private bytes = 0;
  private hits = 0;
  private misses = 0;

  /** `maxBytes` 0 keeps nothing. */
  constructor(
    private readonly db: Database,
    private readonly maxBytes: number,
  ) {}

  /** Answers a GET from the kept page when it is still current; notes the generation for `render` otherwise. */
  serve(): RequestHandler {
    return async (req: Request, res: Response, next: NextFunction) => {
      if (this.maxBytes === 0 || req.method !== "GET" || !req.user || req.session?.flash?.length) return next();
      const generation = `${await dataRevision(this.db)}@${todayUtc()}`;
      if (generation !== this.generation) this.clear(generation);
      (res.locals as Locals)[GENERATION] = generation;
      const key = keyOf(req);
      const hit = this.kept.get(key);
      if (!hit) return next();
      this.kept.delete(key);
      if (hit.user !== userOf(req.user) || hit.until <= Date.now()) {
        this.bytes -= hit.bytes;
        return next();
      }
      this.kept.set(key, hit);
      this.hits++;
      send(res, hit.parts, res.locals.csrfToken as string);
    };
  }

  /**
   * Renders `view` for this request and keeps it when the request may be kept
   * (see above), for at most `keepMs`: a route whose page also shows a state
   * outside the database (a diagram still being laid out: 0) says so.
   */
  async render(
    req: Request,
    res: Response,
    view: string,
    locals: Record<string, unknown>,
    keepMs = Number.POSITIVE_INFINITY,
  ): Promise<void> {
    const generation = (res.locals as Locals)[GENERATION];
    // The flash check again: a message may have been added since `serve`.
    if (keepMs <= 0 || generation === undefined || !req.user || req.session?.flash?.length || res.statusCode !== 200) {
      res.render(view, locals);
      return;
    }
    this.misses++;
    const token = res.locals.csrfToken as string;
    const html = await new Promise<string>((resolve, reject) =>
      res.render(view, { ...locals, csrfToken: MARKER }, (err, out) => (err ? reject(err) : resolve(out))),
    );
    const parts = html.split(MARKER).map((part) => Buffer.from(part));
    const bytes = parts.reduce((sum, part) => sum + part.length, 0);
    // A page rendered under an older generation than the cache's now is not kept.
    if (generation === this.generation && bytes <= this.maxBytes / 4)
      this.keep(keyOf(req), { user: userOf(req.user), parts, bytes, until: Date.now() + keepMs });
    send(res, parts, token);
  }

  stats(): PageCacheStats {
    return { pages: this.kept.size, bytes: this.bytes, hits: this.hits, misses: this.misses };
  }

  private keep(key: string, page: Kept): void {
    const old = this.kept.get(key);
    if (old) {
      this.kept.delete(key);
      this.bytes -= old.bytes;
    }
    this.kept.set(key, page);
    this.bytes += page.bytes;
    for (const [oldest, entry] of this.kept) {
      if (this.bytes <= this.maxBytes) break;
      this.kept.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  private clear(generation: string): void {
    this.kept.clear();
    this.bytes = 0;
    this.generation = generation;
  }
}
