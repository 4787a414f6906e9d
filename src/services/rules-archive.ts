// Streams the rules of many entities as a ZIP archive (docs/rules.md). Entries are
// generated one at a time as the archive drains, so memory stays flat however
// large the project.
import type { Writable } from "node:stream";
import { ZipArchive } from "archiver";
import { entityEntryNames } from "../domain/archive-names.js";
import { generateEntityRules } from "../domain/iptables.js";
import type { EntityRulesInput } from "../domain/types.js";

export interface ArchiveEntity {
  id: number;
  name: string;
  input: EntityRulesInput;
}

/** Writes the archive to `out`; resolves when it is complete, rejects on error. */
export function streamRulesArchive(entities: ArchiveEntity[], out: Writable): Promise<void> {
  const names = entityEntryNames(entities);
  const archive = new ZipArchive({ zlib: { level: 6 } });
  const date = new Date("2000-01-01T00:00:00Z");
  return new Promise((resolve, reject) => {
    let next = 0;
    const appendNext = () => {
      const entity = entities[next++];
      if (!entity) {
        void archive.finalize();
        return;
      }
      const name = names.get(entity.id) as string;
      archive.append(generateEntityRules(entity.input), { name, date, mode: 0o644 });
    };
    archive.on("entry", appendNext);
    archive.on("error", reject);
    archive.on("warning", reject);
    out.on("error", reject);
    out.on("finish", () => resolve());
    out.on("close", () => resolve());
    archive.pipe(out);
    appendNext();
  });
}
