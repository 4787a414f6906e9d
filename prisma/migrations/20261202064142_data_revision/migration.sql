-- CreateTable
CREATE TABLE "DataRevision" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "value" BIGINT NOT NULL DEFAULT 0
);

-- Hand-edited: the one row, and the triggers that bump it. Every insert,
-- update and delete of a content table (every table but the accounts,
-- sessions and log-in counters) adds 1 in the writer's own transaction, so
-- the server, the CLI, another process and SQL run by hand all count, and a
-- rolled-back write counts for nothing. SQLite has row triggers only: a
-- statement that writes n rows adds n.
--
-- Warning: when a later migration changes a content table in a way SQLite
-- cannot ALTER, Prisma redefines it (CREATE TABLE "new_X", copy, DROP TABLE
-- "X", rename), and the DROP takes the table's triggers with it. Such a
-- migration must create that table's three triggers again, as below;
-- test/integration/data-revision.test.ts fails until it does. A new content
-- table needs its three triggers in the migration that creates it.
INSERT INTO "DataRevision" ("id", "value") VALUES (1, 0);

CREATE TRIGGER "DataRevision_Project_insert" AFTER INSERT ON "Project" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_Project_update" AFTER UPDATE ON "Project" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_Project_delete" AFTER DELETE ON "Project" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;

CREATE TRIGGER "DataRevision_Location_insert" AFTER INSERT ON "Location" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_Location_update" AFTER UPDATE ON "Location" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_Location_delete" AFTER DELETE ON "Location" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;

CREATE TRIGGER "DataRevision_Entity_insert" AFTER INSERT ON "Entity" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_Entity_update" AFTER UPDATE ON "Entity" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_Entity_delete" AFTER DELETE ON "Entity" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;

CREATE TRIGGER "DataRevision_Interface_insert" AFTER INSERT ON "Interface" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_Interface_update" AFTER UPDATE ON "Interface" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_Interface_delete" AFTER DELETE ON "Interface" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;

CREATE TRIGGER "DataRevision_Communication_insert" AFTER INSERT ON "Communication" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_Communication_update" AFTER UPDATE ON "Communication" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_Communication_delete" AFTER DELETE ON "Communication" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;

CREATE TRIGGER "DataRevision_Deployment_insert" AFTER INSERT ON "Deployment" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_Deployment_update" AFTER UPDATE ON "Deployment" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_Deployment_delete" AFTER DELETE ON "Deployment" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;

CREATE TRIGGER "DataRevision_RuleSnapshot_insert" AFTER INSERT ON "RuleSnapshot" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_RuleSnapshot_update" AFTER UPDATE ON "RuleSnapshot" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_RuleSnapshot_delete" AFTER DELETE ON "RuleSnapshot" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;

CREATE TRIGGER "DataRevision_SnapshotEntity_insert" AFTER INSERT ON "SnapshotEntity" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_SnapshotEntity_update" AFTER UPDATE ON "SnapshotEntity" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_SnapshotEntity_delete" AFTER DELETE ON "SnapshotEntity" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;

CREATE TRIGGER "DataRevision_RuleFile_insert" AFTER INSERT ON "RuleFile" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_RuleFile_update" AFTER UPDATE ON "RuleFile" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_RuleFile_delete" AFTER DELETE ON "RuleFile" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;

CREATE TRIGGER "DataRevision_ChangeEntry_insert" AFTER INSERT ON "ChangeEntry" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_ChangeEntry_update" AFTER UPDATE ON "ChangeEntry" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;
CREATE TRIGGER "DataRevision_ChangeEntry_delete" AFTER DELETE ON "ChangeEntry" BEGIN
    UPDATE "DataRevision" SET "value" = "value" + 1 WHERE "id" = 1;
END;

-- The row only ever grows: `conntrackt restore` empties and refills every
-- table, this one too, and a value the database had before (which a running
-- server may have cached pages under) must never come back. Deleting or
-- inserting it is skipped, so a restore keeps the live value and its own
-- writes bump it.
CREATE TRIGGER "DataRevision_keep_delete" BEFORE DELETE ON "DataRevision" BEGIN
    SELECT RAISE(IGNORE);
END;
CREATE TRIGGER "DataRevision_keep_insert" BEFORE INSERT ON "DataRevision" BEGIN
    SELECT RAISE(IGNORE);
END;
