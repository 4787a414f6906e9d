// Import of the docs/cli.md interchange document, versions 1 and 2 (export:
// ./interchange-export.ts, re-exported here).
//
// Import is all-or-nothing. The document is validated first (structure, then
// the references between items: src/validation/interchange.ts), then, in ONE
// transaction, against the database, and only then written:
// - a project whose name already exists is refused (nothing is merged into or
//   replaced in an existing project; rename or delete it first);
// - a location whose name already exists is reused as it is (its description
//   is left unchanged); an entity may name a location the document does not
//   declare when the database has it.
// Rows are written with createMany in chunks, so 20 000 communications take a
// few statements, not 20 000; each chunk's change history entries likewise
// (./import-history.ts), in the same transaction.
import { nameKeyOf } from "../domain/name-key.js";
import type { InterchangeDocument, InterchangeProject, Problem } from "../validation/interchange.js";
import type { EndFacts } from "./change-records.js";
import type { Database, Tx } from "./engine.js";
import { uniqueViolationFields } from "./errors.js";
import { author } from "./history.js";
import { type ImportRecorder, importRecorder } from "./import-history.js";

export {
  compareCommunications,
  compareText,
  exportInterchange,
  ProjectNotFoundError,
  serializeInterchange,
} from "./interchange-export.js";

/** Rows per createMany statement: well under SQLite's bound-parameter limit. */
const CHUNK = 1000;

/** An import refused before anything was written; `problems` name the JSON paths. */
export class ImportRefusedError extends Error {
  constructor(readonly problems: Problem[]) {
    const first = problems[0];
    const more =
      problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? "s" : ""})` : "";
    super(`${first ? `${first.path}: ${first.message}` : "the document was refused"}${more}`);
  }
}

export type Progress = (phase: string, done: number, total: number) => void;

export interface ImportSummary {
  projects: number;
  locationsCreated: number;
  locationsReused: number;
  entities: number;
  interfaces: number;
  communications: number;
}

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Writes a validated document (from `parseInterchange`) in one transaction.
 * `undeclaredLocations` (location name → JSON path of the first entity using
 * it) must exist in the database. Throws ImportRefusedError, with nothing
 * written, when a project exists already or a location is missing.
 */
export async function importInterchange(
  db: Database,
  doc: InterchangeDocument,
  undeclaredLocations: ReadonlyMap<string, string>,
  progress: Progress = () => {},
): Promise<ImportSummary> {
  const totalEntities = doc.projects.reduce((n, p) => n + p.entities.length, 0);
  const totalCommunications = doc.projects.reduce((n, p) => n + p.communications.length, 0);
  const totalInterfaces = doc.projects.reduce((n, p) => n + p.entities.reduce((m, e) => m + e.interfaces.length, 0), 0);
  const by = author(db.engine);
  try {
    return await db.transaction(async (tx) => {
      const history = importRecorder(tx, by);
      const problems: Problem[] = [];
      const names = doc.projects.map((p) => p.name);
      // Names are unique regardless of case (docs/usage.md).
      const existingProjects = new Map(
        (await tx.project.findMany({ where: { nameKey: { in: names.map(nameKeyOf) } }, select: { name: true } })).map(
          (p) => [nameKeyOf(p.name), p.name],
        ),
      );
      doc.projects.forEach((p, i) => {
        const existing = existingProjects.get(nameKeyOf(p.name));
        if (existing !== undefined) {
          problems.push({
            path: `projects[${i}].name`,
            message: `a project named ${JSON.stringify(existing)} already exists${existing === p.name ? "" : " (names are compared regardless of case)"}; rename or delete it before importing`,
          });
        }
      });

      const wanted = [...new Set([...doc.locations.map((l) => l.name), ...undeclaredLocations.keys()])];
      const locationIds = new Map<string, number>();
      // A location named in another case is that location.
      const existingLocations = new Map(
        (
          await tx.location.findMany({
            where: { nameKey: { in: wanted.map(nameKeyOf) } },
            select: { id: true, name: true },
          })
        ).map((l) => [nameKeyOf(l.name), l.id]),
      );
      for (const name of wanted) {
        const id = existingLocations.get(nameKeyOf(name));
        if (id !== undefined) locationIds.set(name, id);
      }
      for (const [name, path] of undeclaredLocations) {
        if (!locationIds.has(name)) {
          problems.push({
            path,
            message: `location ${JSON.stringify(name)} is neither in the document's locations nor in the database`,
          });
        }
      }
      if (problems.length > 0) throw new ImportRefusedError(problems);

      const newLocations = doc.locations.filter((l) => !locationIds.has(l.name));
      const locationsReused = doc.locations.length - newLocations.length;
      for (const part of chunks(newLocations)) {
        const rows = await tx.location.createManyAndReturn({
          data: part.map((l) => ({ name: l.name, nameKey: nameKeyOf(l.name), description: l.description })),
          select: { id: true, name: true, description: true },
        });
        for (const r of rows) locationIds.set(r.name, r.id);
        await history.locations(rows);
      }

      let entitiesDone = 0;
      let communicationsDone = 0;
      let interfaceCount = 0;
      for (const project of doc.projects) {
        const created = await tx.project.create({
          data: { name: project.name, nameKey: nameKeyOf(project.name), description: project.description },
          select: { id: true, name: true, description: true },
        });
        await history.project(created);
        const entityIds = await writeEntities(tx, history, created.id, project, locationIds, (n) => {
          entitiesDone += n;
          progress("entities", entitiesDone, totalEntities);
        });
        const interfaceIds = await writeInterfaces(tx, history, created.id, project, entityIds, (n) => {
          interfaceCount += n;
          progress("interfaces", interfaceCount, totalInterfaces);
        });
        const endpoint = (end: { entity: string; interface: string }) => {
          const written = interfaceIds.get(JSON.stringify([end.entity, end.interface]));
          if (written === undefined) throw new Error(`interface ${end.entity}/${end.interface} was not written`);
          return written;
        };
        for (const part of chunks(project.communications)) {
          const ends = part.map((k) => ({ source: endpoint(k.source), destination: endpoint(k.destination) }));
          const data = part.map((k, i) => {
            const end = ends[i] as (typeof ends)[number];
            return {
              sourceId: end.source.id,
              destinationId: end.destination.id,
              protocol: k.protocol,
              port: k.port,
              portEnd: k.portEnd,
              description: k.description,
              requestedBy: k.requestedBy,
              reference: k.reference,
              expires: k.expires,
            };
          });
          const withEnds = () =>
            data.map((row, i) => {
              const end = ends[i] as (typeof ends)[number];
              return { ...row, source: end.source.end, destination: end.destination.end };
            });
          await history.communications(created.id, withEnds, () => tx.communication.createMany({ data }));
          communicationsDone += part.length;
          progress("communications", communicationsDone, totalCommunications);
        }
      }
      return {
        projects: doc.projects.length,
        locationsCreated: newLocations.length,
        locationsReused,
        entities: totalEntities,
        interfaces: interfaceCount,
        communications: totalCommunications,
      };
    });
  } catch (error) {
    // Another writer (PostgreSQL) created a clashing row meanwhile; the
    // transaction rolled back, so this is a refusal like any other.
    const fields = uniqueViolationFields(error);
    if (fields === null) throw error;
    throw new ImportRefusedError([
      {
        path: "(document)",
        message: `the database changed during the import (a row with the same ${fields.join(", ") || "name"} appeared); nothing was written, try again`,
      },
    ]);
  }
}

async function writeEntities(
  tx: Tx,
  history: ImportRecorder,
  projectId: number,
  project: InterchangeProject,
  locationIds: ReadonlyMap<string, number>,
  done: (n: number) => void,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const locationNames = new Map([...locationIds].map(([name, id]) => [id, name]));
  for (const part of chunks(project.entities)) {
    const rows = await tx.entity.createManyAndReturn({
      data: part.map((e) => {
        const locationId = locationIds.get(e.location);
        if (locationId === undefined) throw new Error(`location ${e.location} was not resolved`);
        return {
          name: e.name,
          description: e.description,
          projectId,
          locationId,
          restrictOutgoing: e.restrictOutgoing,
        };
      }),
      select: { id: true, name: true, description: true, restrictOutgoing: true, locationId: true },
    });
    // Matched by name, not by position: RETURNING order is not a promise.
    for (const r of rows) ids.set(r.name, r.id);
    await history.entities(
      projectId,
      rows.map((r) => ({ ...r, location: locationNames.get(r.locationId) ?? "" })),
    );
    done(part.length);
  }
  return ids;
}

/** A written interface: its id, and the end of a communication it is. */
interface WrittenInterface {
  id: number;
  end: EndFacts;
}

/** Writes the interfaces of a project's entities; returns `[entity, interface]` (JSON) → the interface. */
async function writeInterfaces(
  tx: Tx,
  history: ImportRecorder,
  projectId: number,
  project: InterchangeProject,
  entityIds: ReadonlyMap<string, number>,
  done: (n: number) => void,
): Promise<Map<string, WrittenInterface>> {
  const entityNames = new Map([...entityIds].map(([name, id]) => [id, name]));
  const all = project.entities.flatMap((e) =>
    e.interfaces.map((i) => {
      const entityId = entityIds.get(e.name);
      if (entityId === undefined) throw new Error(`entity ${e.name} was not written`);
      return { name: i.name, description: i.description, address: i.address, netmask: i.netmask, entityId };
    }),
  );
  const ids = new Map<string, WrittenInterface>();
  for (const part of chunks(all)) {
    const rows = await tx.interface.createManyAndReturn({
      data: part,
      select: { id: true, name: true, description: true, address: true, netmask: true, entityId: true },
    });
    const written = rows.map((r) => ({ ...r, entity: entityNames.get(r.entityId) ?? "" }));
    for (const r of written) {
      ids.set(JSON.stringify([r.entity, r.name]), { id: r.id, end: r });
    }
    await history.interfaces(projectId, written);
    done(part.length);
  }
  return ids;
}
