// File names of rule downloads and ZIP archives (docs/rules.md). Pure: the routes,
// the ZIP streaming service and the CLI all name files through these functions.
//
// Decisions beyond the documented format (docs/rules.md):
// - slugify lower-cases, turns every whitespace character (not only U+0020) into
//   `_`, drops every character outside `[a-z0-9._-]`, keeps at most SLUG_MAX
//   characters, then collapses each run of dots into one dot and strips leading
//   and trailing dots. A slug therefore never is `.` or `..`, never contains
//   `..`, and never starts a hidden file; it may be "" (callers fall back to
//   `entity-ID`, `project-ID`, `location-ID`).
// - entityEntryNames: the first entity (by id) of each slug keeps the bare slug;
//   the later ones get `SLUG-ID`, empty slugs `entity-ID`. Such a name can still
//   equal another entity's bare slug (`web` id 2 vs an entity named `web-2`):
//   bare slugs win, and the suffixed name gets `-ID` again until it is unique
//   (`web-2-2`). Names are unique, and contain no `/`, `\` or `..`.

/** Most characters kept from a name in a slug (the longest valid name, docs/usage.md). */
export const SLUG_MAX = 100;

const RULES_SUFFIX = "-iptables.conf";
const ARCHIVE_SUFFIX = "-iptables.zip";

/** Something with a numeric id and a name, e.g. an entity. */
export interface NamedRecord {
  id: number;
  name: string;
}

/** The docs/rules.md slug of a name: `[a-z0-9._-]` only, never `.`/`..` and never containing `..`; may be "". */
export function slugify(name: string): string {
  return name
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

/** The single-entity download name, `SLUG-iptables.conf` (`entity-ID-iptables.conf` when the slug is empty). */
export function entityRulesFileName(name: string, id: number): string {
  return `${slugOr(name, "entity", id)}${RULES_SUFFIX}`;
}

/** ZIP entry names for a set of entities, by entity id: unique `SLUG-iptables.conf` names as described above. */
export function entityEntryNames(entities: readonly NamedRecord[]): Map<number, string> {
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

  const names = new Map<number, string>();
  for (const entity of sorted) names.set(entity.id, `${stems.get(entity.id)}${RULES_SUFFIX}`);
  return names;
}

/** The project archive download name, `PROJECTSLUG-iptables.zip` (`project-ID-…` when the slug is empty). */
export function projectArchiveName(projectName: string, projectId: number): string {
  return `${slugOr(projectName, "project", projectId)}${ARCHIVE_SUFFIX}`;
}

/** The location archive download name, `PROJECTSLUG-LOCATIONSLUG-iptables.zip`, with `project-ID`/`location-ID` fallbacks. */
export function locationArchiveName(
  projectName: string,
  locationName: string,
  projectId: number,
  locationId: number,
): string {
  return `${slugOr(projectName, "project", projectId)}-${slugOr(locationName, "location", locationId)}${ARCHIVE_SUFFIX}`;
}
