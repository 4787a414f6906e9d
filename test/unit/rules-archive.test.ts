// The ZIP stream (src/services/rules-archive.ts, docs/rules.md): its entries
// per format, a lazy source read only as the archive drains, and failures —
// an entry that cannot be generated or a source that fails: the promise
// rejects with the error, the archive stops, the output is neither ended (a
// cut archive must not look complete) nor written to afterwards, and nothing
// escapes as an uncaught exception or unhandled rejection (vitest fails a run
// that has one).
import { PassThrough, Writable } from "node:stream";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { type ArchiveEntity, type RulesSource, streamRulesArchive } from "../../src/services/rules-archive.js";

function entity(id: number): ArchiveEntity {
  return {
    id,
    name: `host-${id}`,
    input: { entity: { name: `host-${id}`, project: "P", location: "L" }, incoming: [] },
  };
}

/** An entity whose rules throw when generated, as invalid data in the database would make them. */
function broken(id: number): ArchiveEntity {
  return {
    id,
    name: `broken-${id}`,
    input: {
      entity: { name: `broken-${id}`, project: "P", location: "L" },
      incoming: [
        {
          source: { address: "300.1.1.1", netmask: "255.255.255.255" },
          destination: { address: "10.0.0.1", netmask: "255.255.255.255" },
          protocol: "TCP",
          port: 22,
          description: "",
        },
      ],
    },
  } as ArchiveEntity;
}

/** Collects what the archive writes and whether it ended the stream. */
function sink() {
  const chunks: Buffer[] = [];
  const state = { ended: false };
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
    final(done) {
      state.ended = true;
      done();
    },
  });
  return { out, chunks, state, bytes: () => Buffer.concat(chunks).length };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

/** A source that yields entities 1…count after an asynchronous pause each, as a database reader does, counting reads. */
function lazySource(count: number, failAt?: number) {
  const state = { read: 0, returned: false };
  const source: RulesSource = {
    entities: Array.from({ length: count }, (_, i) => ({ id: i + 1, name: `host-${i + 1}` })),
    async *inputs() {
      try {
        for (let id = 1; id <= count; id++) {
          await new Promise((resolve) => setImmediate(resolve));
          if (id === failAt) throw new Error("database gone");
          state.read++;
          yield entity(id);
        }
      } finally {
        state.returned = true;
      }
    },
  };
  return { source, state };
}

describe("streamRulesArchive", () => {
  it("writes a complete iptables archive: both restore files of every entity, in id order", async () => {
    const { out, chunks, state } = sink();
    await streamRulesArchive([entity(1), entity(2), entity(3)], out);
    expect(state.ended).toBe(true);
    expect(Object.keys(unzipSync(new Uint8Array(Buffer.concat(chunks))))).toEqual([
      "host-1-iptables.conf",
      "host-1-ip6tables.conf",
      "host-2-iptables.conf",
      "host-2-ip6tables.conf",
      "host-3-iptables.conf",
      "host-3-ip6tables.conf",
    ]);
  });

  it("writes a complete nftables archive: one file per entity", async () => {
    const { out, chunks } = sink();
    await streamRulesArchive([entity(2), entity(1)], out, "nftables");
    expect(Object.keys(unzipSync(new Uint8Array(Buffer.concat(chunks))))).toEqual(["host-2.nft", "host-1.nft"]);
  });

  it("reads a lazy source to the end and gives the same archive as the loaded entities", async () => {
    const lazy = sink();
    const { source, state } = lazySource(30);
    await streamRulesArchive(source, lazy.out);
    expect(state).toEqual({ read: 30, returned: true });
    const loaded = sink();
    await streamRulesArchive(
      Array.from({ length: 30 }, (_, i) => entity(i + 1)),
      loaded.out,
    );
    expect(Buffer.concat(lazy.chunks).equals(Buffer.concat(loaded.chunks))).toBe(true);
  });

  it("rejects, stops reading and leaves the output unended when the source fails mid-archive", async () => {
    const { out, state, bytes } = sink();
    const lazy = lazySource(30, 12);
    await expect(streamRulesArchive(lazy.source, out)).rejects.toThrow("database gone");
    expect(lazy.state.read).toBe(11);
    expect(lazy.state.returned).toBe(true);
    await settle();
    expect(state.ended).toBe(false);
    expect(bytes()).toBeGreaterThan(0);
  });

  it("refuses an entity the source did not name first", async () => {
    const { out, state } = sink();
    const source: RulesSource = { entities: [{ id: 1, name: "host-1" }], inputs: () => [entity(2)] };
    await expect(streamRulesArchive(source, out)).rejects.toThrow("entity 2 was not named");
    expect(state.ended).toBe(false);
  });

  it("rejects, stops and leaves the output unended when a later entry throws", async () => {
    const { out, state, bytes } = sink();
    const entities = [...Array.from({ length: 20 }, (_, i) => entity(i + 1)), broken(21), entity(22)];
    await expect(streamRulesArchive(entities, out)).rejects.toThrow(
      /^rules of entity "broken-21" \(id 21\): incoming\[0\]\.source\.address is not a dotted IPv4 address/,
    );
    const written = bytes();
    expect(written).toBeGreaterThan(0);
    await settle();
    expect(bytes()).toBe(written);
    expect(state.ended).toBe(false);
  });

  it("rejects before writing anything when the first entry throws", async () => {
    const { out, state, bytes } = sink();
    await expect(streamRulesArchive([broken(1), entity(2)], out)).rejects.toThrow(RangeError);
    await settle();
    expect(bytes()).toBe(0);
    expect(state.ended).toBe(false);
  });

  it("rejects when the output fails, once", async () => {
    const out = new Writable({
      write(_chunk, _encoding, done) {
        done(new Error("disk full"));
      },
    });
    await expect(streamRulesArchive([entity(1), entity(2)], out)).rejects.toThrow("disk full");
    await settle();
  });

  it("stops reading a lazy source when the client goes away mid-archive", async () => {
    const out = new PassThrough();
    const { source, state } = lazySource(2000);
    const done = streamRulesArchive(source, out);
    await settle();
    out.destroy();
    await done;
    await settle();
    expect(state.read).toBeLessThan(2000);
    expect(state.returned).toBe(true);
  });

  it("resolves and stops generating when the client goes away mid-archive", async () => {
    const out = new PassThrough();
    let generated = 0;
    const counting = Array.from({ length: 200 }, (_, i) => {
      const e = entity(i + 1);
      return {
        ...e,
        get input() {
          generated++;
          return e.input;
        },
      };
    });
    const done = streamRulesArchive(counting, out);
    // Nobody reads: the archive fills the buffers and waits; then the client leaves.
    await settle();
    out.destroy();
    await done;
    const atClose = generated;
    expect(atClose).toBeLessThan(200);
    await settle();
    expect(generated).toBe(atClose);
  });
});
