// `conntrackt iptables` writes each entity's files (src/services/rules-files.ts,
// docs/rules.md). When an entity's rules cannot be generated, the error names
// the entity and the files before it are whole; when a file cannot be
// written, no temporary file is left in the folder.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { generateEntityIp6Rules } from "../../src/domain/ip6tables.js";
import { generateEntityRules } from "../../src/domain/iptables.js";
import { generateEntityNftRules } from "../../src/domain/nftables.js";
import type { ArchiveEntity, RulesSource } from "../../src/services/rules-archive.js";
import { writeRulesFiles } from "../../src/services/rules-files.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function folder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "conntrackt-rules-files-"));
  dirs.push(dir);
  return dir;
}

function entity(id: number, address = "10.0.0.9"): ArchiveEntity {
  return {
    id,
    name: `host-${id}`,
    input: {
      entity: { name: `host-${id}`, project: "P", location: "L" },
      incoming: [
        {
          source: { address, netmask: "255.255.255.255" },
          destination: { address: "10.0.0.1", netmask: "255.255.255.255" },
          protocol: "TCP",
          port: 22,
          description: "",
        },
      ],
    },
  } as ArchiveEntity;
}

const IPTABLES = ["iptables", "ip6tables"] as const;

describe("writeRulesFiles", () => {
  it("writes every entity's files of the kinds asked for, with the generators' bytes", async () => {
    const dir = folder();
    const entities = [entity(1), entity(2)];
    expect(await writeRulesFiles(entities, dir, IPTABLES)).toEqual([
      "host-1-iptables.conf",
      "host-1-ip6tables.conf",
      "host-2-iptables.conf",
      "host-2-ip6tables.conf",
    ]);
    const input = (entities[1] as ArchiveEntity).input;
    expect(readFileSync(path.join(dir, "host-2-iptables.conf"), "utf8")).toBe(generateEntityRules(input));
    expect(readFileSync(path.join(dir, "host-2-ip6tables.conf"), "utf8")).toBe(generateEntityIp6Rules(input));
    expect(await writeRulesFiles(entities, dir, ["nftables"])).toEqual(["host-1.nft", "host-2.nft"]);
    expect(readFileSync(path.join(dir, "host-1.nft"), "utf8")).toBe(
      generateEntityNftRules((entities[0] as ArchiveEntity).input),
    );
    expect(readdirSync(dir)).toHaveLength(6);
  });

  it("reads a lazy source entity by entity, reporting progress against the names known first", async () => {
    const dir = folder();
    const read: number[] = [];
    const source: RulesSource = {
      entities: [entity(1), entity(2), entity(3)].map(({ id, name }) => ({ id, name })),
      async *inputs() {
        for (const id of [1, 2, 3]) {
          read.push(id);
          yield entity(id);
        }
      },
    };
    const progress: [number, number][] = [];
    await writeRulesFiles(source, dir, ["nftables"], (done, total) => progress.push([done, total]));
    expect(read).toEqual([1, 2, 3]);
    expect(progress).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it("names the entity whose rules cannot be generated, after writing the ones before it whole", async () => {
    const dir = folder();
    await expect(writeRulesFiles([entity(1), entity(2, "300.0.0.1"), entity(3)], dir, IPTABLES)).rejects.toThrow(
      /^rules of entity "host-2" \(id 2\): incoming\[0\]\.source\.address is not a dotted IPv4 address/,
    );
    expect(readdirSync(dir).sort()).toEqual(["host-1-ip6tables.conf", "host-1-iptables.conf"]);
  });

  it("leaves no temporary file when a file cannot be put in place", async () => {
    const dir = folder();
    // A folder where the second file should go: the rename onto it fails.
    mkdirSync(path.join(dir, "host-2-iptables.conf", "occupied"), { recursive: true });
    await expect(writeRulesFiles([entity(1), entity(2)], dir, ["iptables"])).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual(["host-1-iptables.conf", "host-2-iptables.conf"]);
    expect(readdirSync(dir).some((name) => name.endsWith(".tmp"))).toBe(false);
  });
});
