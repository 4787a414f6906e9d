-- CreateTable
CREATE TABLE "Deployment" (
    "id" SERIAL NOT NULL,
    "projectId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "snapshotId" INTEGER NOT NULL,

    CONSTRAINT "Deployment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RuleSnapshot" (
    "id" SERIAL NOT NULL,
    "hash" TEXT NOT NULL,
    "entityCount" INTEGER NOT NULL,

    CONSTRAINT "RuleSnapshot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SnapshotEntity" (
    "snapshotId" INTEGER NOT NULL,
    "entityId" INTEGER NOT NULL,
    "entityName" TEXT NOT NULL,
    "iptablesHash" TEXT NOT NULL,
    "ip6tablesHash" TEXT NOT NULL,
    "nftablesHash" TEXT NOT NULL,

    CONSTRAINT "SnapshotEntity_pkey" PRIMARY KEY ("snapshotId","entityId")
);

-- CreateTable
CREATE TABLE "RuleFile" (
    "hash" TEXT NOT NULL,
    "text" TEXT NOT NULL,

    CONSTRAINT "RuleFile_pkey" PRIMARY KEY ("hash")
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

-- AddForeignKey
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_snapshotId_fkey" FOREIGN KEY ("snapshotId") REFERENCES "RuleSnapshot"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SnapshotEntity" ADD CONSTRAINT "SnapshotEntity_snapshotId_fkey" FOREIGN KEY ("snapshotId") REFERENCES "RuleSnapshot"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SnapshotEntity" ADD CONSTRAINT "SnapshotEntity_iptablesHash_fkey" FOREIGN KEY ("iptablesHash") REFERENCES "RuleFile"("hash") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SnapshotEntity" ADD CONSTRAINT "SnapshotEntity_ip6tablesHash_fkey" FOREIGN KEY ("ip6tablesHash") REFERENCES "RuleFile"("hash") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SnapshotEntity" ADD CONSTRAINT "SnapshotEntity_nftablesHash_fkey" FOREIGN KEY ("nftablesHash") REFERENCES "RuleFile"("hash") ON DELETE RESTRICT ON UPDATE CASCADE;
