-- CreateTable
CREATE TABLE "Deployment" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "projectId" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "snapshotId" INTEGER NOT NULL,
    CONSTRAINT "Deployment_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Deployment_snapshotId_fkey" FOREIGN KEY ("snapshotId") REFERENCES "RuleSnapshot" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RuleSnapshot" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "hash" TEXT NOT NULL,
    "entityCount" INTEGER NOT NULL
);

-- CreateTable
CREATE TABLE "SnapshotEntity" (
    "snapshotId" INTEGER NOT NULL,
    "entityId" INTEGER NOT NULL,
    "entityName" TEXT NOT NULL,
    "iptablesHash" TEXT NOT NULL,
    "ip6tablesHash" TEXT NOT NULL,
    "nftablesHash" TEXT NOT NULL,

    PRIMARY KEY ("snapshotId", "entityId"),
    CONSTRAINT "SnapshotEntity_snapshotId_fkey" FOREIGN KEY ("snapshotId") REFERENCES "RuleSnapshot" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "SnapshotEntity_iptablesHash_fkey" FOREIGN KEY ("iptablesHash") REFERENCES "RuleFile" ("hash") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "SnapshotEntity_ip6tablesHash_fkey" FOREIGN KEY ("ip6tablesHash") REFERENCES "RuleFile" ("hash") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "SnapshotEntity_nftablesHash_fkey" FOREIGN KEY ("nftablesHash") REFERENCES "RuleFile" ("hash") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RuleFile" (
    "hash" TEXT NOT NULL PRIMARY KEY,
    "text" TEXT NOT NULL
);

-- CreateIndex
CREATE INDEX "Deployment_projectId_id_idx" ON "Deployment"("projectId", "id");

-- CreateIndex
CREATE INDEX "Deployment_snapshotId_idx" ON "Deployment"("snapshotId");

-- CreateIndex
CREATE UNIQUE INDEX "RuleSnapshot_hash_key" ON "RuleSnapshot"("hash");

-- CreateIndex
CREATE INDEX "SnapshotEntity_iptablesHash_idx" ON "SnapshotEntity"("iptablesHash");

-- CreateIndex
CREATE INDEX "SnapshotEntity_ip6tablesHash_idx" ON "SnapshotEntity"("ip6tablesHash");

-- CreateIndex
CREATE INDEX "SnapshotEntity_nftablesHash_idx" ON "SnapshotEntity"("nftablesHash");
