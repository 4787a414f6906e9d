// Export of the docs/cli.md interchange document (version 2). Deterministic:
// locations, projects, entities and interfaces by name, communications by
// source entity, source interface, destination entity, destination interface,
// protocol (TCP, UDP, ICMP, ICMPv6), first port and last port; names compare by
// UTF-16 code units, so the order never depends on the locale. Every field is
// written, in the order of docs/cli.md, so a document written, read and written
// again is the same. The import is ./interchange.ts.
import { PROTOCOLS, type Protocol } from "../domain/constants.js";
import type {
  InterchangeCommunication,
  InterchangeDocument,
  InterchangeEntity,
  InterchangeProject,
} from "../validation/interchange.js";
import { INTERCHANGE_FORMAT, INTERCHANGE_VERSION } from "../validation/interchange.js";
import type { Database } from "./engine.js";
import { flowColumns } from "./rows.js";

export class ProjectNotFoundError extends Error {}

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
        select: { sourceId: true, destinationId: true, ...flowColumns },
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
