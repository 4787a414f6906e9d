// One timed import for bench/history.ts, in a process of its own: a 20,000-row
// CSV import or a JSON import of 20,000 communications into a fresh SQLite
// database. Prints one JSON line: the import's milliseconds, of the clock and
// of this process's CPU (the write transaction only; reading the text is the
// same with or without history), and the rows and change history entries it left.
//
//   npx tsx bench/history-worker.ts csv|json ROWS
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { importCsvRows } from "../src/data/csv-import.js";
import { openDatabase } from "../src/data/engine.js";
import { importInterchange } from "../src/data/interchange.js";
import { migrateDatabase } from "../src/data/setup.js";
import { readCsvImport } from "../src/validation/csv-import.js";
import { parseInterchange } from "../src/validation/interchange.js";

const [kind, rowsText] = process.argv.slice(2);
const ROWS = Number(rowsText);
if ((kind !== "csv" && kind !== "json") || !Number.isInteger(ROWS) || ROWS <= 0) {
  throw new Error("usage: history-worker.ts csv|json ROWS");
}
// 250 sources and 50 destinations, one host each; each row a flow of its own port.
const SOURCES = 250;
const DESTINATIONS = 50;
const source = (i: number) => ({
  name: `app${i % SOURCES}`,
  address: `10.0.${Math.floor((i % SOURCES) / 250)}.${(i % SOURCES) + 1}`,
});
const destination = (i: number) => ({ name: `db${i % DESTINATIONS}`, address: `10.1.0.${(i % DESTINATIONS) + 1}` });
const port = (i: number) => 1 + Math.floor(i / SOURCES);

function csvText(): string {
  const lines = ["source entity,source address,destination entity,destination address,protocol,port,description"];
  for (let i = 0; i < ROWS; i++) {
    const s = source(i);
    const d = destination(i);
    lines.push(`${s.name},${s.address},${d.name},${d.address},TCP,${port(i)},flow ${i}`);
  }
  return lines.join("\n");
}

function jsonDocument(): unknown {
  const entities = [
    ...Array.from({ length: SOURCES }, (_, i) => source(i)),
    ...Array.from({ length: DESTINATIONS }, (_, i) => destination(i)),
  ].map((e) => ({ name: e.name, location: "Bench site", interfaces: [{ address: e.address }] }));
  const communications = Array.from({ length: ROWS }, (_, i) => ({
    source: { entity: source(i).name, interface: "eth0" },
    destination: { entity: destination(i).name, interface: "eth0" },
    protocol: "TCP",
    port: port(i),
    description: `flow ${i}`,
  }));
  return {
    format: "conntrackt",
    version: 1,
    locations: [{ name: "Bench site" }],
    projects: [{ name: "Bench", entities, communications }],
  };
}

const dir = mkdtempSync(path.join(tmpdir(), "conntrackt-bench-history-"));
try {
  const url = `file:${path.join(dir, "bench.db")}`;
  await migrateDatabase(url);
  const db = await openDatabase(url);
  let ms: number;
  let cpu: NodeJS.CpuUsage;
  if (kind === "csv") {
    const read = readCsvImport(csvText());
    if (read.errors.length > 0) throw new Error(`bench CSV refused: ${read.errors[0]?.message}`);
    const [started, cpuStarted] = [performance.now(), process.cpuUsage()];
    const result = await importCsvRows(db, {
      project: { name: "Bench" },
      rows: read.rows,
      errors: read.errors,
      options: { allowNewLocations: true, defaultLocation: "Bench site" },
    });
    [ms, cpu] = [performance.now() - started, process.cpuUsage(cpuStarted)];
    if (!result.ok) throw new Error(`bench CSV import refused: ${result.errors[0]?.message}`);
  } else {
    const parsed = parseInterchange(jsonDocument());
    if (!parsed.ok) throw new Error(`bench document refused: ${parsed.problems[0]?.message}`);
    const [started, cpuStarted] = [performance.now(), process.cpuUsage()];
    await importInterchange(db, parsed.doc, parsed.undeclaredLocations);
    [ms, cpu] = [performance.now() - started, process.cpuUsage(cpuStarted)];
  }
  const [communications, entries] = await db.run((c) => Promise.all([c.communication.count(), c.changeEntry.count()]));
  await db.close();
  console.log(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, communications, entries }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
