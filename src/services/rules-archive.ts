// Streams the firewall files of many entities as a ZIP archive (docs/rules.md):
// the iptables archive holds `SLUG-iptables.conf` and `SLUG-ip6tables.conf`
// per entity, the nftables archive `SLUG.nft`. Entries are generated one at a
// time as the archive drains, from a source that may read its entities lazily
// (src/data/rules.ts reads flows a batch of entities at a time), so memory
// stays flat however large the project.
//
// Every failure settles the returned promise exactly once and stops the
// archive: an entry whose rules cannot be generated (the generator throws a
// RangeError on invalid data) or a source that fails (the database) would
// otherwise throw out of archiver's `entry` event, where nothing catches it
// and the process ends, and `finalize()` rejects a promise of its own that
// nobody awaited.
import { Transform, type TransformCallback, type Writable } from "node:stream";
import { ZipArchive } from "archiver";
import {
  ARCHIVE_FILE_KINDS,
  type ArchiveFormat,
  entityStems,
  type NamedRecord,
  RULES_FILE_SUFFIX,
  type RulesFileKind,
} from "../domain/archive-names.js";
import { type CheckedInput, checkFirewallInput } from "../domain/firewall.js";
import { xtablesText } from "../domain/firewall-xtables.js";
import { nftablesText } from "../domain/nftables.js";
import type { EntityRulesInput } from "../domain/types.js";

export interface ArchiveEntity {
  id: number;
  name: string;
  input: EntityRulesInput;
}

/** What an archive or a folder of files is written from: every entity's name first, the inputs as they come. */
export interface RulesSource {
  /** Every entity that `inputs()` will give, so names are known before any input is read. */
  entities: readonly NamedRecord[];
  inputs(): AsyncIterable<ArchiveEntity> | Iterable<ArchiveEntity>;
}

/** A source over entities already loaded. */
export function rulesSource(entities: readonly ArchiveEntity[]): RulesSource {
  return { entities, inputs: () => entities };
}

const asSource = (source: RulesSource | readonly ArchiveEntity[]): RulesSource =>
  Array.isArray(source) ? rulesSource(source) : (source as RulesSource);

/**
 * Each file from the checked input (src/domain/firewall.ts), as
 * generateEntityRules, generateEntityIp6Rules and generateEntityNftRules write
 * it: an entity's files in the iptables archive share one check.
 */
const GENERATORS: Record<RulesFileKind, (checked: CheckedInput) => string> = {
  iptables: (checked) => xtablesText(checked, "ipv4"),
  ip6tables: (checked) => xtablesText(checked, "ipv6"),
  nftables: nftablesText,
};

/** Runs `make`; a generator error (invalid data) names the entity, so the log says which one to fix (docs/rules.md). */
function ofEntity<T>(entity: ArchiveEntity, make: () => T): T {
  try {
    return make();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RangeError(`rules of entity ${JSON.stringify(entity.name)} (id ${entity.id}): ${reason}`, {
      cause: error,
    });
  }
}

/** One file of an entity; an error names the entity, as ofEntity. */
export function entityFileText(entity: ArchiveEntity, kind: RulesFileKind): string {
  return ofEntity(entity, () => GENERATORS[kind](checkFirewallInput(entity.input)));
}

/** The iptables-restore (IPv4) file of an entity, as entityFileText. */
export function entityRulesText(entity: ArchiveEntity): string {
  return entityFileText(entity, "iptables");
}

/** A named file of an entity. */
export interface EntityFileEntry {
  name: string;
  text: string;
}

/**
 * Names each entity's files (the stems of src/domain/archive-names.ts) and
 * turns an entity into its files of `kinds`, in that order.
 */
export function entityFileWriter(
  entities: readonly NamedRecord[],
  kinds: readonly RulesFileKind[],
): (entity: ArchiveEntity) => EntityFileEntry[] {
  const stems = entityStems(entities);
  return (entity) => {
    const stem = stems.get(entity.id);
    if (stem === undefined) throw new RangeError(`entity ${entity.id} was not named before its rules were read`);
    return ofEntity(entity, () => {
      const checked = checkFirewallInput(entity.input);
      return kinds.map((kind) => ({ name: `${stem}${RULES_FILE_SUFFIX[kind]}`, text: GENERATORS[kind](checked) }));
    });
  };
}

/**
 * Entries are stored, not deflated (zlib level 0, which archiver writes as
 * the STORED method). archiver deflates each entry in a zlib stream of its
 * own, a few round trips to the thread pool per entry: for the huge preset's
 * 4,000 small files that was three quarters of the archive's time
 * (docs/benchmarks.md, Project ZIP). A stored entry is written at once with
 * its CRC; the ZIP is as valid, and about 2.3 times the size (5.0 MB instead
 * of 2.2 MB for the huge preset's iptables archive).
 */
const ZLIB = { level: 0 };

/** Files queued in the archive ahead of the one it is writing. */
const LOOKAHEAD = 4;

/** Most bytes joined into one chunk of the archive (ChunkJoiner). */
const JOINED_CHUNK = 64 * 1024;

/**
 * Joins what archiver writes in one turn of the event loop (or up to
 * JOINED_CHUNK bytes) into one chunk: it writes each entry's headers field by
 * field, a few bytes a write, and each write sent to a response would be a
 * chunked-encoding frame and a socket write of its own (tens per entry).
 * What is written is passed on by the next turn, so a cut archive still
 * holds the entries written before the cut.
 */
class ChunkJoiner extends Transform {
  #parts: Buffer[] = [];
  #size = 0;
  #timer: NodeJS.Immediate | undefined;

  /** @param moved called whenever archive bytes reach the joiner (room may have been made upstream). */
  constructor(private readonly moved: () => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.moved();
    this.#parts.push(chunk);
    this.#size += chunk.length;
    if (this.#size >= JOINED_CHUNK) this.#send();
    else this.#timer ??= setImmediate(() => this.#send());
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.#send();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearImmediate(this.#timer);
    callback(error);
  }

  #send(): void {
    clearImmediate(this.#timer);
    this.#timer = undefined;
    if (this.#size === 0) return;
    this.push(this.#parts.length === 1 ? this.#parts[0] : Buffer.concat(this.#parts, this.#size));
    this.#parts = [];
    this.#size = 0;
  }
}

/** An iterator over sync or async iterables alike. */
function iteratorOf<T>(items: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> | Iterator<T> {
  return Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
}

/**
 * Writes the archive of `format` to `out`; resolves when it is complete (or
 * `out` closed early: the client went away), rejects on error. On a rejection
 * the archive is unpiped and stopped, and `out` is left open and unended for
 * the caller to destroy or answer on: ending it would make a cut archive look
 * complete. Once settled, the source is read no further.
 */
export function streamRulesArchive(
  entities: RulesSource | readonly ArchiveEntity[],
  out: Writable,
  format: ArchiveFormat = "iptables",
): Promise<void> {
  return new Promise((resolve, reject) => {
    const source = asSource(entities);
    const archive = new ZipArchive({ zlib: ZLIB });
    // Tries to append more once bytes have moved on (at most once a turn).
    let kicked = false;
    const kick = () => {
      if (kicked) return;
      kicked = true;
      setImmediate(() => {
        kicked = false;
        void fill(LOOKAHEAD);
      });
    };
    const joiner = new ChunkJoiner(kick);
    /**
     * Whether the pipeline has room for another entry. Stored entries are
     * written at once, whether or not the client reads, so the archive is
     * given no more while the response, the joiner or archiver hold a full
     * buffer (each of them drains into the next: then kick tries again).
     */
    const room = () =>
      !out.writableNeedDrain &&
      !joiner.writableNeedDrain &&
      !archive.writableNeedDrain &&
      archive.readableLength < archive.readableHighWaterMark;
    const date = new Date("2000-01-01T00:00:00Z");
    let settled = false;
    let iterator: AsyncIterator<ArchiveEntity> | Iterator<ArchiveEntity> | undefined;
    const release = () => {
      // Lets a lazy source (a database reader) end now rather than at its next batch.
      Promise.resolve(iterator?.return?.()).catch(() => undefined);
    };
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      joiner.unpipe(out);
      archive.abort();
      release();
      reject(error);
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      release();
      resolve();
    };
    let filesOf: (entity: ArchiveEntity) => EntityFileEntry[];
    try {
      filesOf = entityFileWriter(source.entities, ARCHIVE_FILE_KINDS[format]);
      iterator = iteratorOf(source.inputs());
    } catch (error) {
      reject(error);
      return;
    }
    const reader = iterator;
    const pending: EntityFileEntry[] = [];
    let queued = 0;
    let filling = false;
    let ended = false;
    /**
     * Appends files until `ahead` are queued in the archive (and while the
     * pipeline has room), reading the next entity when the last one's files
     * are all in.
     */
    const fill = async (ahead: number) => {
      if (filling) return;
      filling = true;
      try {
        while (!settled && !ended && queued < ahead && room()) {
          if (pending.length === 0) {
            const step = await reader.next();
            if (settled) return;
            if (step.done) {
              ended = true;
              archive.finalize().catch(fail);
              return;
            }
            pending.push(...filesOf(step.value));
          }
          const entry = pending.shift() as EntityFileEntry;
          queued++;
          archive.append(entry.text, { name: entry.name, date, mode: 0o644 });
        }
      } catch (error) {
        fail(error);
      } finally {
        filling = false;
      }
    };
    archive.on("entry", () => {
      queued--;
      void fill(LOOKAHEAD);
    });
    archive.on("error", fail);
    joiner.on("error", fail);
    archive.on("warning", fail);
    out.on("error", fail);
    out.on("drain", kick);
    out.on("finish", finish);
    out.on("close", () => {
      // The client went away mid-archive: stop generating entries nobody will read.
      if (!settled) archive.abort();
      finish();
    });
    // The first entry is generated before anything is piped: if it fails,
    // nothing has been sent and the caller can still answer with an error page.
    void fill(1).then(() => {
      if (settled) return;
      archive.pipe(joiner).pipe(out);
      void fill(LOOKAHEAD);
    });
  });
}
