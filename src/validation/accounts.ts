// Log-in and administration forms (docs/usage.md).
import { z } from "zod";
import { PERMISSION_CODES } from "../domain/constants.js";
import { checkbox, id, many, name, text } from "./common.js";

export const loginForm = z.object({
  username: text("Username").transform((v) => v.trim()),
  password: text("Password"),
});

const username = name("Username").pipe(
  z.string().regex(/^[\w.@+-]+$/, "Username may contain only letters, digits and @ . + - _."),
);

export const newPassword = text("Password").pipe(
  z.string().min(8, "Password must be at least 8 characters.").max(1024, "Password must be at most 1024 characters."),
);

const permission = z.enum(PERMISSION_CODES, { error: "Unknown permission." });

/** A value sent twice (a forged or replayed form) means the same as once. */
const unique = <T>(values: T[]) => [...new Set(values)];

export const userForm = z.object({
  username,
  isActive: checkbox,
  isSuperuser: checkbox,
  groups: many(id("Group")).transform(unique),
  permissions: many(permission).transform(unique),
});

export const newUserForm = userForm
  .extend({ password: newPassword, password2: text("Password confirmation") })
  .refine((v) => v.password === v.password2, { path: ["password2"], message: "The two passwords do not match." });

export const passwordForm = z
  .object({ password: newPassword, password2: text("Password confirmation") })
  .refine((v) => v.password === v.password2, { path: ["password2"], message: "The two passwords do not match." });

export const groupForm = z.object({ name: name(), permissions: many(permission).transform(unique) });
