-- AlterTable (hand-edited): nameKey is the lower-case name. Names that already
-- differ only by case keep working: the oldest takes the plain key, the others
-- "name#id".
ALTER TABLE "Project" ADD COLUMN     "nameKey" TEXT;
UPDATE "Project" SET "nameKey" = CASE WHEN EXISTS (SELECT 1 FROM "Project" AS "older" WHERE lower("older"."name") = lower("Project"."name") AND "older"."id" < "Project"."id") THEN lower("name") || '#' || "id" ELSE lower("name") END;
ALTER TABLE "Project" ALTER COLUMN "nameKey" SET NOT NULL;

-- AlterTable (hand-edited, as above)
ALTER TABLE "Location" ADD COLUMN     "nameKey" TEXT;
UPDATE "Location" SET "nameKey" = CASE WHEN EXISTS (SELECT 1 FROM "Location" AS "older" WHERE lower("older"."name") = lower("Location"."name") AND "older"."id" < "Location"."id") THEN lower("name") || '#' || "id" ELSE lower("name") END;
ALTER TABLE "Location" ALTER COLUMN "nameKey" SET NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "Project_nameKey_key" ON "Project"("nameKey");

-- CreateIndex
CREATE UNIQUE INDEX "Location_nameKey_key" ON "Location"("nameKey");
