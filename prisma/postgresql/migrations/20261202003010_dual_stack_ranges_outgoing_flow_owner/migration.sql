-- DropIndex
DROP INDEX "Communication_sourceId_destinationId_protocol_port_key";

-- AlterTable
ALTER TABLE "Entity" ADD COLUMN     "restrictOutgoing" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
-- Hand-edited: every existing flow is one port (or ICMP type), so its range
-- ends where it starts, and the column then has no default, as in the schema.
ALTER TABLE "Communication" ADD COLUMN     "expires" TEXT,
ADD COLUMN     "portEnd" INTEGER,
ADD COLUMN     "reference" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "requestedBy" TEXT NOT NULL DEFAULT '';
UPDATE "Communication" SET "portEnd" = "port";
ALTER TABLE "Communication" ALTER COLUMN "portEnd" SET NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "Communication_sourceId_destinationId_protocol_port_portEnd_key" ON "Communication"("sourceId", "destinationId", "protocol", "port", "portEnd");
