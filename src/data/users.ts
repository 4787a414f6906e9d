// Accounts, groups and permissions (docs/usage.md).
import { PERMISSION_CODES, type PermissionCode } from "../domain/constants.js";
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

const userInclude = {
  groups: { include: { group: { include: { permissions: true } } } },
  permissions: true,
} as const;

/** Loads a user with the permissions they hold directly and through groups. */
export async function getCurrentUser(db: Database, id: number): Promise<CurrentUser | null> {
  const user = await db.run((c) => c.user.findUnique({ where: { id }, include: userInclude }));
  if (!user) return null;
  const codes = new Set<PermissionCode>();
  if (user.isSuperuser) for (const code of PERMISSION_CODES) codes.add(code);
  for (const p of user.permissions) codes.add(p.code as PermissionCode);
  for (const g of user.groups) for (const p of g.group.permissions) codes.add(p.code as PermissionCode);
  return {
    id: user.id,
    username: user.username,
    isSuperuser: user.isSuperuser,
    isActive: user.isActive,
    permissions: codes,
  };
}

export async function findUserForLogin(db: Database, username: string) {
  // No username holds NUL (the user form refuses control characters), and
  // PostgreSQL cannot take it in a text parameter: a 500 instead of "wrong password".
  if (username.includes("\u0000")) return null;
  return db.run((c) =>
    c.user.findUnique({ where: { username }, select: { id: true, passwordHash: true, isActive: true } }),
  );
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

export async function getUserByName(db: Database, username: string): Promise<UserRow | null> {
  const user = await db.run((c) =>
    c.user.findUnique({ where: { username }, include: { groups: { include: { group: true } }, permissions: true } }),
  );
  return user ? toUserRow(user) : null;
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
