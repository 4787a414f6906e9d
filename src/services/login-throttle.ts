// Slows down password guessing (issue: log-in rate limiting): failed log-ins
// are counted per account and per client address over a sliding window; past
// the limit, log-ins for that key are refused without checking the password
// until the window has passed. Kept in memory: each process limits its own
// share, which still bounds guessing to a few attempts a minute.

export interface ThrottleOptions {
  windowMs: number;
  maxPerAccount: number;
  maxPerAddress: number;
}

export const defaultThrottle: ThrottleOptions = { windowMs: 15 * 60_000, maxPerAccount: 5, maxPerAddress: 20 };

export class LoginThrottle {
  readonly #failures = new Map<string, number[]>();

  constructor(
    readonly options: ThrottleOptions = defaultThrottle,
    private readonly now: () => number = Date.now,
  ) {}

  #recent(key: string): number[] {
    const since = this.now() - this.options.windowMs;
    const list = (this.#failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, list);
    return list;
  }

  /** Seconds to wait before trying again, or 0 when a log-in may be attempted. */
  retryAfter(username: string, address: string): number {
    const checks: [string, number][] = [
      [`u:${username.toLowerCase()}`, this.options.maxPerAccount],
      [`a:${address}`, this.options.maxPerAddress],
    ];
    let wait = 0;
    for (const [key, max] of checks) {
      const list = this.#recent(key);
      if (list.length >= max) {
        const oldest = list[list.length - max] ?? this.now();
        wait = Math.max(wait, Math.ceil((oldest + this.options.windowMs - this.now()) / 1000));
      }
    }
    return wait;
  }

  recordFailure(username: string, address: string): void {
    for (const key of [`u:${username.toLowerCase()}`, `a:${address}`]) {
      this.#failures.set(key, [...this.#recent(key), this.now()]);
    }
  }

  /** A successful log-in clears the account's failures (not the address's). */
  recordSuccess(username: string): void {
    this.#failures.delete(`u:${username.toLowerCase()}`);
  }
}
