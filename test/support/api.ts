// API test helpers (docs/api.md): tokens made through the data layer, as the
// account page makes them, and supertest calls carrying one.
import request from "supertest";
import { createToken } from "../../src/data/tokens.js";
import { newToken } from "../../src/services/tokens.js";
import type { TestContext } from "./app.js";

let counter = 0;

/** A new token of the user; returns the token text. */
export async function apiToken(
  ctx: TestContext,
  userId: number,
  options: { readOnly?: boolean; expiresAt?: Date | null; name?: string } = {},
): Promise<string> {
  const { token, tokenHash } = newToken();
  await createToken(ctx.db, {
    userId,
    name: options.name ?? `test token ${++counter}`,
    tokenHash,
    readOnly: options.readOnly ?? false,
    expiresAt: options.expiresAt ?? null,
  });
  return token;
}

type Method = "get" | "post" | "patch" | "delete";

/** A request with `Authorization: Bearer token` (none when token is undefined). */
export function api(ctx: TestContext, method: Method, path: string, token?: string) {
  const req = request(ctx.app)[method](path);
  return token === undefined ? req : req.set("Authorization", `Bearer ${token}`);
}
