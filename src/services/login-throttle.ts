// Slows down password guessing (docs/install.md, "Log-in throttle"). Every
// attempt is counted when it arrives, before the slow password check, so
// simultaneous requests cannot slip past the count. Two limits, both over one
// window: per client address, and per (user name, address) — never per user
// name alone, so nobody can lock an account out from everywhere by failing on
// purpose. A successful log-in clears its (user, address) count and gives the
// address its point back. Counters live in memory on SQLite (one process) and
// in the database on PostgreSQL, where several processes share the limits.
import { isIPv6 } from "node:net";
import { RateLimiterMemory, RateLimiterPrisma, RateLimiterRes } from "rate-limiter-flexible";
import type { Database } from "../data/engine.js";
import { loginAttemptStore, pruneLoginAttempts } from "../data/login-attempts.js";
import { formatIpv6, ipv6NetworkAddress, parseIpv6 } from "../domain/ipv6.js";

export interface ThrottleOptions {
  windowMs: number;
  /** Attempts per user name from one address. */
  maxPerAccount: number;
  /** Attempts from one address, whatever the user names. */
  maxPerAddress: number;
}

export const defaultThrottle: ThrottleOptions = { windowMs: 15 * 60_000, maxPerAccount: 5, maxPerAddress: 30 };

/** Longer names are cut before they become keys, so keys stay small. */
export const USERNAME_KEY_MAX = 150;

export type Attempt = { allowed: true } | { allowed: false; retryAfterSeconds: number };

type Limiter = RateLimiterMemory | RateLimiterPrisma;

/** The address a limit applies to: IPv4 as is (also when IPv4-mapped), IPv6 by its /64 network. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  const v6 = isIPv6(address) ? parseIpv6(address) : null;
  // One host usually holds a whole /64: counting each address would be no limit.
  return v6 === null ? address : `${formatIpv6(ipv6NetworkAddress(v6, 64))}/64`;
}

export function accountKey(username: string, address: string): string {
  return `${username.slice(0, USERNAME_KEY_MAX).toLowerCase()}|${addressKey(address)}`;
}

export class LoginThrottle {
  readonly #perAddress: Limiter;
  readonly #perAccount: Limiter;

  /** With `db`, counters are kept in its LoginAttempt table; without, in this process's memory. */
  constructor(
    readonly options: ThrottleOptions = defaultThrottle,
    private readonly db?: Database,
  ) {
    const make = (keyPrefix: string, points: number): Limiter => {
      const common = { keyPrefix, points, duration: options.windowMs / 1000 };
      return db
        ? new RateLimiterPrisma({
            ...common,
            storeClient: loginAttemptStore(db),
            tableName: "loginAttempt",
            // prune() removes old rows; the library's own timer would outlive a closed database.
            clearExpiredByTimeout: false,
          })
        : new RateLimiterMemory(common);
    };
    this.#perAddress = make("address", options.maxPerAddress);
    this.#perAccount = make("account", options.maxPerAccount);
  }

  /** For the app: shared database counters on PostgreSQL, memory on SQLite. */
  static for(db: Database, options: ThrottleOptions = defaultThrottle): LoginThrottle {
    return new LoginThrottle(options, db.engine === "postgresql" ? db : undefined);
  }

  /**
   * Counts one attempt now. Refused when the address or this user name from
   * this address has used up the window; the address is checked first, so a
   * refused address adds no per-account counter (memory stays bounded).
   */
  async attempt(username: string, address: string): Promise<Attempt> {
    for (const [limiter, key] of [
      [this.#perAddress, addressKey(address)],
      [this.#perAccount, accountKey(username, address)],
    ] as const) {
      try {
        await limiter.consume(key);
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)) };
      }
    }
    return { allowed: true };
  }

  /** After a successful log-in: its attempt no longer counts against the address or the account. */
  async succeeded(username: string, address: string): Promise<void> {
    await this.#perAccount.delete(accountKey(username, address));
    await this.#perAddress.reward(addressKey(address));
  }

  /** Attempts counted in the current window, for the address and for (user name, address). */
  async consumed(username: string, address: string): Promise<{ address: number; account: number }> {
    const [a, u] = await Promise.all([
      this.#perAddress.get(addressKey(address)),
      this.#perAccount.get(accountKey(username, address)),
    ]);
    return { address: a?.consumedPoints ?? 0, account: u?.consumedPoints ?? 0 };
  }

  /** Drops database counters whose window has ended (memory counters expire by themselves). */
  async prune(): Promise<number> {
    return this.db ? pruneLoginAttempts(this.db) : 0;
  }
}
