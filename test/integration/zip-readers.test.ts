// The rule archives open in the tools people unpack them with (src/services/zip.ts,
// docs/rules.md): Info-ZIP's `unzip -t` and Python's zipfile test every entry's
// CRC and list the same names, for a project archive and for one past 65,535
// entries (ZIP64 end records). Skips, naming the tool, where one is missing.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { type ArchiveEntity, streamRulesArchive } from "../../src/services/rules-archive.js";
import { ZipWriter } from "../../src/services/zip.js";

const dir = mkdtempSync(path.join(tmpdir(), "conntrackt-zip-readers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const has = (tool: string, args: string[]) => spawnSync(tool, args, { encoding: "utf8" }).status === 0;
const unzip = has("unzip", ["-v"]);
const python = has("python3", ["-c", "import zipfile"]);

async function collect(write: (out: PassThrough) => Promise<void>): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (chunk: Buffer) => chunks.push(chunk));
  await write(out);
  const file = path.join(dir, `${chunks.length}-${Date.now()}.zip`);
  writeFileSync(file, Buffer.concat(chunks));
  return file;
}

const entities: ArchiveEntity[] = Array.from({ length: 50 }, (_, i) => ({
  id: i + 1,
  name: `Host ${i + 1}`,
  input: {
    entity: { name: `Host ${i + 1}`, project: "Readers", location: "Lab" },
    incoming: [
      {
        protocol: "TCP",
        port: 22,
        description: "SSH",
        source: { address: "fd00:4::", netmask: "64" },
        destination: { address: `fd00:1::${i + 1}`, netmask: "128" },
      },
    ],
  },
}));

/** Python's view: the names, and the first bad entry (None when every CRC is right). */
function pythonList(file: string): { names: string[]; bad: string | null } {
  const script =
    "import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nprint(json.dumps([z.namelist(), z.testzip()]))";
  const result = spawnSync("python3", ["-c", script, file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  expect(result.status, result.stderr).toBe(0);
  const [names, bad] = JSON.parse(result.stdout) as [string[], string | null];
  return { names, bad };
}

describe("rule archives in ZIP readers", () => {
  it.skipIf(!unzip)("unzip -t finds every entry intact", async () => {
    const file = await collect((out) => streamRulesArchive(entities, out));
    const result = spawnSync("unzip", ["-t", file], { encoding: "utf8" });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("No errors detected");
    expect(result.stdout.match(/ OK$/gm)).toHaveLength(100);
  });

  it.skipIf(!python)("Python's zipfile lists the names in order and every CRC is right", async () => {
    const file = await collect((out) => streamRulesArchive(entities, out, "nftables"));
    expect(pythonList(file)).toEqual({ names: entities.map((e) => `host_${e.id}.nft`), bad: null });
  });

  it.skipIf(!unzip || !python)(
    "both read an archive past 65,535 entries (ZIP64)",
    async () => {
      const file = await collect(async (out) => {
        const zip = new ZipWriter(out);
        for (let i = 0; i < 65_540; i++) await zip.add(`h${i}.nft`, `${i}\n`);
        await zip.finish();
      });
      const { names, bad } = pythonList(file);
      expect(names).toHaveLength(65_540);
      expect(bad).toBeNull();
      const result = spawnSync("unzip", ["-t", "-q", file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      expect(result.status, result.stdout + result.stderr).toBe(0);
    },
    120_000,
  );
});
