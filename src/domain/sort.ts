// The one order of named records on every page (issue 13 defect 7): the main
// page's projects and locations, the project page's entities, the selects and
// the diagram list records by name regardless of case, then by id, so `alpha`,
// `Beta` and `gamma` read alphabetically and two equal names keep a fixed
// order. Names compare by their lower-case UTF-16 code units, not by a locale,
// so the order is the same on every server and in both database engines.

export interface Named {
  id: number;
  name: string;
}

/** Negative when `a` comes first: name regardless of case, then id. */
export function compareByName(a: Named, b: Named): number {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a.id - b.id;
}

/** A sorted copy in the one order. */
export function sortByName<T extends Named>(items: readonly T[]): T[] {
  return [...items].sort(compareByName);
}
