// Writes the rules of many entities as files in a folder, with the same names
// and bytes as the ZIP archive (docs/rules.md): `conntrackt iptables`.
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { entityEntryNames } from "../domain/archive-names.js";
import { type ArchiveEntity, entityRulesText } from "./rules-archive.js";

/**
 * Writes one file per entity into `dir` (created if missing); returns the file
 * names in entity order. Each file appears whole or not at all (written aside,
 * then renamed); a failure leaves no temporary file behind and, when the rules
 * cannot be generated, names the entity.
 */
export function writeRulesFiles(
  entities: ArchiveEntity[],
  dir: string,
  progress: (done: number, total: number) => void = () => {},
): string[] {
  mkdirSync(dir, { recursive: true });
  const names = entityEntryNames(entities);
  const written: string[] = [];
  entities.forEach((entity, index) => {
    const name = names.get(entity.id) as string;
    const target = path.join(dir, name);
    const temporary = `${target}.${process.pid}.tmp`;
    const text = entityRulesText(entity);
    try {
      writeFileSync(temporary, text, { mode: 0o644 });
      renameSync(temporary, target);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    written.push(name);
    progress(index + 1, entities.length);
  });
  return written;
}
