// `conntrackt iptables` writes one file per entity (src/services/rules-files.ts,
// docs/rules.md). When an entity's rules cannot be generated, the error names
// the entity and the files before it are whole; when a file cannot be
// written, no temporary file is left in the folder.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { generateEntityRules } from "../../src/domain/iptables.js";
import type { ArchiveEntity } from "../../src/services/rules-archive.js";
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

describe("writeRulesFiles", () => {
  it("writes every entity's file with the generator's bytes", () => {
    const dir = folder();
    const entities = [entity(1), entity(2)];
    expect(writeRulesFiles(entities, dir)).toEqual(["host-1-iptables.conf", "host-2-iptables.conf"]);
    expect(readFileSync(path.join(dir, "host-2-iptables.conf"), "utf8")).toBe(
      generateEntityRules((entities[1] as ArchiveEntity).input),
    );
  });

  it("names the entity whose rules cannot be generated, after writing the ones before it whole", () => {
    const dir = folder();
    expect(() => writeRulesFiles([entity(1), entity(2, "300.0.0.1"), entity(3)], dir)).toThrow(
      /^rules of entity "host-2" \(id 2\): incoming\[0\]\.source\.address is not a dotted IPv4 address/,
    );
    expect(readdirSync(dir)).toEqual(["host-1-iptables.conf"]);
  });

  it("leaves no temporary file when a file cannot be put in place", () => {
    const dir = folder();
    // A folder where the second file should go: the rename onto it fails.
    mkdirSync(path.join(dir, "host-2-iptables.conf", "occupied"), { recursive: true });
    expect(() => writeRulesFiles([entity(1), entity(2)], dir)).toThrow();
    expect(readdirSync(dir).sort()).toEqual(["host-1-iptables.conf", "host-2-iptables.conf"]);
    expect(readdirSync(dir).some((name) => name.endsWith(".tmp"))).toBe(false);
  });
});
