// The render cache (docs/architecture.md, Diagram rendering): SVGs keyed by the
// SHA-256 of their DOT, which is also their ETag, in an LRU bounded by entry
// count and by bytes; and a shorter memory of DOT texts that hit the time
// limit, so reloading a page that timed out does not wait for Graphviz again.
import { createHash } from "node:crypto";

/** Bump when the SVG for a given DOT may change (Graphviz upgrade, post-processing), to invalidate ETags. */
const RENDER_VERSION = "conntrackt-diagram-1";

/** The cache key of `dot`: hex SHA-256 over the render version and the DOT text. */
export function dotHash(dot: string): string {
  return createHash("sha256").update(RENDER_VERSION).update("\0").update(dot).digest("hex");
}

/** The quoted strong ETag of the SVG `DiagramRenderer.render` gives for `dot`, without rendering. */
export function diagramEtag(dot: string): string {
  return etagOf(dotHash(dot));
}

export function etagOf(hash: string): string {
  return `"${hash}"`;
}

/** LRU of SVG texts. Map keeps insertion order; a hit moves the entry to the end. */
export class SvgCache {
  private readonly entries = new Map<string, { svg: string; bytes: number }>();
  private bytes = 0;

  /** `maxEntries` SVGs and `maxBytes` UTF-8 bytes at most; a larger SVG is not kept. */
  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  /** Whether `hash` is cached, without making it the most recent. */
  has(hash: string): boolean {
    return this.entries.has(hash);
  }

  get(hash: string): string | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    this.entries.delete(hash);
    this.entries.set(hash, entry);
    return entry.svg;
  }

  set(hash: string, svg: string): void {
    const bytes = Buffer.byteLength(svg);
    if (this.maxEntries === 0 || bytes > this.maxBytes) return;
    const previous = this.entries.get(hash);
    if (previous) {
      this.entries.delete(hash);
      this.bytes -= previous.bytes;
    }
    this.entries.set(hash, { svg, bytes });
    this.bytes += bytes;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const [oldest, entry] = this.entries.entries().next().value as [string, { bytes: number }];
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }
}

/** DOT hashes that timed out, each until a deadline; the oldest are forgotten past `capacity`. */
export class TimeoutMemory {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly durationMs: number,
    private readonly capacity = 256,
  ) {}

  remember(hash: string, now = Date.now()): void {
    this.until.delete(hash);
    this.until.set(hash, now + this.durationMs);
    while (this.until.size > this.capacity) this.until.delete(this.until.keys().next().value as string);
  }

  /** True while `hash` is remembered; an expired memory is dropped, so the DOT is laid out afresh. */
  has(hash: string, now = Date.now()): boolean {
    const deadline = this.until.get(hash);
    if (deadline === undefined) return false;
    if (deadline > now) return true;
    this.until.delete(hash);
    return false;
  }
}
