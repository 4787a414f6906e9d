-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Entity" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "projectId" INTEGER NOT NULL,
    "locationId" INTEGER NOT NULL,
    "restrictOutgoing" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Entity_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Entity_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "Location" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Entity" ("createdAt", "description", "id", "locationId", "name", "projectId", "updatedAt") SELECT "createdAt", "description", "id", "locationId", "name", "projectId", "updatedAt" FROM "Entity";
DROP TABLE "Entity";
ALTER TABLE "new_Entity" RENAME TO "Entity";
CREATE INDEX "Entity_locationId_idx" ON "Entity"("locationId");
CREATE UNIQUE INDEX "Entity_projectId_name_key" ON "Entity"("projectId", "name");
CREATE TABLE "new_Communication" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "sourceId" INTEGER NOT NULL,
    "destinationId" INTEGER NOT NULL,
    "protocol" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "portEnd" INTEGER NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "requestedBy" TEXT NOT NULL DEFAULT '',
    "reference" TEXT NOT NULL DEFAULT '',
    "expires" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Communication_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Interface" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Communication_destinationId_fkey" FOREIGN KEY ("destinationId") REFERENCES "Interface" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
-- Hand-edited: every existing flow is one port (or ICMP type), so its range ends where it starts.
INSERT INTO "new_Communication" ("createdAt", "description", "destinationId", "id", "port", "portEnd", "protocol", "sourceId", "updatedAt") SELECT "createdAt", "description", "destinationId", "id", "port", "port", "protocol", "sourceId", "updatedAt" FROM "Communication";
DROP TABLE "Communication";
ALTER TABLE "new_Communication" RENAME TO "Communication";
CREATE INDEX "Communication_destinationId_idx" ON "Communication"("destinationId");
CREATE UNIQUE INDEX "Communication_sourceId_destinationId_protocol_port_portEnd_key" ON "Communication"("sourceId", "destinationId", "protocol", "port", "portEnd");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
