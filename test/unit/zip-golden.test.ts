// The ZIPs of a project's rules (docs/rules.md) as golden files: entry names in
// archive order, for entities whose slugs collide, come out empty or drop
// non-Latin letters, in the iptables archive (both restore files per entity)
// and the nftables archive. Each entry holds that entity's file, byte for byte.
import { PassThrough } from "node:stream";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import type { ArchiveFormat } from "../../src/domain/archive-names.js";
import { generateEntityIp6Rules } from "../../src/domain/ip6tables.js";
import { generateEntityRules } from "../../src/domain/iptables.js";
import { generateEntityNftRules } from "../../src/domain/nftables.js";
import { type ArchiveEntity, streamRulesArchive } from "../../src/services/rules-archive.js";
import { expectGolden } from "../support/golden.js";

const NAMES: [number, string][] = [
  [1, "Web server"],
  [2, "web_server"],
  [3, "WEB SERVER"],
  [4, "web_server-3"],
  [5, "Ünïcödé höst"],
  [6, "日本語"],
  [7, "…"],
  [8, "..hidden.."],
  [9, "a/b\\c"],
  [10, "web_server"],
  [11, "x".repeat(120)],
  [12, "Привет мир"],
];

const entities: ArchiveEntity[] = NAMES.map(([id, name]) => ({
  id,
  name,
  input: {
    entity: { name, project: "Slugs", location: "Main site" },
    incoming:
      id % 3 === 0
        ? []
        : [
            {
              source: { address: `10.0.0.${id}`, netmask: "255.255.255.255" },
              destination: { address: `10.0.1.${id}`, netmask: "255.255.255.255" },
              protocol: "TCP" as const,
              port: 1000 + id,
              description: `to ${name}`,
            },
          ],
  },
}));

async function archive(list: ArchiveEntity[], format: ArchiveFormat = "iptables"): Promise<Uint8Array> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (chunk: Buffer) => chunks.push(chunk));
  const read = new Promise((resolve) => out.once("end", resolve));
  await streamRulesArchive(list, out, format);
  await read;
  return new Uint8Array(Buffer.concat(chunks));
}

describe("project ZIP entries (golden)", () => {
  it("names colliding, empty and non-Latin slugs as test/golden/zip/colliding-slugs.txt, in archive order", async () => {
    const files = unzipSync(await archive(entities));
    expectGolden("zip/colliding-slugs.txt", `${Object.keys(files).join("\n")}\n`);
    const byName = new Map(Object.entries(files));
    expect(byName.size).toBe(2 * entities.length);
  });

  it("names the nftables archive's entries as test/golden/zip/colliding-slugs-nftables.txt, in archive order", async () => {
    const files = unzipSync(await archive(entities, "nftables"));
    expectGolden("zip/colliding-slugs-nftables.txt", `${Object.keys(files).join("\n")}\n`);
    expect(Object.keys(files)).toHaveLength(entities.length);
  });

  it("holds each entity's own files in its entries: IPv4 then IPv6, or the nftables file", async () => {
    const files = Object.values(unzipSync(await archive(entities)));
    expect(files.map((f) => strFromU8(f))).toEqual(
      entities.flatMap((e) => [generateEntityRules(e.input), generateEntityIp6Rules(e.input)]),
    );
    const nft = Object.values(unzipSync(await archive(entities, "nftables")));
    expect(nft.map((f) => strFromU8(f))).toEqual(entities.map((e) => generateEntityNftRules(e.input)));
  });

  it("gives the same entry names whatever order the entities arrive in", async () => {
    const names = Object.keys(unzipSync(await archive(entities)));
    const reversed = Object.keys(unzipSync(await archive([...entities].reverse())));
    expect([...reversed].sort()).toEqual([...names].sort());
  });
});
