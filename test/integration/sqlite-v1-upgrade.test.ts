// A database of the first version, upgraded by the dual-stack migrations
// (prisma/**/migrations/*_dual_stack_ranges_outgoing_flow_owner and later):
// every row is kept and every entity's IPv4 file is byte for byte the file
// the first version generated from the same data (docs/rules.md), computed
// here from the document itself, independently of the database.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../src/data/engine.js";
import { migrationsDir } from "../../src/data/migrate.js";
import { loadProjectRules } from "../../src/data/rules.js";
import { generateEntityRules } from "../../src/domain/iptables.js";
import type { IncomingFlow } from "../../src/domain/types.js";
import { datasetDocument } from "../support/dataset.js";

const FIRST_V2_MIGRATION = "dual_stack_ranges_outgoing_flow_owner";

function migrations(): { v1: string[]; v2: string[] } {
  const dir = migrationsDir("sqlite");
  const folders = readdirSync(dir)
    .filter((f) => /^\d{14}_/.test(f))
    .sort();
  const index = folders.findIndex((f) => f.endsWith(`_${FIRST_V2_MIGRATION}`));
  if (index < 1) throw new Error(`no migration ${FIRST_V2_MIGRATION} in ${dir}`);
  const sql = (f: string) => readFileSync(path.join(dir, f, "migration.sql"), "utf8");
  return { v1: folders.slice(0, index).map(sql), v2: folders.slice(index).map(sql) };
}

const quote = (v: string | number) => (typeof v === "number" ? String(v) : `'${v.replaceAll("'", "''")}'`);

/** The first version's rows of a document, as INSERT statements in id order. */
function v1Inserts(doc: ReturnType<typeof datasetDocument>): string[] {
  const sql: string[] = [];
  const now = "CURRENT_TIMESTAMP";
  const locationIds = new Map<string, number>();
  doc.locations.forEach((l, i) => {
    locationIds.set(l.name, i + 1);
    sql.push(
      `INSERT INTO "Location" ("id","name","description","updatedAt") VALUES (${i + 1},${quote(l.name)},${quote(l.description)},${now})`,
    );
  });
  let entityId = 0;
  let interfaceId = 0;
  let communicationId = 0;
  doc.projects.forEach((p, pi) => {
    sql.push(
      `INSERT INTO "Project" ("id","name","description","updatedAt") VALUES (${pi + 1},${quote(p.name)},${quote(p.description)},${now})`,
    );
    const interfaceIds = new Map<string, number>();
    for (const e of p.entities) {
      entityId++;
      sql.push(
        `INSERT INTO "Entity" ("id","name","description","projectId","locationId","updatedAt") VALUES (${entityId},${quote(e.name)},${quote(e.description)},${pi + 1},${locationIds.get(e.location)},${now})`,
      );
      for (const i of e.interfaces) {
        interfaceId++;
        interfaceIds.set(JSON.stringify([e.name, i.name]), interfaceId);
        sql.push(
          `INSERT INTO "Interface" ("id","name","description","entityId","address","netmask","updatedAt") VALUES (${interfaceId},${quote(i.name)},${quote(i.description)},${entityId},${quote(i.address)},${quote(i.netmask)},${now})`,
        );
      }
    }
    for (const c of p.communications) {
      communicationId++;
      const end = (x: { entity: string; interface: string }) =>
        interfaceIds.get(JSON.stringify([x.entity, x.interface]));
      sql.push(
        `INSERT INTO "Communication" ("id","sourceId","destinationId","protocol","port","description","updatedAt") VALUES (${communicationId},${end(c.source)},${end(c.destination)},${quote(c.protocol)},${c.port},${quote(c.description)},${now})`,
      );
    }
  });
  return sql;
}

/** Each entity's first-version IPv4 file, straight from the document. */
function expectedFiles(doc: ReturnType<typeof datasetDocument>): string[] {
  const files: string[] = [];
  for (const p of doc.projects) {
    const address = new Map<string, { address: string; netmask: string }>();
    for (const e of p.entities) {
      for (const i of e.interfaces)
        address.set(JSON.stringify([e.name, i.name]), { address: i.address, netmask: i.netmask });
    }
    const end = (x: { entity: string; interface: string }) =>
      address.get(JSON.stringify([x.entity, x.interface])) as { address: string; netmask: string };
    for (const e of p.entities) {
      const incoming: IncomingFlow[] = p.communications
        .filter((c) => c.destination.entity === e.name)
        .map((c) => ({
          protocol: c.protocol,
          port: c.port,
          description: c.description,
          source: end(c.source),
          destination: end(c.destination),
        }));
      files.push(generateEntityRules({ entity: { name: e.name, project: p.name, location: e.location }, incoming }));
    }
  }
  return files;
}

describe("a first-version SQLite database, upgraded", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "conntrackt-v1-upgrade-"));
  const file = path.join(dir, "v1.db");
  // The medium preset of the first version: IPv4 hosts and networks, one port each, TCP, UDP and ICMP.
  const doc = datasetDocument(["--preset", "medium", "--nasty", "--seed", "11"]);
  let db: Database;

  beforeAll(async () => {
    const { v1, v2 } = migrations();
    const raw = new BetterSqlite3(file);
    for (const sql of v1) raw.exec(sql);
    raw.exec(`BEGIN; ${v1Inserts(doc).join(";\n")}; COMMIT;`);
    for (const sql of v2) raw.exec(sql);
    raw.close();
    db = await openDatabase(`file:${file}`);
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps every row, each flow a one-port range with no owner and no expiry", async () => {
    const rows = await db.run((c) =>
      c.communication.findMany({
        select: { port: true, portEnd: true, requestedBy: true, reference: true, expires: true },
      }),
    );
    expect(rows).toHaveLength(doc.projects.reduce((n, p) => n + p.communications.length, 0));
    for (const r of rows)
      expect(r).toEqual({ port: r.port, portEnd: r.port, requestedBy: "", reference: "", expires: null });
    const entities = await db.run((c) => c.entity.findMany({ select: { restrictOutgoing: true } }));
    expect(entities.every((e) => !e.restrictOutgoing)).toBe(true);
  });

  it("gives every entity the first version's IPv4 file, byte for byte", async () => {
    const projects = await db.run((c) => c.project.findMany({ select: { id: true }, orderBy: { id: "asc" } }));
    const files: string[] = [];
    for (const p of projects) {
      for (const e of await loadProjectRules(db, p.id)) files.push(generateEntityRules(e.input));
    }
    const expected = expectedFiles(doc);
    expect(files).toHaveLength(expected.length);
    for (const [i, text] of files.entries()) expect(text, `entity ${i + 1}`).toBe(expected[i]);
    // The files hold the flows, not only the standing rules.
    expect(files.filter((t) => t.includes("--dport")).length).toBeGreaterThan(10);
  });
});
