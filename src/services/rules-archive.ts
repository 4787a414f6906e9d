// Streams the rules of many entities as a ZIP archive (docs/rules.md). Entries are
// generated one at a time as the archive drains, so memory stays flat however
// large the project.
//
// Every failure settles the returned promise exactly once and stops the
// archive: an entry whose rules cannot be generated (the generator throws a
// RangeError on invalid data) would otherwise throw out of archiver's `entry`
// event, where nothing catches it and the process ends, and `finalize()`
// rejects a promise of its own that nobody awaited.
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

/**
 * The rules text of one entity; a generator error (invalid data) names the
 * entity, so the log says which one to fix (docs/rules.md).
 */
export function entityRulesText(entity: ArchiveEntity): string {
  try {
    return generateEntityRules(entity.input);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RangeError(`rules of entity ${JSON.stringify(entity.name)} (id ${entity.id}): ${reason}`, {
      cause: error,
    });
  }
}

/**
 * Writes the archive to `out`; resolves when it is complete (or `out` closed
 * early: the client went away), rejects on error. On a rejection the archive
 * is unpiped and stopped, and `out` is left open and unended for the caller to
 * destroy or answer on: ending it would make a cut archive look complete.
 */
export function streamRulesArchive(entities: ArchiveEntity[], out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = new ZipArchive({ zlib: { level: 6 } });
    const date = new Date("2000-01-01T00:00:00Z");
    let settled = false;
    const stop = () => {
      settled = true;
      archive.unpipe(out);
      archive.abort();
    };
    const fail = (error: unknown) => {
      if (settled) return;
      stop();
      reject(error);
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      resolve();
    };
    let names: Map<number, string>;
    try {
      names = entityEntryNames(entities);
    } catch (error) {
      reject(error);
      return;
    }
    let next = 0;
    const appendNext = () => {
      if (settled) return;
      const entity = entities[next++];
      if (!entity) {
        archive.finalize().catch(fail);
        return;
      }
      let text: string;
      try {
        text = entityRulesText(entity);
      } catch (error) {
        fail(error);
        return;
      }
      archive.append(text, { name: names.get(entity.id) as string, date, mode: 0o644 });
    };
    archive.on("entry", appendNext);
    archive.on("error", fail);
    archive.on("warning", fail);
    out.on("error", fail);
    out.on("finish", finish);
    out.on("close", () => {
      // The client went away mid-archive: stop generating entries nobody will read.
      if (!settled) archive.abort();
      finish();
    });
    // The first entry is generated before anything is piped: if it fails,
    // nothing has been sent and the caller can still answer with an error page.
    appendNext();
    if (!settled) archive.pipe(out);
  });
}
