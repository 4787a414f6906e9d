// Flow expiry (docs/usage.md): a communication whose Expires date is before
// today (UTC) is expired and left out of every generated file; one expiring
// within EXPIRING_DAYS days is flagged on the pages. Dates are `YYYY-MM-DD`
// text, so comparing them as strings compares them as dates.

/** How many days ahead the project page warns about flows that will expire. */
export const EXPIRING_DAYS = 14;

export type ExpiryState = "expired" | "expiring" | "active";

/** Today's date in UTC as `YYYY-MM-DD`. */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** The date `days` days after `date` (`YYYY-MM-DD`). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whether a flow with this Expires date is left out of the files generated on `today`. */
export function isExpired(expires: string | null | undefined, today: string): boolean {
  return expires != null && expires < today;
}

/** expired (before today), expiring (today or within EXPIRING_DAYS days) or active. */
export function expiryState(expires: string | null | undefined, today: string): ExpiryState {
  if (expires == null) return "active";
  if (expires < today) return "expired";
  return expires <= addDays(today, EXPIRING_DAYS) ? "expiring" : "active";
}
