// Streams the firewall files of many entities as a ZIP archive (docs/rules.md):
// the iptables archive holds `SLUG-iptables.conf` and `SLUG-ip6tables.conf`
// per entity, the nftables archive `SLUG.nft`. Entries are generated one at a
// time as the output drains, from a source that may read its entities lazily
// (src/data/rules.ts reads flows a batch of entities at a time), and written
// by src/services/zip.ts, so memory stays flat however large the project.
//
// Every failure — an entry whose rules cannot be generated (the generator
// throws a RangeError on invalid data), a source that fails (the database),
// an output that fails — rejects the returned promise once and stops reading
// the source; the output is then left unended, since ending it would make a
// cut archive look complete.
import type { Writable } from "node:stream";
import {
  ARCHIVE_FILE_KINDS,
  type ArchiveFormat,
  entityStems,
  type NamedRecord,
  RULES_FILE_SUFFIX,
  type RulesFileKind,
} from "../domain/archive-names.js";
import { generateEntityIp6Rules } from "../domain/ip6tables.js";
import { generateEntityRules } from "../domain/iptables.js";
import { generateEntityNftRules } from "../domain/nftables.js";
import type { EntityRulesInput } from "../domain/types.js";
import { OutputClosed, ZipWriter } from "./zip.js";

export interface ArchiveEntity {
  id: number;
  name: string;
  input: EntityRulesInput;
}

/** What an archive or a folder of files is written from: every entity's name first, the inputs as they come. */
export interface RulesSource {
  /** Every entity that `inputs()` will give, so names are known before any input is read. */
  entities: readonly NamedRecord[];
  inputs(): AsyncIterable<ArchiveEntity> | Iterable<ArchiveEntity>;
}

/** A source over entities already loaded. */
export function rulesSource(entities: readonly ArchiveEntity[]): RulesSource {
  return { entities, inputs: () => entities };
}

const asSource = (source: RulesSource | readonly ArchiveEntity[]): RulesSource =>
  Array.isArray(source) ? rulesSource(source) : (source as RulesSource);

const GENERATORS: Record<RulesFileKind, (input: EntityRulesInput) => string> = {
  iptables: generateEntityRules,
  ip6tables: generateEntityIp6Rules,
  nftables: generateEntityNftRules,
};

/**
 * One file of an entity; a generator error (invalid data) names the entity, so
 * the log says which one to fix (docs/rules.md).
 */
export function entityFileText(entity: ArchiveEntity, kind: RulesFileKind): string {
  try {
    return GENERATORS[kind](entity.input);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RangeError(`rules of entity ${JSON.stringify(entity.name)} (id ${entity.id}): ${reason}`, {
      cause: error,
    });
  }
}

/** The iptables-restore (IPv4) file of an entity, as entityFileText. */
export function entityRulesText(entity: ArchiveEntity): string {
  return entityFileText(entity, "iptables");
}

/** A named file of an entity. */
export interface EntityFileEntry {
  name: string;
  text: string;
}

/**
 * Names each entity's files (the stems of src/domain/archive-names.ts) and
 * turns an entity into its files of `kinds`, in that order.
 */
export function entityFileWriter(
  entities: readonly NamedRecord[],
  kinds: readonly RulesFileKind[],
): (entity: ArchiveEntity) => EntityFileEntry[] {
  const stems = entityStems(entities);
  return (entity) => {
    const stem = stems.get(entity.id);
    if (stem === undefined) throw new RangeError(`entity ${entity.id} was not named before its rules were read`);
    return kinds.map((kind) => ({ name: `${stem}${RULES_FILE_SUFFIX[kind]}`, text: entityFileText(entity, kind) }));
  };
}

/** An iterator over sync or async iterables alike. */
function iteratorOf<T>(items: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> | Iterator<T> {
  return Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
}

/**
 * Writes the archive of `format` to `out` and ends it; resolves when it is
 * complete, or when `out` closed early (the client went away: the source is
 * read no further). Rejects on error, with `out` left open and unended for the
 * caller to destroy or answer on. Nothing is written before WRITE_CHUNK bytes
 * of entries are ready (src/services/zip.ts), so an archive that fails early
 * has sent nothing and the caller can still answer with an error page.
 */
export async function streamRulesArchive(
  entities: RulesSource | readonly ArchiveEntity[],
  out: Writable,
  format: ArchiveFormat = "iptables",
): Promise<void> {
  const source = asSource(entities);
  const filesOf = entityFileWriter(source.entities, ARCHIVE_FILE_KINDS[format]);
  const zip = new ZipWriter(out);
  const reader = iteratorOf(source.inputs());
  try {
    for (;;) {
      if (zip.closed) return;
      const step = await reader.next();
      if (step.done) break;
      for (const file of filesOf(step.value)) await zip.add(file.name, file.text);
    }
    await zip.finish();
  } catch (error) {
    if (error instanceof OutputClosed) return;
    throw error;
  } finally {
    // Lets a lazy source (a database reader) end now rather than at its next batch.
    await Promise.resolve(reader.return?.()).catch(() => undefined);
  }
}
