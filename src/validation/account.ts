// The account page's forms (docs/usage.md, "Account"): changing one's own
// password, and creating an API token (docs/api.md, "Tokens").
import { z } from "zod";
import { addDays, todayUtc } from "../domain/expiry.js";
import { newPassword } from "./accounts.js";
import { name, text } from "./common.js";
import { expiresRule } from "./fields.js";

export const ownPasswordForm = z
  .object({
    current: text("Current password"),
    password: newPassword,
    password2: text("Password confirmation"),
  })
  .refine((v) => v.password === v.password2, { path: ["password2"], message: "The two passwords do not match." });

/** The Access field's options: value and label. */
export const TOKEN_ACCESS = [
  { value: "read", label: "Read only" },
  { value: "write", label: "Read and write" },
] as const;

/** The first moment a token with this Expires date no longer works: it works through that day (UTC), as a flow does. */
export function tokenExpiresAt(expires: string): Date {
  return new Date(`${addDays(expires, 1)}T00:00:00Z`);
}

/** The Expires date a token was created with (the day before `expiresAt`, UTC). */
export function tokenExpiresDate(expiresAt: Date): string {
  return todayUtc(new Date(expiresAt.getTime() - 1));
}

export const tokenForm = z
  .object({
    name: name(),
    expires: text("Expires")
      .optional()
      .transform((v) => v ?? "")
      .pipe(expiresRule())
      .refine((v) => v === null || v >= todayUtc(), "Expires must be today or a later date (or empty: never)."),
    access: z.enum(["read", "write"], { error: "Access: choose Read only or Read and write." }),
  })
  .transform((v) => ({
    name: v.name,
    expiresAt: v.expires === null ? null : tokenExpiresAt(v.expires),
    readOnly: v.access === "read",
  }));
export type TokenForm = z.output<typeof tokenForm>;
