-- CreateTable
CREATE TABLE "ChangeEntry" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "time" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "objectType" TEXT NOT NULL,
    "objectId" INTEGER NOT NULL,
    "display" TEXT NOT NULL,
    "projectId" INTEGER,
    "entityId" INTEGER,
    "peerEntityId" INTEGER,
    "before" TEXT,
    "after" TEXT
);

-- CreateIndex
CREATE INDEX "ChangeEntry_projectId_id_idx" ON "ChangeEntry"("projectId", "id");

-- CreateIndex
CREATE INDEX "ChangeEntry_entityId_id_idx" ON "ChangeEntry"("entityId", "id");

-- CreateIndex
CREATE INDEX "ChangeEntry_peerEntityId_id_idx" ON "ChangeEntry"("peerEntityId", "id");

-- CreateIndex
CREATE INDEX "ChangeEntry_objectType_id_idx" ON "ChangeEntry"("objectType", "id");

-- CreateIndex
CREATE INDEX "ChangeEntry_actor_id_idx" ON "ChangeEntry"("actor", "id");

-- CreateIndex
CREATE INDEX "ChangeEntry_time_idx" ON "ChangeEntry"("time");
