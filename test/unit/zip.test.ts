// The ZIP writer of the rule archives (src/services/zip.ts): what a reader
// finds in it (fflate here; Info-ZIP and Python in
// test/integration/zip-readers.test.ts), the fixed date and mode in every
// record, stored entries when deflating does not help, ZIP64 end records past
// 65,535 entries, gathered writes that wait for the output to drain, and the
// same bytes for the same entries.
import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { OutputClosed, WRITE_CHUNK, ZipWriter } from "../../src/services/zip.js";

/** A sink that records each write's size; `slow` answers every write on a later turn, with a small buffer. */
function sink(slow = false) {
  const writes: number[] = [];
  const chunks: Buffer[] = [];
  const out = new Writable({
    highWaterMark: slow ? 1024 : 16 * 1024,
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk.length);
      chunks.push(chunk);
      if (slow) setTimeout(done, 1);
      else done();
    },
  });
  return { out, writes, bytes: () => Buffer.concat(chunks) };
}

async function zipOf(entries: [string, string][], out = sink()): Promise<Buffer> {
  const zip = new ZipWriter(out.out);
  for (const [name, text] of entries) await zip.add(name, text);
  await zip.finish();
  return out.bytes();
}

/** The central directory records: name, method, DOS time and date, external attributes, offset. */
function centralDirectory(zip: Buffer) {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = zip.readUInt32LE(end + 16);
  const count = zip.readUInt16LE(end + 10);
  const records = [];
  for (let i = 0; i < count && at !== 0xffffffff; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    records.push({
      name: zip.toString("utf8", at + 46, at + 46 + nameLength),
      flags: zip.readUInt16LE(at + 8),
      method: zip.readUInt16LE(at + 10),
      time: zip.readUInt16LE(at + 12),
      date: zip.readUInt16LE(at + 14),
      attributes: zip.readUInt32LE(at + 38),
      offset: zip.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + extraLength;
  }
  return { count, records };
}

describe("ZipWriter", () => {
  const rules = "# Conntrackt rules\n*filter\n".repeat(50);
  const entries: [string, string][] = [
    ["web-iptables.conf", rules],
    ["web-ip6tables.conf", `${rules}-A INPUT -p ipv6-icmp -j ACCEPT\n`],
    ["tiny.nft", "x"],
    ["empty.nft", ""],
    ["zürich.nft", "ünïcödé\n"],
  ];

  it("holds every entry with its bytes, in order, as a ZIP reader sees them", async () => {
    const files = unzipSync(new Uint8Array(await zipOf(entries)));
    expect(Object.keys(files)).toEqual(entries.map(([name]) => name));
    for (const [name, text] of entries) expect(strFromU8(files[name] as Uint8Array)).toBe(text);
  });

  it("dates every entry 2000-01-01 00:00, mode 0644, UTF-8 names; stores what deflate cannot shrink", async () => {
    const { count, records } = centralDirectory(await zipOf(entries));
    expect(count).toBe(entries.length);
    for (const record of records) {
      expect(record.date).toBe(((2000 - 1980) << 9) | (1 << 5) | 1);
      expect(record.time).toBe(0);
      expect(record.attributes >>> 16).toBe(0o100644);
      expect(record.flags).toBe(0x0800);
    }
    expect(records.map((r) => r.method)).toEqual([8, 8, 0, 0, 0]);
    expect(records[0]?.offset).toBe(0);
  });

  it("gives the same bytes for the same entries", async () => {
    expect((await zipOf(entries)).equals(await zipOf(entries))).toBe(true);
  });

  it("writes in gathered chunks and waits for a slow output to drain", async () => {
    // Text that does not compress away: 2 KiB of hex per entry.
    const noise = (i: number) =>
      Array.from({ length: 32 }, (_, j) => createHash("sha256").update(`${i}/${j}`).digest("hex")).join("\n");
    const many: [string, string][] = Array.from({ length: 400 }, (_, i) => [`host-${i}.nft`, noise(i)]);
    const slow = sink(true);
    const files = unzipSync(new Uint8Array(await zipOf(many, slow)));
    expect(Object.keys(files)).toHaveLength(400);
    expect(slow.writes.length).toBeGreaterThan(1);
    for (const size of slow.writes.slice(0, -1)) expect(size).toBeGreaterThanOrEqual(WRITE_CHUNK);
  });

  it("writes ZIP64 end records past 65,535 entries, and readers still find every entry", async () => {
    const many: [string, string][] = Array.from({ length: 65_600 }, (_, i) => [`h${i}.nft`, `${i}`]);
    const zip = await zipOf(many);
    const end = zip.length - 22;
    expect(zip.readUInt32LE(end)).toBe(0x06054b50);
    expect(zip.readUInt16LE(end + 10)).toBe(0xffff);
    expect(zip.readUInt32LE(end - 20)).toBe(0x07064b50);
    const record = Number(zip.readBigUInt64LE(end - 20 + 8));
    expect(zip.readUInt32LE(record)).toBe(0x06064b50);
    expect(Number(zip.readBigUInt64LE(record + 32))).toBe(65_600);
    const files = unzipSync(new Uint8Array(zip));
    expect(Object.keys(files)).toHaveLength(65_600);
    expect(strFromU8(files["h65599.nft"] as Uint8Array)).toBe("65599");
  }, 60_000);

  it("stops with OutputClosed when the output closes, and never ends it", async () => {
    let ended = false;
    const out = new Writable({
      highWaterMark: 1024,
      write(_chunk, _encoding, done) {
        setTimeout(done, 5);
      },
      final(done) {
        ended = true;
        done();
      },
    });
    const zip = new ZipWriter(out);
    const adding = (async () => {
      for (let i = 0; ; i++) await zip.add(`f${i}`, rules + i);
    })();
    setTimeout(() => out.destroy(), 20);
    await expect(adding).rejects.toBeInstanceOf(OutputClosed);
    expect(zip.closed).toBe(true);
    expect(ended).toBe(false);
  });
});
