// Generates the rules of every entity of generated data sets (with hostile
// names and descriptions: scripts/dataset.ts --nasty, in process) and
// checks each file: exactly one `-A INPUT` line per distinct incoming flow plus
// the two standing rules, then, when root with iptables and `ip netns`, that
// iptables-restore accepts it and loads exactly that many rules into a
// throwaway network namespace (all files in one namespace, one batch).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatasetDocument, generateDataset, parseDatasetArgs } from "../../scripts/dataset.js";
import { entityEntryNames } from "../../src/domain/archive-names.js";
import { generateEntityRules } from "../../src/domain/iptables.js";
import type { Endpoint, EntityRulesInput, IncomingFlow } from "../../src/domain/types.js";
import { kernelSkipReason } from "../support/firewall-v2-kernel.js";

const DATASETS = [
  ["--nasty", "--preset", "medium"],
  ["--nasty", "--projects", "2", "--entities", "25", "--interfaces", "3", "--subnets", "0.3", "--seed", "7"],
];

interface RulesFile {
  /** Where the entity comes from, for messages. */
  label: string;
  input: EntityRulesInput;
}

/** One EntityRulesInput per entity of the document: its incoming communications, resolved to addresses. */
function toRulesInputs(document: DatasetDocument): RulesFile[] {
  const files: RulesFile[] = [];
  for (const project of document.projects) {
    const endpoints = new Map<string, Endpoint>();
    for (const entity of project.entities) {
      for (const { name, address, netmask } of entity.interfaces) {
        endpoints.set(JSON.stringify([entity.name, name]), { address, netmask });
      }
    }
    const endpoint = (end: { entity: string; interface: string }): Endpoint => {
      const found = endpoints.get(JSON.stringify([end.entity, end.interface]));
      if (found === undefined) throw new Error(`unknown interface ${end.entity}/${end.interface}`);
      return found;
    };
    for (const entity of project.entities) {
      const incoming: IncomingFlow[] = project.communications
        .filter((c) => c.destination.entity === entity.name)
        .map((c) => ({
          protocol: c.protocol,
          port: c.port,
          description: c.description,
          source: endpoint(c.source),
          destination: endpoint(c.destination),
        }));
      files.push({
        label: `${project.name} / ${entity.name}`,
        input: { entity: { name: entity.name, project: project.name, location: entity.location }, incoming },
      });
    }
  }
  return files;
}

/** Number of distinct rules the data asks for (ICMP type 255 cannot be a rule: iptables reads it as any type). */
function distinctFlowCount(input: EntityRulesInput): number {
  const keys = input.incoming
    .filter((f) => !(f.protocol === "ICMP" && f.port === 255))
    .map((f) => JSON.stringify([f.protocol, f.port, f.source, f.destination]));
  return new Set(keys).size;
}

function loadDataset(args: string[]): RulesFile[] {
  return toRulesInputs(generateDataset(parseDatasetArgs(args)));
}

const kernelReason = kernelSkipReason([["iptables-restore", "--version"]]);
if (kernelReason !== null) console.warn(`iptables dataset kernel checks skipped: ${kernelReason}`);

describe("rules for every entity of generated data sets (scripts/dataset.ts)", () => {
  const datasets = DATASETS.map((args) => ({ args, files: loadDataset(args) }));

  for (const { args, files } of datasets) {
    it(`dataset ${args.join(" ")}: one -A INPUT line per distinct flow plus the standing rules`, () => {
      expect(files.length).toBeGreaterThan(10);
      expect(files.some((f) => f.input.incoming.length > 0)).toBe(true);
      for (const { label, input } of files) {
        const output = generateEntityRules(input);
        const ruleLines = output.split("\n").filter((line) => line.startsWith("-A "));
        expect(
          ruleLines.every((line) => line.startsWith("-A INPUT ")),
          label,
        ).toBe(true);
        expect(ruleLines.length, label).toBe(distinctFlowCount(input) + 2);
        expect(new Set(ruleLines).size, label).toBe(ruleLines.length);
        expect(
          output.split("\n").filter((line) => line.includes("-A INPUT -j ACCEPT") && !line.startsWith("# ")),
          label,
        ).toEqual([]);
      }
    });
  }

  describe.skipIf(kernelReason !== null)(
    `iptables-restore in one network namespace${kernelReason === null ? "" : ` (skipped: ${kernelReason})`}`,
    () => {
      const namespace = `ct-${randomBytes(3).toString("hex")}-dataset`;
      let directory = "";

      beforeAll(() => {
        directory = mkdtempSync(path.join(os.tmpdir(), "conntrackt-dataset-"));
        const add = spawnSync("ip", ["netns", "add", namespace], { encoding: "utf8" });
        if (add.status !== 0) throw new Error(`ip netns add ${namespace} failed: ${add.stderr}`);
      });

      afterAll(() => {
        spawnSync("ip", ["netns", "del", namespace]);
        if (directory !== "") rmSync(directory, { recursive: true, force: true });
      });

      datasets.forEach(({ args, files }, index) => {
        it(`dataset ${args.join(" ")}: every file passes --test and loads exactly its rules`, () => {
          const folder = path.join(directory, String(index));
          rmSync(folder, { recursive: true, force: true });
          mkdirSync(folder);
          const names = entityEntryNames(files.map((file, id) => ({ id, name: file.label })));
          const expected = new Map<string, { label: string; count: number }>();
          files.forEach(({ label, input }, id) => {
            const name = names.get(id) ?? "";
            writeFileSync(path.join(folder, name), generateEntityRules(input), "utf8");
            expected.set(name, { label, count: distinctFlowCount(input) + 2 });
          });
          // One process for the whole batch: test, load for real, count the kernel's INPUT rules.
          const script = [
            'for f in "$1"/*; do',
            '  if ! iptables-restore --test < "$f"; then echo "TESTFAIL $(basename "$f")"; continue; fi',
            '  if ! iptables-restore < "$f"; then echo "LOADFAIL $(basename "$f")"; continue; fi',
            '  echo "COUNT $(basename "$f") $(iptables -S INPUT | grep -c "^-A INPUT ") $(iptables -S | grep -c "^-A ")"',
            "done",
          ].join("\n");
          const run = spawnSync("ip", ["netns", "exec", namespace, "sh", "-c", script, "sh", folder], {
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
          });
          expect(run.stderr).toBe("");
          expect(run.status).toBe(0);
          const lines = run.stdout.trimEnd().split("\n");
          expect(lines.filter((line) => !line.startsWith("COUNT "))).toEqual([]);
          expect(lines.length).toBe(files.length);
          for (const line of lines) {
            const [, name = "", inputRules, allRules] = line.split(" ");
            const wanted = expected.get(name);
            expect(wanted, name).toBeDefined();
            expect(Number(inputRules), wanted?.label).toBe(wanted?.count);
            expect(Number(allRules), wanted?.label).toBe(wanted?.count);
          }
        }, 120_000);
      });
    },
  );
});
