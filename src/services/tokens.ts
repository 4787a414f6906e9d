// API tokens (docs/api.md, "Tokens"): generation and bearer authentication.
// A token is `ct_` and 43 characters of base64url (32 random bytes): the
// prefix lets secret scanners and people recognise it. Only its SHA-256 is
// stored; a fast hash is enough because the token is random, not chosen by a
// person, so there is nothing to guess from the hash. The lookup goes through
// the unique index on the hash: how long it takes says something about the
// hash of the text sent, never about a real token.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Database } from "../data/engine.js";
import { findTokenByHash, type TokenForAuth, touchToken } from "../data/tokens.js";
import { type CurrentUser, getCurrentUser } from "../data/users.js";

export const TOKEN_PREFIX = "ct_";
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^ct_[A-Za-z0-9_-]{43}$/;

/** `lastUsedAt` is written at most this often per token, so reading is not writing. */
export const TOUCH_INTERVAL_MS = 60_000;

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A new token: the text to show once, and the hash to store. */
export function newToken(): { token: string; tokenHash: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString("base64url")}`;
  return { token, tokenHash: hashToken(token) };
}

/** Why a token was refused; the answer to the caller is the same 401 for each. */
export type TokenRefusal = "malformed" | "unknown" | "expired" | "inactive user";

export type TokenAuthentication =
  | { ok: true; user: CurrentUser; token: TokenForAuth }
  | { ok: false; reason: TokenRefusal; tokenId?: number };

export class TokenAuthenticator {
  readonly #db: Database;
  readonly #now: () => Date;
  /** Token id → when this process last wrote its lastUsedAt (ms): concurrent requests write once. */
  readonly #touched = new Map<number, number>();

  constructor(db: Database, options: { now?: () => Date } = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
  }

  async authenticate(text: string): Promise<TokenAuthentication> {
    if (!TOKEN_SHAPE.test(text)) return { ok: false, reason: "malformed" };
    const tokenHash = hashToken(text);
    const token = await findTokenByHash(this.#db, tokenHash);
    if (!token || !sameHash(token.tokenHash, tokenHash)) return { ok: false, reason: "unknown" };
    const now = this.#now();
    if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) {
      return { ok: false, reason: "expired", tokenId: token.id };
    }
    const user = await getCurrentUser(this.#db, token.userId);
    if (!user?.isActive) return { ok: false, reason: "inactive user", tokenId: token.id };
    await this.#touch(token, now);
    return { ok: true, user, token };
  }

  async #touch(token: TokenForAuth, now: Date): Promise<void> {
    const since = now.getTime() - TOUCH_INTERVAL_MS;
    const seen = Math.max(token.lastUsedAt?.getTime() ?? 0, this.#touched.get(token.id) ?? 0);
    if (seen > since) return;
    this.#touched.set(token.id, now.getTime());
    if (this.#touched.size > 10_000) this.#touched.clear();
    await touchToken(this.#db, token.id, now, new Date(since));
  }
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
