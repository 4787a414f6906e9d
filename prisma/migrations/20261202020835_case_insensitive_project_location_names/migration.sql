-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Project" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "nameKey" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
-- Hand-edited: nameKey is the lower-case name. Names that already differ only
-- by case keep working: the oldest takes the plain key, the others "name#id".
INSERT INTO "new_Project" ("createdAt", "description", "id", "name", "nameKey", "updatedAt") SELECT "createdAt", "description", "id", "name", CASE WHEN EXISTS (SELECT 1 FROM "Project" AS "older" WHERE lower("older"."name") = lower("Project"."name") AND "older"."id" < "Project"."id") THEN lower("name") || '#' || "id" ELSE lower("name") END, "updatedAt" FROM "Project";
DROP TABLE "Project";
ALTER TABLE "new_Project" RENAME TO "Project";
CREATE UNIQUE INDEX "Project_name_key" ON "Project"("name");
CREATE UNIQUE INDEX "Project_nameKey_key" ON "Project"("nameKey");
CREATE TABLE "new_Location" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "nameKey" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
-- Hand-edited: nameKey is the lower-case name. Names that already differ only
-- by case keep working: the oldest takes the plain key, the others "name#id".
INSERT INTO "new_Location" ("createdAt", "description", "id", "name", "nameKey", "updatedAt") SELECT "createdAt", "description", "id", "name", CASE WHEN EXISTS (SELECT 1 FROM "Location" AS "older" WHERE lower("older"."name") = lower("Location"."name") AND "older"."id" < "Location"."id") THEN lower("name") || '#' || "id" ELSE lower("name") END, "updatedAt" FROM "Location";
DROP TABLE "Location";
ALTER TABLE "new_Location" RENAME TO "Location";
CREATE UNIQUE INDEX "Location_name_key" ON "Location"("name");
CREATE UNIQUE INDEX "Location_nameKey_key" ON "Location"("nameKey");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
