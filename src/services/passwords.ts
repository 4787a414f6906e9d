// Password hashing with scrypt from Node's crypto: slow, salted, and no native
// dependency. Stored as `scrypt$N$r$p$salt$hash` so the cost can change later
// (a hash is always checked with the parameters it was made with). scrypt runs
// on libuv's small thread pool, which static files and DNS share: a
// PasswordHasher runs at most a few hashes at once, lets a few more wait, and
// refuses the rest at once (docs/install.md, "Log-in throttle").
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/** log2 of scrypt's N in production (PASSWORD_HASH_COST, docs/install.md). */
export const DEFAULT_HASH_COST = 15;
const r = 8;
const p = 1;
const KEYLEN = 32;

export interface PasswordHasherOptions {
  /** log2 of scrypt's N: each step doubles time and memory. */
  cost?: number;
  /** Hashes running at once (libuv has four threads by default). */
  maxConcurrent?: number;
  /** Hashes waiting for a turn; past that, PasswordHasherBusy. */
  maxWaiting?: number;
}

/** Too many hashes already running or waiting: answer "try again shortly". */
export class PasswordHasherBusy extends Error {
  constructor() {
    super("too many password checks at once");
  }
}

function derive(password: string, salt: Buffer, n: number, rr: number, pp: number): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; leave room so any cost we accept runs.
  const maxmem = 256 * n * rr + 1024 * 1024;
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFC"), salt, KEYLEN, { N: n, r: rr, p: pp, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export class PasswordHasher {
  readonly cost: number;
  readonly #maxConcurrent: number;
  readonly #maxWaiting: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  #dummy: Promise<string> | undefined;

  constructor({ cost = DEFAULT_HASH_COST, maxConcurrent = 2, maxWaiting = 8 }: PasswordHasherOptions = {}) {
    if (!Number.isInteger(cost) || cost < 1 || cost > 20) throw new RangeError("cost must be an integer from 1 to 20");
    this.cost = cost;
    this.#maxConcurrent = Math.max(1, maxConcurrent);
    this.#maxWaiting = Math.max(0, maxWaiting);
  }

  /** Hashes running now, and hashes waiting for a turn. */
  get active(): number {
    return this.#active;
  }
  get waiting(): number {
    return this.#waiting.length;
  }

  async #turn<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#maxConcurrent) {
      if (this.#waiting.length >= this.#maxWaiting) throw new PasswordHasherBusy();
      // The finishing hash hands its slot over: #active stays the same.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active++;
    }
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }

  hash(password: string): Promise<string> {
    return this.#turn(async () => {
      const n = 2 ** this.cost;
      const salt = randomBytes(16);
      const key = await derive(password, salt, n, r, p);
      return `scrypt$${n}$${r}$${p}$${salt.toString("base64")}$${key.toString("base64")}`;
    });
  }

  verify(password: string, stored: string): Promise<boolean> {
    const [scheme, n, rr, pp, salt, hash] = stored.split("$");
    if (scheme !== "scrypt" || !n || !rr || !pp || !salt || !hash) return Promise.resolve(false);
    return this.#turn(async () => {
      const expected = Buffer.from(hash, "base64");
      const key = await derive(password, Buffer.from(salt, "base64"), Number(n), Number(rr), Number(pp));
      return key.length === expected.length && timingSafeEqual(key, expected);
    });
  }

  /** Spends as long as a real check, so unknown user names cannot be told apart by timing. */
  async verifyNothing(password: string): Promise<false> {
    this.#dummy ??= this.hash(randomBytes(16).toString("hex"));
    const dummy = await this.#dummy.catch((error: unknown) => {
      this.#dummy = undefined; // a busy refusal must not be remembered
      throw error;
    });
    await this.verify(password, dummy);
    return false;
  }
}

// The CLI and first-start set-up hash one password at a time with the production cost.
const standard = new PasswordHasher();

export function hashPassword(password: string): Promise<string> {
  return standard.hash(password);
}

export function verifyPassword(password: string, stored: string): Promise<boolean> {
  return standard.verify(password, stored);
}
