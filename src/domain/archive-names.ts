// File names of rule downloads and ZIP archives (docs/rules.md). Pure: the routes,
// the ZIP streaming service and the CLI all name files through these functions.
// Each entity has three files (iptables, ip6tables, nftables); an archive of
// one format holds the files of that format (iptables: both restore files).
//
// Decisions beyond the documented format (docs/rules.md):
// - slugify first transliterates Latin letters: NFKD splits `ñ` into `n` and a
//   combining mark, which is dropped; the letters NFKD leaves whole (`ß`, `æ`,
//   `ø`, `ł`, `đ`, `þ` …) come from TRANSLITERATIONS. Then it lower-cases, turns
//   every whitespace character (not only U+0020) into `_`, drops every character
//   outside `[a-z0-9._-]` (non-Latin scripts, symbols), keeps at most SLUG_MAX
//   characters, then collapses each run of dots into one dot and strips leading
//   and trailing dots. A slug therefore never is `.` or `..`, never contains
//   `..`, and never starts a hidden file; it may be "" (callers fall back to
//   `entity-ID`, `project-ID`, `location-ID`).
// - entityEntryNames: the first entity (by id) of each slug keeps the bare slug;
//   the later ones get `SLUG-ID`, empty slugs `entity-ID`. Such a name can still
//   equal another entity's bare slug (`web` id 2 vs an entity named `web-2`):
//   bare slugs win, and the suffixed name gets `-ID` again until it is unique
//   (`web-2-2`). Names are unique, and contain no `/`, `\` or `..`.
// - One stem per entity serves all its files: `STEM-iptables.conf`,
//   `STEM-ip6tables.conf`, `STEM.nft`. The suffixes end differently, so files
//   of different kinds never share a name, even in one folder (the CLI's
//   `--format all`).

/** Most characters kept from a name in a slug (the longest valid name, docs/usage.md). */
export const SLUG_MAX = 100;

/** The files of an entity, in the order an archive or a folder lists them. */
export const RULES_FILE_KINDS = ["iptables", "ip6tables", "nftables"] as const;
export type RulesFileKind = (typeof RULES_FILE_KINDS)[number];

/** What follows the stem in a file's name. */
export const RULES_FILE_SUFFIX: Record<RulesFileKind, string> = {
  iptables: "-iptables.conf",
  ip6tables: "-ip6tables.conf",
  nftables: ".nft",
};

/** The formats of the ZIP archives, and the files each holds per entity. */
export const ARCHIVE_FORMATS = ["iptables", "nftables"] as const;
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number];
export const ARCHIVE_FILE_KINDS: Record<ArchiveFormat, readonly RulesFileKind[]> = {
  iptables: ["iptables", "ip6tables"],
  nftables: ["nftables"],
};

/** Something with a numeric id and a name, e.g. an entity. */
export interface NamedRecord {
  id: number;
  name: string;
}

/** Latin letters NFKD does not decompose into a base letter and marks. */
const TRANSLITERATIONS: Readonly<Record<string, string>> = {
  ß: "ss",
  ẞ: "ss",
  æ: "ae",
  Æ: "ae",
  œ: "oe",
  Œ: "oe",
  ø: "o",
  Ø: "o",
  ł: "l",
  Ł: "l",
  đ: "d",
  Đ: "d",
  ð: "d",
  Ð: "d",
  þ: "th",
  Þ: "th",
  ı: "i",
  ħ: "h",
  Ħ: "h",
};
const TRANSLITERATED = new RegExp(`[${Object.keys(TRANSLITERATIONS).join("")}]`, "gu");

/** The docs/rules.md slug of a name: `[a-z0-9._-]` only, never `.`/`..` and never containing `..`; may be "". */
export function slugify(name: string): string {
  return name
    .replace(TRANSLITERATED, (letter) => TRANSLITERATIONS[letter] ?? "")
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/\s/g, "_")
    .replace(/[^a-z0-9._-]/g, "")
    .slice(0, SLUG_MAX)
    .replace(/\.{2,}/g, ".")
    .replace(/^\.+|\.+$/g, "");
}

/** The slug of a name, or `FALLBACK-ID` when the slug is empty. */
function slugOr(name: string, fallback: string, id: number): string {
  return slugify(name) || `${fallback}-${idText(id)}`;
}

/** An id as written in a file name; throws a RangeError for anything but a non-negative safe integer. */
function idText(id: number): string {
  if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`not a record id: ${id}`);
  return String(id);
}

/** A single-entity download name: `SLUG-iptables.conf`, `SLUG-ip6tables.conf` or `SLUG.nft` (`entity-ID…` when the slug is empty). */
export function entityFileName(name: string, id: number, kind: RulesFileKind): string {
  return `${slugOr(name, "entity", id)}${RULES_FILE_SUFFIX[kind]}`;
}

/** The single-entity download name of the iptables file, `SLUG-iptables.conf`. */
export function entityRulesFileName(name: string, id: number): string {
  return entityFileName(name, id, "iptables");
}

/** The unique stem of each entity's files within an archive or folder, by entity id (module header). */
export function entityStems(entities: readonly NamedRecord[]): Map<number, string> {
  const sorted = [...entities].sort((a, b) => a.id - b.id);
  const seenIds = new Set<number>();
  for (const entity of sorted) {
    idText(entity.id);
    if (seenIds.has(entity.id)) throw new RangeError(`duplicate entity id: ${entity.id}`);
    seenIds.add(entity.id);
  }

  const stems = new Map<number, string>();
  const used = new Set<string>();
  const later: { id: number; base: string }[] = [];
  for (const entity of sorted) {
    const slug = slugify(entity.name);
    if (slug !== "" && !used.has(slug)) {
      stems.set(entity.id, slug);
      used.add(slug);
    } else {
      later.push({ id: entity.id, base: slug || "entity" });
    }
  }
  for (const { id, base } of later) {
    let stem = `${base}-${id}`;
    while (used.has(stem)) stem = `${stem}-${id}`;
    stems.set(id, stem);
    used.add(stem);
  }

  return stems;
}

/** Entry names of one kind of file for a set of entities, by entity id: unique `STEM-iptables.conf` (…) names. */
export function entityEntryNames(
  entities: readonly NamedRecord[],
  kind: RulesFileKind = "iptables",
): Map<number, string> {
  const names = new Map<number, string>();
  for (const [id, stem] of entityStems(entities)) names.set(id, `${stem}${RULES_FILE_SUFFIX[kind]}`);
  return names;
}

/** The project archive download name, `PROJECTSLUG-iptables.zip` or `-nftables.zip` (`project-ID-…` when the slug is empty). */
export function projectArchiveName(projectName: string, projectId: number, format: ArchiveFormat = "iptables"): string {
  return `${slugOr(projectName, "project", projectId)}-${format}.zip`;
}

/** The location archive download name, `PROJECTSLUG-LOCATIONSLUG-iptables.zip` (or `-nftables.zip`), with `project-ID`/`location-ID` fallbacks. */
export function locationArchiveName(
  projectName: string,
  locationName: string,
  projectId: number,
  locationId: number,
  format: ArchiveFormat = "iptables",
): string {
  return `${slugOr(projectName, "project", projectId)}-${slugOr(locationName, "location", locationId)}-${format}.zip`;
}
