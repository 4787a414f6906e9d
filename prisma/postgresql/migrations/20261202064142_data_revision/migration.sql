-- CreateTable
CREATE TABLE "DataRevision" (
    "id" INTEGER NOT NULL,
    "value" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "DataRevision_pkey" PRIMARY KEY ("id")
);

-- Hand-edited: the one row, and the triggers that bump it. Every statement
-- that inserts, updates, deletes or truncates a content table (every table
-- but the accounts, sessions and log-in counters) adds 1 in the writer's own
-- transaction, so the server, the CLI, another process and SQL run by hand
-- all count, and a rolled-back write counts for nothing. Statement triggers
-- update the row once per statement, however many rows it writes.
--
-- BEFORE, not AFTER: the row's lock is held until the writing transaction
-- ends, so content writers take turns from their first write on. Taken
-- before the statement, it comes ahead of the row locks the statement takes
-- (its rows, the KEY SHARE locks of its foreign keys). Taken after, a writer
-- would hold those while it waits for the revision, and the holder of the
-- revision, wanting one of them next, would deadlock with it.
--
-- No semicolon may appear in this file but at the end of a statement: the
-- driver adapter that applies migrations (@prisma/adapter-pg) splits the
-- script at every one. The function body is therefore an escape string,
-- its semicolons written \073.
--
-- A new content table needs its trigger in the migration that creates it
-- (test/integration/data-revision.test.ts fails until it has one).
INSERT INTO "DataRevision" ("id", "value") VALUES (1, 0);

CREATE FUNCTION "DataRevision_bump"() RETURNS trigger LANGUAGE plpgsql AS
E'BEGIN UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1\073 RETURN NULL\073 END';

CREATE TRIGGER "DataRevision_Project" BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "Project"
    FOR EACH STATEMENT EXECUTE FUNCTION "DataRevision_bump"();

CREATE TRIGGER "DataRevision_Location" BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "Location"
    FOR EACH STATEMENT EXECUTE FUNCTION "DataRevision_bump"();

CREATE TRIGGER "DataRevision_Entity" BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "Entity"
    FOR EACH STATEMENT EXECUTE FUNCTION "DataRevision_bump"();

CREATE TRIGGER "DataRevision_Interface" BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "Interface"
    FOR EACH STATEMENT EXECUTE FUNCTION "DataRevision_bump"();

CREATE TRIGGER "DataRevision_Communication" BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "Communication"
    FOR EACH STATEMENT EXECUTE FUNCTION "DataRevision_bump"();

CREATE TRIGGER "DataRevision_Deployment" BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "Deployment"
    FOR EACH STATEMENT EXECUTE FUNCTION "DataRevision_bump"();

CREATE TRIGGER "DataRevision_RuleSnapshot" BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "RuleSnapshot"
    FOR EACH STATEMENT EXECUTE FUNCTION "DataRevision_bump"();

CREATE TRIGGER "DataRevision_SnapshotEntity" BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "SnapshotEntity"
    FOR EACH STATEMENT EXECUTE FUNCTION "DataRevision_bump"();

CREATE TRIGGER "DataRevision_RuleFile" BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "RuleFile"
    FOR EACH STATEMENT EXECUTE FUNCTION "DataRevision_bump"();

CREATE TRIGGER "DataRevision_ChangeEntry" BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "ChangeEntry"
    FOR EACH STATEMENT EXECUTE FUNCTION "DataRevision_bump"();
