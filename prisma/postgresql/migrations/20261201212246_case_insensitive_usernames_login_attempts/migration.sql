-- AlterTable (hand-edited): usernameKey is the lower-case username. Names that
-- already differ only by case keep working: the oldest takes the plain key, the
-- others "name#id" ('#' is not allowed in a username, so no new name can clash).
ALTER TABLE "User" ADD COLUMN     "usernameKey" TEXT;
UPDATE "User" SET "usernameKey" = CASE WHEN EXISTS (SELECT 1 FROM "User" AS "older" WHERE lower("older"."username") = lower("User"."username") AND "older"."id" < "User"."id") THEN lower("username") || '#' || "id" ELSE lower("username") END;
ALTER TABLE "User" ALTER COLUMN "usernameKey" SET NOT NULL;

-- CreateTable
CREATE TABLE "LoginAttempt" (
    "key" TEXT NOT NULL,
    "points" INTEGER NOT NULL,
    "expire" TIMESTAMP(3),

    CONSTRAINT "LoginAttempt_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "LoginAttempt_expire_idx" ON "LoginAttempt"("expire");

-- CreateIndex
CREATE UNIQUE INDEX "User_usernameKey_key" ON "User"("usernameKey");
