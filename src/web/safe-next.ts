// The `next` parameter (docs/usage.md): honoured only as a path on this site.

/** Returns `value` when it is a local path (one leading `/`), else `fallback`. */
export function safeNext(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || value.length > 2000) return fallback;
  if (!value.startsWith("/") || value.startsWith("//")) return fallback;
  // Browsers read a backslash as a slash (`/\evil.example`) and drop control characters.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting them is the point
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return fallback;
  try {
    const url = new URL(value, "http://local.invalid");
    if (url.origin !== "http://local.invalid") return fallback;
  } catch {
    return fallback;
  }
  return value;
}
