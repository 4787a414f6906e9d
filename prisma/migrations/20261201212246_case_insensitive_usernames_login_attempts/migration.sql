-- CreateTable
CREATE TABLE "LoginAttempt" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "points" INTEGER NOT NULL,
    "expire" DATETIME
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_User" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "username" TEXT NOT NULL,
    "usernameKey" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "isSuperuser" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "lastLoginAt" DATETIME
);
-- Hand-edited: usernameKey is the lower-case username. Names that already
-- differ only by case keep working: the oldest takes the plain key, the others
-- "name#id" ('#' is not allowed in a username, so no new name can clash).
INSERT INTO "new_User" ("createdAt", "id", "isActive", "isSuperuser", "lastLoginAt", "passwordHash", "updatedAt", "username", "usernameKey") SELECT "createdAt", "id", "isActive", "isSuperuser", "lastLoginAt", "passwordHash", "updatedAt", "username", CASE WHEN EXISTS (SELECT 1 FROM "User" AS "older" WHERE lower("older"."username") = lower("User"."username") AND "older"."id" < "User"."id") THEN lower("username") || '#' || "id" ELSE lower("username") END FROM "User";
DROP TABLE "User";
ALTER TABLE "new_User" RENAME TO "User";
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");
CREATE UNIQUE INDEX "User_usernameKey_key" ON "User"("usernameKey");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "LoginAttempt_expire_idx" ON "LoginAttempt"("expire");
