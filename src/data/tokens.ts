// API tokens (docs/api.md, "Tokens"): only the SHA-256 of a token is stored,
// never the token. A revoked token's row is deleted, so a revoked token and
// one that never existed look the same to a caller: unknown.
import type { Database } from "./engine.js";

export interface TokenInput {
  userId: number;
  name: string;
  /** SHA-256 of the token, hex (src/services/tokens.ts). */
  tokenHash: string;
  readOnly: boolean;
  /** The first moment the token no longer works; null: never expires. */
  expiresAt: Date | null;
}

export interface TokenRow {
  id: number;
  name: string;
  readOnly: boolean;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  user: { id: number; username: string };
}

/** What bearer authentication needs of a token, found by its hash. */
export interface TokenForAuth {
  id: number;
  tokenHash: string;
  userId: number;
  name: string;
  readOnly: boolean;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

const select = {
  id: true,
  name: true,
  readOnly: true,
  createdAt: true,
  expiresAt: true,
  lastUsedAt: true,
  user: { select: { id: true, username: true } },
} as const;

export function createToken(db: Database, input: TokenInput): Promise<TokenRow> {
  return db.run((c) => c.apiToken.create({ data: input, select }));
}

/** One user's tokens (userId given), or everyone's; newest first. */
export function listTokens(db: Database, userId?: number): Promise<TokenRow[]> {
  return db.run((c) =>
    c.apiToken.findMany({
      where: userId === undefined ? {} : { userId },
      select,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    }),
  );
}

export function getToken(db: Database, id: number): Promise<TokenRow | null> {
  return db.run((c) => c.apiToken.findUnique({ where: { id }, select }));
}

/** The token with this hash, through the unique index: one statement. */
export function findTokenByHash(db: Database, tokenHash: string): Promise<TokenForAuth | null> {
  return db.run((c) =>
    c.apiToken.findUnique({
      where: { tokenHash },
      select: {
        id: true,
        tokenHash: true,
        userId: true,
        name: true,
        readOnly: true,
        expiresAt: true,
        lastUsedAt: true,
      },
    }),
  );
}

/**
 * Records a use at `now` unless one at or after `since` is already recorded
 * (another process may have written it meanwhile): one UPDATE, no read.
 */
export async function touchToken(db: Database, id: number, now: Date, since: Date): Promise<void> {
  await db.run((c) =>
    c.apiToken.updateMany({
      where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: since } }] },
      data: { lastUsedAt: now },
    }),
  );
}

/** Revokes (deletes) a token; false when it was already gone. */
export async function deleteToken(db: Database, id: number): Promise<boolean> {
  const { count } = await db.run((c) => c.apiToken.deleteMany({ where: { id } }));
  return count > 0;
}
