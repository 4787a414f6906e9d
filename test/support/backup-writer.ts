// A second process that writes to a database without pause, for the backup
// tests: each transaction adds an entity and its interface, then prints
// `ack N` once committed. It stops when its standard input closes.
import { openDatabase } from "../../src/data/engine.js";

const url = process.argv[2];
if (!url) throw new Error("usage: backup-writer.ts DATABASE_URL");
const db = await openDatabase(url);
let stop = false;
process.stdin.on("end", () => {
  stop = true;
});
process.stdin.resume();

const { projectId, locationId } = await db.transaction(async (tx) => {
  const location = await tx.location.create({ data: { name: "Writer site", nameKey: "writer site" } });
  const project = await tx.project.create({ data: { name: "Writer project", nameKey: "writer project" } });
  return { projectId: project.id, locationId: location.id };
});
process.stdout.write("ready\n");

for (let n = 1; !stop; n++) {
  await db.transaction(async (tx) => {
    const entity = await tx.entity.create({ data: { name: `w-${n}`, projectId, locationId } });
    await tx.interface.create({
      data: { entityId: entity.id, address: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` },
    });
  });
  process.stdout.write(`ack ${n}\n`);
  // better-sqlite3 answers synchronously: without this the loop never lets
  // the event loop see stdin close.
  await new Promise((resolve) => setImmediate(resolve));
}
await db.close();
