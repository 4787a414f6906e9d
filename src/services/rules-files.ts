// Writes the firewall files of many entities into a folder, with the same names
// and bytes as the ZIP archives (docs/rules.md): `conntrackt iptables`.
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { RulesFileKind } from "../domain/archive-names.js";
import { type ArchiveEntity, entityFileWriter, type RulesSource, rulesSource } from "./rules-archive.js";

/** Writes one file, whole or not at all: aside, then renamed; no temporary file is left behind. */
function writeWhole(target: string, text: string): void {
  const temporary = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text, { mode: 0o644 });
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Writes the files of `kinds` of every entity into `dir` (created if missing);
 * returns the file names in entity order, each entity's in the order of
 * `kinds`. Each file appears whole or not at all; when an entity's rules
 * cannot be generated, the error names it and the entities before it are
 * written.
 */
export async function writeRulesFiles(
  source: RulesSource | readonly ArchiveEntity[],
  dir: string,
  kinds: readonly RulesFileKind[],
  progress: (done: number, total: number) => void = () => {},
): Promise<string[]> {
  const { entities, inputs } = Array.isArray(source) ? rulesSource(source) : (source as RulesSource);
  const filesOf = entityFileWriter(entities, kinds);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  let done = 0;
  for await (const entity of inputs()) {
    for (const file of filesOf(entity)) {
      writeWhole(path.join(dir, file.name), file.text);
      written.push(file.name);
    }
    progress(++done, entities.length);
  }
  return written;
}
