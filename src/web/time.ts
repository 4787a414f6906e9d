// How pages show a moment (issue 13 defect 3): a readable date and time in the
// server's time zone, named, inside `<time datetime=ISO>` so the exact instant
// stays in the markup. Registered as the Nunjucks filter `localTime`.
import nunjucks from "nunjucks";

const FORMAT = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZoneName: "short",
});

/** `2 Dec 2026, 01:45 UTC`; "" for anything but a valid Date. */
export function formatLocalTime(value: unknown): string {
  return value instanceof Date && !Number.isNaN(value.getTime()) ? FORMAT.format(value) : "";
}

/** The `localTime` filter: `<time datetime="ISO">readable</time>`, or `fallback` for no date. */
export function localTimeFilter(value: unknown, fallback = ""): nunjucks.runtime.SafeString | string {
  const text = formatLocalTime(value);
  if (text === "") return fallback;
  const iso = (value as Date).toISOString();
  // Both texts come from toISOString and Intl (digits, letters, spaces, ",:+-"): nothing to escape.
  return new nunjucks.runtime.SafeString(`<time datetime="${iso}">${text}</time>`);
}
