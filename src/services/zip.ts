// A streaming ZIP writer for the rule archives (docs/rules.md): each entry is
// deflated at once, in the calling thread, and written with its sizes in the
// local header; writes are gathered into chunks of WRITE_CHUNK bytes and wait
// for the output to drain. Only the central directory (about 60 bytes an
// entry) stays in memory until the end.
//
// Why not archiver: it deflates every entry through a zlib stream on the
// thread pool and writes many small pieces, so for the huge preset's 4,000
// small files the server spent most of the archive's time waiting for the pool
// and in socket writes (bench/zip.ts, docs/benchmarks.md).
//
// Format (APPNOTE 6.3.x): local header, data, …, central directory, end of
// central directory; ZIP64 end records when there are more than 65,535
// entries or the directory lies past 4 GiB, and a ZIP64 extra field for an
// entry whose local header does. Entries carry a fixed date (2000-01-01
// 00:00), Unix mode 0644, names in UTF-8 (flag bit 11), method deflate, or
// stored when deflating would not make the entry smaller. No data descriptors,
// encryption or comments.
import type { Writable } from "node:stream";
import { crc32, deflateRawSync } from "node:zlib";

/** Bytes gathered before one write to the output. */
export const WRITE_CHUNK = 64 * 1024;

const DOS_TIME = 0;
const DOS_DATE = ((2000 - 1980) << 9) | (1 << 5) | 1;
const UTF8_NAMES = 0x0800;
const UNIX_MODE = (0o100644 << 16) >>> 0;
const MADE_BY_UNIX = (3 << 8) | 45;
const MAX16 = 0xffff;
const MAX32 = 0xffffffff;

/** What the central directory keeps of an entry. */
interface Written {
  name: Buffer;
  crc: number;
  method: number;
  compressed: number;
  size: number;
  offset: number;
}

/** Why writing stopped: the output closed before the archive was complete (the client went away). */
export class OutputClosed extends Error {
  constructor() {
    super("the output closed before the archive was complete");
  }
}

export class ZipWriter {
  readonly #out: Writable;
  readonly #level: number;
  readonly #entries: Written[] = [];
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #offset = 0;
  #closed = false;
  #failure: unknown = null;

  /** Writes to `out` (never ended on failure: the caller decides); `level` is zlib's 0–9. */
  constructor(out: Writable, level = 6) {
    this.#out = out;
    this.#level = level;
    out.on("close", () => {
      this.#closed = true;
    });
    out.on("error", (error) => {
      this.#failure ??= error;
    });
  }

  /** Whether the output went away before the archive was complete. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Adds one file; resolves once it is handed to the output, or when the output must drain first. */
  async add(name: string, data: string | Buffer): Promise<void> {
    const raw = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    const deflated = deflateRawSync(raw, { level: this.#level });
    const stored = deflated.length >= raw.length;
    const body = stored ? raw : deflated;
    const entry: Written = {
      name: Buffer.from(name, "utf8"),
      crc: crc32(raw),
      method: stored ? 0 : 8,
      compressed: body.length,
      size: raw.length,
      offset: this.#offset,
    };
    if (entry.size > MAX32 || entry.compressed > MAX32) throw new RangeError(`ZIP entry ${name} is 4 GiB or more`);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(UTF8_NAMES, 6);
    header.writeUInt16LE(entry.method, 8);
    header.writeUInt16LE(DOS_TIME, 10);
    header.writeUInt16LE(DOS_DATE, 12);
    header.writeUInt32LE(entry.crc, 14);
    header.writeUInt32LE(entry.compressed, 18);
    header.writeUInt32LE(entry.size, 22);
    header.writeUInt16LE(entry.name.length, 26);
    header.writeUInt16LE(0, 28);
    this.#entries.push(entry);
    await this.#push([header, entry.name, body]);
  }

  /** Writes the central directory and ends the output; resolves when the output has finished. */
  async finish(): Promise<void> {
    const start = this.#offset;
    const records: Buffer[] = [];
    for (const entry of this.#entries) records.push(...centralRecord(entry));
    const size = records.reduce((total, b) => total + b.length, 0);
    records.push(...endRecords(this.#entries.length, size, start));
    await this.#push(records, true);
    if (this.#closed) throw new OutputClosed();
    await new Promise<void>((resolve, reject) => {
      this.#out.end((error?: Error | null) => (error ? reject(error) : resolve()));
    });
  }

  /** Queues buffers; writes once WRITE_CHUNK bytes are gathered (or `flush`), then waits for a drain if needed. */
  async #push(buffers: Buffer[], flush = false): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.#closed) throw new OutputClosed();
    for (const b of buffers) {
      this.#pending.push(b);
      this.#pendingBytes += b.length;
      this.#offset += b.length;
    }
    if (!flush && this.#pendingBytes < WRITE_CHUNK) return;
    const chunk = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    if (!this.#out.write(chunk)) await this.#drained();
    if (this.#failure) throw this.#failure;
  }

  /** Resolves when the output drains, or closes (then `add` stops with OutputClosed); rejects on its error. */
  #drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error?: unknown) => {
        this.#out.off("drain", onDrain);
        this.#out.off("close", onDrain);
        this.#out.off("error", done);
        if (error) reject(error);
        else resolve();
      };
      const onDrain = () => done();
      if (this.#closed) return resolve();
      this.#out.on("drain", onDrain);
      this.#out.on("close", onDrain);
      this.#out.on("error", done);
    });
  }
}

/** The central directory record of an entry, with a ZIP64 extra field when its offset needs one. */
function centralRecord(entry: Written): Buffer[] {
  const zip64 = entry.offset >= MAX32;
  const extra = zip64 ? Buffer.alloc(12) : Buffer.alloc(0);
  if (zip64) {
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(8, 2);
    extra.writeBigUInt64LE(BigInt(entry.offset), 4);
  }
  const record = Buffer.alloc(46);
  record.writeUInt32LE(0x02014b50, 0);
  record.writeUInt16LE(MADE_BY_UNIX, 4);
  record.writeUInt16LE(zip64 ? 45 : 20, 6);
  record.writeUInt16LE(UTF8_NAMES, 8);
  record.writeUInt16LE(entry.method, 10);
  record.writeUInt16LE(DOS_TIME, 12);
  record.writeUInt16LE(DOS_DATE, 14);
  record.writeUInt32LE(entry.crc, 16);
  record.writeUInt32LE(entry.compressed, 20);
  record.writeUInt32LE(entry.size, 24);
  record.writeUInt16LE(entry.name.length, 28);
  record.writeUInt16LE(extra.length, 30);
  record.writeUInt16LE(0, 32);
  record.writeUInt16LE(0, 34);
  record.writeUInt16LE(0, 36);
  record.writeUInt32LE(UNIX_MODE, 38);
  record.writeUInt32LE(zip64 ? MAX32 : entry.offset, 42);
  return [record, entry.name, extra];
}

/** The end of central directory record, after the ZIP64 end record and locator when they are needed. */
function endRecords(count: number, size: number, start: number): Buffer[] {
  const zip64 = count > MAX16 || size >= MAX32 || start >= MAX32;
  const out: Buffer[] = [];
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(MADE_BY_UNIX, 12);
    record.writeUInt16LE(45, 14);
    record.writeUInt32LE(0, 16);
    record.writeUInt32LE(0, 20);
    record.writeBigUInt64LE(BigInt(count), 24);
    record.writeBigUInt64LE(BigInt(count), 32);
    record.writeBigUInt64LE(BigInt(size), 40);
    record.writeBigUInt64LE(BigInt(start), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeUInt32LE(0, 4);
    locator.writeBigUInt64LE(BigInt(start + size), 8);
    locator.writeUInt32LE(1, 16);
    out.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(zip64 ? MAX16 : count, 8);
  end.writeUInt16LE(zip64 ? MAX16 : count, 10);
  end.writeUInt32LE(zip64 ? MAX32 : size, 12);
  end.writeUInt32LE(zip64 ? MAX32 : start, 16);
  end.writeUInt16LE(0, 20);
  out.push(end);
  return out;
}
