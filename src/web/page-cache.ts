// Rendered pages kept until the data changes (docs/architecture.md, "Page
// cache"). The pages people read most (project, entity, the data lists)
// render 20–270 KB from thousands of rows; most requests ask again for a page
// whose data has not changed since. Each page is kept per session and URL
// under the data revision (src/data/history.ts: database triggers bump it on
// every write, by any process) and the day (flows expire by date), and is
// answered again while both are unchanged and the user's name, permissions
// and CSRF token are the same. A page is only ever answered to the session it
// was rendered for: it holds that session's CSRF token.
//
// Kept pages are also kept gzipped (compressed once, off the event loop) and
// answered so to a browser that accepts it (they all do): a 270 KB page is
// some 25 KB on the wire, which matters on a customer site's link.
//
// Only a route that says so keeps its page (`render`), and only for a GET by a
// logged-in user with no one-time message waiting, answered 200. `serve` runs
// before the routers: it reads the revision for every such GET (one prepared
// statement), so a route's data is always read after it and a page is never
// kept under a revision older than its data.
import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Database } from "../data/engine.js";
import { dataRevision } from "../data/history.js";
import type { CurrentUser } from "../data/users.js";
import { todayUtc } from "../domain/expiry.js";
import type { QuietSession } from "./sessions.js";

const gzip = promisify(gzipCallback);

interface Kept {
  /** The user's name, permissions and CSRF token when the page was rendered. */
  user: string;
  html: Buffer;
  gzipped: Buffer;
  bytes: number;
  /** Epoch ms after which the page is rendered again even if nothing changed. */
  until: number;
}

/** The generation a request read before its route ran (none: the page is not kept). */
const GENERATION = Symbol("page generation");
type Locals = Record<typeof GENERATION, string | undefined>;

/** Who a page was rendered for: the user's name and permissions, and the session's CSRF token. */
const signatureOf = (user: Express.User, csrfToken: unknown) =>
  `${user.id}:${user.username}:${user.isSuperuser}:${[...user.permissions].sort().join(",")}:${csrfToken}`;

const userOf = (req: Request, res: Response) => signatureOf(req.user as Express.User, res.locals.csrfToken);

const keyOf = (req: Request) => `${req.sessionID}\n${req.originalUrl}`;

function send(req: Request, res: Response, page: Pick<Kept, "html" | "gzipped">): void {
  const zipped = req.acceptsEncodings("gzip", "identity") === "gzip";
  const body = zipped ? page.gzipped : page.html;
  res.status(200);
  res.set("Content-Type", "text/html; charset=utf-8");
  res.vary("Accept-Encoding");
  if (zipped) res.set("Content-Encoding", "gzip");
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

  /**
   * The same answer before the session, log-in and router middleware run,
   * for a request that would pass through them unchanged: a kept page of a
   * quiet session (src/web/sessions.ts: valid signed cookie, logged in, no
   * message waiting, no idle refresh due) whose user is active and has the
   * same name, permissions and CSRF token. Those layers were most of a kept
   * page's cost. Anything else goes on to them (and to `serve`).
   */
  early(
    quietSession: (req: Request) => Promise<QuietSession | undefined>,
    currentUser: (id: number) => Promise<CurrentUser | null>,
  ): RequestHandler {
    return async (req: Request, res: Response, next: NextFunction) => {
      if (this.kept.size === 0 || req.method !== "GET") return next();
      const session = await quietSession(req);
      if (!session) return next();
      const key = `${session.sid}\n${req.originalUrl}`;
      const hit = this.kept.get(key);
      if (!hit || hit.until <= Date.now()) return next();
      if (`${await dataRevision(this.db)}@${todayUtc()}` !== this.generation) return next();
      const user = await currentUser(session.userId);
      if (!user?.isActive || hit.user !== signatureOf(user, session.csrfToken)) return next();
      this.kept.delete(key);
      this.kept.set(key, hit);
      this.hits++;
      // What the layers skipped would have added (src/web/auth.ts).
      res.set("Cache-Control", "no-store");
      send(req, res, hit);
    };
  }

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
      if (hit.user !== userOf(req, res) || hit.until <= Date.now()) {
        this.bytes -= hit.bytes;
        return next();
      }
      this.kept.set(key, hit);
      this.hits++;
      send(req, res, hit);
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
    const html = Buffer.from(
      await new Promise<string>((resolve, reject) =>
        res.render(view, locals, (err, out) => (err ? reject(err) : resolve(out))),
      ),
    );
    const page = { html, gzipped: await gzip(html) };
    const bytes = html.length + page.gzipped.length;
    // A page rendered under an older generation than the cache's now is not kept.
    if (generation === this.generation && bytes <= this.maxBytes / 4)
      this.keep(keyOf(req), { ...page, user: userOf(req, res), bytes, until: Date.now() + keepMs });
    send(req, res, page);
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
