// The unique form of a project or location name (docs/usage.md, "Uniqueness"):
// two names clash when they are equal regardless of case, as user names do.
// Stored in the nameKey columns; every write of a name writes its key.

/** `Main Site` and `main site` give the same key. */
export function nameKeyOf(name: string): string {
  return name.toLowerCase();
}
