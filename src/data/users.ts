// Accounts, groups and permissions (docs/usage.md).
import { NAME_MAX, PERMISSION_CODES, type PermissionCode } from "../domain/constants.js";
import type { Database } from "./engine.js";

export interface CurrentUser {
  id: number;
  username: string;
  isSuperuser: boolean;
  isActive: boolean;
  permissions: ReadonlySet<PermissionCode>;
}

export interface UserRow {
  id: number;
  username: string;
  isActive: boolean;
  isSuperuser: boolean;
  lastLoginAt: Date | null;
  groups: { id: number; name: string }[];
  permissions: PermissionCode[];
}

export interface GroupRow {
  id: number;
  name: string;
  permissions: PermissionCode[];
  userCount: number;
}

/** The unique form of a username: names differ only if they differ regardless of case. */
export function usernameKeyOf(username: string): string {
  return username.toLowerCase();
}

/**
 * Loads a user with the permissions they hold directly and through groups, in
 * one statement: this runs on every request of a logged-in user (a lookup). A user
 * without any permission comes back as one row with a NULL code.
 */
export async function getCurrentUser(db: Database, id: number): Promise<CurrentUser | null> {
  const rows = await db.lookup<{
    id: unknown;
    username: string;
    isSuperuser: unknown;
    isActive: unknown;
    code: string | null;
  }>(
    `SELECT u."id", u."username", u."isSuperuser", u."isActive", up."code"
       FROM "User" u LEFT JOIN "UserPermission" up ON up."userId" = u."id"
      WHERE u."id" = ?
     UNION ALL
     SELECT u."id", u."username", u."isSuperuser", u."isActive", gp."code"
       FROM "User" u
       JOIN "UserGroup" ug ON ug."userId" = u."id"
       JOIN "GroupPermission" gp ON gp."groupId" = ug."groupId"
      WHERE u."id" = ?`,
    [id, id],
  );
  const first = rows[0];
  if (!first) return null;
  // SQLite answers booleans as 0/1.
  const isSuperuser = Boolean(Number(first.isSuperuser));
  const codes = new Set<PermissionCode>(isSuperuser ? PERMISSION_CODES : []);
  for (const row of rows) if (row.code) codes.add(row.code as PermissionCode);
  return {
    id: Number(first.id),
    username: first.username,
    isSuperuser,
    isActive: Boolean(Number(first.isActive)),
    permissions: codes,
  };
}

/**
 * Finds the account a typed name means: the one spelt exactly so, else the one
 * equal regardless of case (docs/usage.md). Exact first, because accounts made
 * before names were compared without case may differ only by case.
 */
async function findByName(db: Database, username: string) {
  const rows = await db.run((c) =>
    c.user.findMany({
      where: { OR: [{ username }, { usernameKey: usernameKeyOf(username) }] },
      select: { id: true, username: true, passwordHash: true, isActive: true },
      take: 2,
    }),
  );
  return rows.find((u) => u.username === username) ?? rows[0] ?? null;
}

export async function findUserForLogin(db: Database, username: string) {
  // No username holds NUL or is longer than a name (the user form refuses
  // both), and PostgreSQL cannot take NUL in a text parameter: a 500 instead
  // of "wrong password".
  if (username.includes("\u0000") || username.length > NAME_MAX) return null;
  return findByName(db, username);
}

/** The name of another account that `username` would clash with (same regardless of case), or null. */
export async function usernameTaken(db: Database, username: string, exceptId?: number): Promise<string | null> {
  const row = await db.run((c) =>
    c.user.findFirst({
      where: { usernameKey: usernameKeyOf(username), ...(exceptId === undefined ? {} : { id: { not: exceptId } }) },
      select: { username: true },
    }),
  );
  return row?.username ?? null;
}

export async function recordLogin(db: Database, id: number): Promise<void> {
  await db.run((c) => c.user.update({ where: { id }, data: { lastLoginAt: new Date() } }));
}

function toUserRow(user: {
  id: number;
  username: string;
  isActive: boolean;
  isSuperuser: boolean;
  lastLoginAt: Date | null;
  groups: { group: { id: number; name: string } }[];
  permissions: { code: string }[];
}): UserRow {
  return {
    id: user.id,
    username: user.username,
    isActive: user.isActive,
    isSuperuser: user.isSuperuser,
    lastLoginAt: user.lastLoginAt,
    groups: user.groups
      .map((g) => ({ id: g.group.id, name: g.group.name }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    permissions: user.permissions.map((p) => p.code as PermissionCode).sort(),
  };
}

export async function listUsers(db: Database): Promise<UserRow[]> {
  const users = await db.run((c) =>
    c.user.findMany({
      orderBy: { username: "asc" },
      include: { groups: { include: { group: true } }, permissions: true },
    }),
  );
  return users.map(toUserRow);
}

export async function getUser(db: Database, id: number): Promise<UserRow | null> {
  const user = await db.run((c) =>
    c.user.findUnique({ where: { id }, include: { groups: { include: { group: true } }, permissions: true } }),
  );
  return user ? toUserRow(user) : null;
}

/** The account a typed name means (exact spelling first, else regardless of case). */
export async function getUserByName(db: Database, username: string): Promise<UserRow | null> {
  const found = await findByName(db, username);
  return found ? getUser(db, found.id) : null;
}

export interface UserInput {
  username: string;
  isActive: boolean;
  isSuperuser: boolean;
  groupIds: number[];
  permissions: PermissionCode[];
}

export async function createUser(db: Database, input: UserInput & { passwordHash: string }): Promise<number> {
  const user = await db.run((c) =>
    c.user.create({
      data: {
        username: input.username,
        usernameKey: usernameKeyOf(input.username),
        passwordHash: input.passwordHash,
        isActive: input.isActive,
        isSuperuser: input.isSuperuser,
        groups: { create: input.groupIds.map((groupId) => ({ groupId })) },
        permissions: { create: input.permissions.map((code) => ({ code })) },
      },
    }),
  );
  return user.id;
}

/**
 * Updates an account. Deactivating it ends all of its sessions (docs/usage.md: an
 * inactive user cannot use the site), in the same transaction.
 */
export async function updateUser(db: Database, id: number, input: UserInput): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.user.update({
      where: { id },
      data: {
        username: input.username,
        usernameKey: usernameKeyOf(input.username),
        isActive: input.isActive,
        isSuperuser: input.isSuperuser,
        groups: { deleteMany: {}, create: input.groupIds.map((groupId) => ({ groupId })) },
        permissions: { deleteMany: {}, create: input.permissions.map((code) => ({ code })) },
      },
    });
    if (!input.isActive) await tx.session.deleteMany({ where: { userId: id } });
  });
}

/** Sets a password and ends the user's sessions except `keepSid` (the caller's own). */
export async function setPassword(db: Database, id: number, passwordHash: string, keepSid?: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.user.update({ where: { id }, data: { passwordHash } });
    await tx.session.deleteMany({ where: { userId: id, ...(keepSid ? { sid: { not: keepSid } } : {}) } });
  });
}

export async function listGroups(db: Database): Promise<GroupRow[]> {
  const groups = await db.run((c) =>
    c.group.findMany({ orderBy: { name: "asc" }, include: { permissions: true, _count: { select: { users: true } } } }),
  );
  return groups.map((g) => ({
    id: g.id,
    name: g.name,
    permissions: g.permissions.map((p) => p.code as PermissionCode).sort(),
    userCount: g._count.users,
  }));
}

export async function getGroup(db: Database, id: number): Promise<GroupRow | null> {
  const groups = await listGroups(db);
  return groups.find((g) => g.id === id) ?? null;
}

export async function saveGroup(
  db: Database,
  id: number | null,
  input: { name: string; permissions: PermissionCode[] },
): Promise<number> {
  return db.transaction(async (tx) => {
    const data = {
      name: input.name,
      permissions: { deleteMany: {}, create: input.permissions.map((code) => ({ code })) },
    };
    if (id === null) {
      const g = await tx.group.create({
        data: { name: input.name, permissions: { create: input.permissions.map((code) => ({ code })) } },
      });
      return g.id;
    }
    await tx.group.update({ where: { id }, data });
    return id;
  });
}

export async function deleteGroup(db: Database, id: number): Promise<void> {
  await db.run((c) => c.group.delete({ where: { id } }));
}

/** Deletes an account; its group memberships, permissions, sessions and API tokens go with it. */
export async function deleteUser(db: Database, id: number): Promise<void> {
  await db.run((c) => c.user.deleteMany({ where: { id } }));
}
