// Export and import of the docs/cli.md interchange document.
//
// Export writes version 2 and is deterministic: locations, projects, entities
// and interfaces by name, communications by source entity, source interface,
// destination entity, destination interface, protocol (TCP, UDP, ICMP,
// ICMPv6), first port and last port; names compare by UTF-16 code units, so
// the order never depends on the locale. Every field is written, in the order
// of docs/cli.md, so a document written, read and written again is the same.
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
// few statements, not 20 000.
import { PROTOCOLS, type Protocol } from "../domain/constants.js";
import type {
  InterchangeCommunication,
  InterchangeDocument,
  InterchangeEntity,
  InterchangeProject,
  Problem,
} from "../validation/interchange.js";
import { INTERCHANGE_FORMAT, INTERCHANGE_VERSION } from "../validation/interchange.js";
import type { Database, Tx } from "./engine.js";
import { uniqueViolationFields } from "./errors.js";

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

export class ProjectNotFoundError extends Error {}

export type Progress = (phase: string, done: number, total: number) => void;

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const byName = <T extends { name: string }>(a: T, b: T) => compareText(a.name, b.name);

export function compareCommunications(a: InterchangeCommunication, b: InterchangeCommunication): number {
  return (
    compareText(a.source.entity, b.source.entity) ||
    compareText(a.source.interface, b.source.interface) ||
    compareText(a.destination.entity, b.destination.entity) ||
    compareText(a.destination.interface, b.destination.interface) ||
    PROTOCOLS.indexOf(a.protocol) - PROTOCOLS.indexOf(b.protocol) ||
    a.port - b.port ||
    a.portEnd - b.portEnd
  );
}

/**
 * The whole database (or one project, with only the locations its entities
 * use) as an interchange document. Five queries whatever the size: flat rows
 * with relation filters, joined here, because Prisma fetches nested relations
 * with `IN (…)` lists split every few hundred ids (docs/architecture.md).
 */
export async function exportInterchange(
  db: Database,
  options: { project?: string } = {},
): Promise<InterchangeDocument> {
  const scope = options.project === undefined ? {} : { project: { name: options.project } };
  const [projects, locations, entities, interfaces, communications] = await db.run((c) =>
    Promise.all([
      c.project.findMany({
        where: options.project === undefined ? {} : { name: options.project },
        select: { id: true, name: true, description: true },
      }),
      c.location.findMany({
        where: options.project === undefined ? {} : { entities: { some: scope } },
        select: { id: true, name: true, description: true },
      }),
      c.entity.findMany({
        where: scope,
        select: { id: true, name: true, description: true, projectId: true, locationId: true, restrictOutgoing: true },
      }),
      c.interface.findMany({
        where: { entity: scope },
        select: { id: true, name: true, description: true, address: true, netmask: true, entityId: true },
      }),
      // A communication's ends are in one project (docs/usage.md): its source's.
      c.communication.findMany({
        where: { source: { entity: scope } },
        select: {
          sourceId: true,
          destinationId: true,
          protocol: true,
          port: true,
          portEnd: true,
          description: true,
          requestedBy: true,
          reference: true,
          expires: true,
        },
      }),
    ]),
  );
  if (options.project !== undefined && projects.length === 0) {
    throw new ProjectNotFoundError(`no project named ${JSON.stringify(options.project)}`);
  }

  const locationNames = new Map(locations.map((l) => [l.id, l.name]));
  const byProject = new Map<number, InterchangeProject>();
  for (const p of projects) {
    byProject.set(p.id, { name: p.name, description: p.description, entities: [], communications: [] });
  }
  const entityRows = new Map<number, { projectId: number; entity: InterchangeEntity }>();
  for (const e of entities) {
    const entity: InterchangeEntity = {
      name: e.name,
      description: e.description,
      location: locationNames.get(e.locationId) ?? "",
      restrictOutgoing: e.restrictOutgoing,
      interfaces: [],
    };
    entityRows.set(e.id, { projectId: e.projectId, entity });
    byProject.get(e.projectId)?.entities.push(entity);
  }
  const ends = new Map<number, { entity: string; interface: string; projectId: number }>();
  for (const i of interfaces) {
    const owner = entityRows.get(i.entityId);
    if (!owner) continue;
    owner.entity.interfaces.push({ name: i.name, description: i.description, address: i.address, netmask: i.netmask });
    ends.set(i.id, { entity: owner.entity.name, interface: i.name, projectId: owner.projectId });
  }
  for (const k of communications) {
    const source = ends.get(k.sourceId);
    const destination = ends.get(k.destinationId);
    if (!source || !destination) throw new Error("a communication joins interfaces of two projects");
    byProject.get(source.projectId)?.communications.push({
      source: { entity: source.entity, interface: source.interface },
      destination: { entity: destination.entity, interface: destination.interface },
      protocol: k.protocol as Protocol,
      port: k.port,
      portEnd: k.portEnd,
      description: k.description,
      requestedBy: k.requestedBy,
      reference: k.reference,
      expires: k.expires,
    });
  }
  const list = [...byProject.values()].sort(byName);
  for (const p of list) {
    p.entities.sort(byName);
    for (const e of p.entities) e.interfaces.sort(byName);
    p.communications.sort(compareCommunications);
  }
  return {
    format: INTERCHANGE_FORMAT,
    version: INTERCHANGE_VERSION,
    locations: locations.map((l) => ({ name: l.name, description: l.description })).sort(byName),
    projects: list,
  };
}

/** The document as UTF-8 JSON text: two-space indent, keys in docs/cli.md order (as built), final newline. */
export function serializeInterchange(doc: InterchangeDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

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
  try {
    return await db.transaction(async (tx) => {
      const problems: Problem[] = [];
      const names = doc.projects.map((p) => p.name);
      const existingProjects = new Set(
        (await tx.project.findMany({ where: { name: { in: names } }, select: { name: true } })).map((p) => p.name),
      );
      doc.projects.forEach((p, i) => {
        if (existingProjects.has(p.name)) {
          problems.push({
            path: `projects[${i}].name`,
            message: `a project named ${JSON.stringify(p.name)} already exists; rename or delete it before importing`,
          });
        }
      });

      const wanted = [...new Set([...doc.locations.map((l) => l.name), ...undeclaredLocations.keys()])];
      const locationIds = new Map<string, number>();
      for (const l of await tx.location.findMany({
        where: { name: { in: wanted } },
        select: { id: true, name: true },
      })) {
        locationIds.set(l.name, l.id);
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
          data: part.map((l) => ({ name: l.name, description: l.description })),
          select: { id: true, name: true },
        });
        for (const r of rows) locationIds.set(r.name, r.id);
      }

      let entitiesDone = 0;
      let communicationsDone = 0;
      let interfaceCount = 0;
      for (const project of doc.projects) {
        const created = await tx.project.create({
          data: { name: project.name, description: project.description },
          select: { id: true },
        });
        const entityIds = await writeEntities(tx, created.id, project, locationIds, (n) => {
          entitiesDone += n;
          progress("entities", entitiesDone, totalEntities);
        });
        const interfaceIds = await writeInterfaces(tx, project, entityIds, (n) => {
          interfaceCount += n;
          progress("interfaces", interfaceCount, totalInterfaces);
        });
        const endpoint = (end: { entity: string; interface: string }) => {
          const id = interfaceIds.get(JSON.stringify([end.entity, end.interface]));
          if (id === undefined) throw new Error(`interface ${end.entity}/${end.interface} was not written`);
          return id;
        };
        for (const part of chunks(project.communications)) {
          await tx.communication.createMany({
            data: part.map((k) => ({
              sourceId: endpoint(k.source),
              destinationId: endpoint(k.destination),
              protocol: k.protocol,
              port: k.port,
              portEnd: k.portEnd,
              description: k.description,
              requestedBy: k.requestedBy,
              reference: k.reference,
              expires: k.expires,
            })),
          });
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
  projectId: number,
  project: InterchangeProject,
  locationIds: ReadonlyMap<string, number>,
  done: (n: number) => void,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
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
      select: { id: true, name: true },
    });
    // Matched by name, not by position: RETURNING order is not a promise.
    for (const r of rows) ids.set(r.name, r.id);
    done(part.length);
  }
  return ids;
}

/** Writes the interfaces of a project's entities; returns `[entity, interface]` (JSON) → id. */
async function writeInterfaces(
  tx: Tx,
  project: InterchangeProject,
  entityIds: ReadonlyMap<string, number>,
  done: (n: number) => void,
): Promise<Map<string, number>> {
  const entityNames = new Map([...entityIds].map(([name, id]) => [id, name]));
  const all = project.entities.flatMap((e) =>
    e.interfaces.map((i) => {
      const entityId = entityIds.get(e.name);
      if (entityId === undefined) throw new Error(`entity ${e.name} was not written`);
      return { name: i.name, description: i.description, address: i.address, netmask: i.netmask, entityId };
    }),
  );
  const ids = new Map<string, number>();
  for (const part of chunks(all)) {
    const rows = await tx.interface.createManyAndReturn({
      data: part,
      select: { id: true, name: true, entityId: true },
    });
    for (const r of rows) ids.set(JSON.stringify([entityNames.get(r.entityId), r.name]), r.id);
    done(part.length);
  }
  return ids;
}
