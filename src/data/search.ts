// Search (docs/usage.md): projects and entities whose name or description
// contains the text, ignoring case; entities also by an interface address
// (any IPv4 or IPv6 spelling, or part of the stored text: src/domain/search-terms.ts);
// and, for the results page, communications by port, range (`8000-8100`, or
// any port inside it), `PROTOCOL:PORT` or reference. The text is matched
// literally (`%` and `_` are not wildcards), so the name filter is a substring
// test in SQL rather than Prisma's `contains` (a LIKE pattern); address
// fragments hold only hexadecimal digits, `.` and `:`, so `contains` is safe
// there. PostgreSQL's lower() folds every letter; SQLite's folds ASCII letters only.
import { addressText, communicationLabel } from "../domain/display.js";
import { addressFragment, addressTerm, portTerm } from "../domain/search-terms.js";
import type { Client, Database } from "./engine.js";

export interface SearchHit {
  type: "project" | "entity" | "communication";
  name: string;
  url: string;
  /** Where it belongs: `PROJECT - LOCATION` for entities, the project for communications. */
  context: string;
  description: string;
  /** Why it matched when that is not its name: the interface whose address matched, a flow's reference. */
  detail: string;
}

export interface SearchOptions {
  /** Communications too (the results page); suggestions list projects and entities only. */
  communications?: boolean;
}

/** Hits of at most `limit` per kind, then at most `limit` in all: names starting with the text first. */
export async function search(
  db: Database,
  text: string,
  limit: number,
  options: SearchOptions = {},
): Promise<SearchHit[]> {
  const q = text.trim();
  // No stored name or description holds NUL (the forms refuse control
  // characters), and PostgreSQL cannot take it in a text parameter: a 500.
  if (q === "" || q.includes("\u0000")) return [];
  const [projects, entities, communications] = await db.run(async (c) => {
    const [projectIds, entityIds, interfaces] = await Promise.all([
      matchingIds(c, db.engine, "Project", q, limit),
      matchingIds(c, db.engine, "Entity", q, limit),
      matchingInterfaces(c, q, limit),
    ]);
    const ids = [...new Set([...entityIds, ...interfaces.map((i) => i.entityId)])];
    return Promise.all([
      c.project.findMany({
        where: { id: { in: projectIds } },
        orderBy: { name: "asc" },
        take: limit,
        select: { id: true, name: true, description: true },
      }),
      c.entity
        .findMany({
          where: { id: { in: ids } },
          orderBy: [{ name: "asc" }, { id: "asc" }],
          take: limit,
          select: {
            id: true,
            name: true,
            description: true,
            project: { select: { name: true } },
            location: { select: { name: true } },
          },
        })
        .then((rows) => rows.map((e) => ({ ...e, matched: interfaces.filter((i) => i.entityId === e.id) }))),
      options.communications ? matchingCommunications(c, db.engine, q, limit) : Promise.resolve([]),
    ]);
  });
  const hits: SearchHit[] = [
    ...projects.map((p) => ({
      type: "project" as const,
      name: p.name,
      url: `/projects/${p.id}`,
      context: "",
      description: p.description,
      detail: "",
    })),
    ...entities.map((e) => ({
      type: "entity" as const,
      name: e.name,
      url: `/entities/${e.id}`,
      context: `${e.project.name} - ${e.location.name}`,
      description: e.description,
      detail: e.matched.map((i) => `interface ${i.name} ${addressText(i)}`).join(", "),
    })),
    ...communications,
  ];
  // Names that start with the text first, then alphabetical; communications after the named objects.
  const lower = q.toLowerCase();
  const rank = (h: SearchHit) =>
    h.type === "communication"
      ? 3
      : h.name.toLowerCase().startsWith(lower)
        ? 0
        : h.name.toLowerCase().includes(lower)
          ? 1
          : 2;
  hits.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || a.type.localeCompare(b.type));
  return hits.slice(0, limit);
}

/** Ids of rows of `table` whose name or description contains `q`, ignoring case; names starting with it first. */
async function matchingIds(
  c: Client,
  engine: Database["engine"],
  table: "Project" | "Entity",
  q: string,
  limit: number,
): Promise<number[]> {
  const rows =
    engine === "postgresql"
      ? await c.$queryRawUnsafe<{ id: number }[]>(
          `SELECT id FROM "${table}" WHERE strpos(lower(name), lower($1)) > 0 OR strpos(lower(description), lower($1)) > 0
           ORDER BY (strpos(lower(name), lower($1)) = 1) DESC, name, id LIMIT $2`,
          q,
          limit,
        )
      : await c.$queryRawUnsafe<{ id: number }[]>(
          `SELECT id FROM "${table}" WHERE instr(lower(name), lower(?)) > 0 OR instr(lower(description), lower(?)) > 0
           ORDER BY (instr(lower(name), lower(?)) = 1) DESC, name, id LIMIT ?`,
          q,
          q,
          q,
          limit,
        );
  return rows.map((r) => Number(r.id));
}

/** Interfaces whose stored address is the text's address (and netmask, if given) or contains the fragment. */
async function matchingInterfaces(c: Client, q: string, limit: number) {
  const term = addressTerm(q);
  const fragment = addressFragment(q);
  const or = [
    ...(term ? [{ address: term.address, ...(term.netmask === undefined ? {} : { netmask: term.netmask }) }] : []),
    ...(fragment && term?.netmask === undefined ? [{ address: { contains: fragment } }] : []),
  ];
  if (or.length === 0) return [];
  return c.interface.findMany({
    where: { OR: or },
    orderBy: { id: "asc" },
    take: limit,
    select: { name: true, address: true, netmask: true, entityId: true },
  });
}

/** Communications on the text's port or range, or whose reference contains the text, as hits. */
async function matchingCommunications(
  c: Client,
  engine: Database["engine"],
  q: string,
  limit: number,
): Promise<SearchHit[]> {
  const term = portTerm(q);
  const byReference =
    engine === "postgresql"
      ? await c.$queryRawUnsafe<{ id: number }[]>(
          `SELECT id FROM "Communication" WHERE strpos(lower(reference), lower($1)) > 0 ORDER BY id LIMIT $2`,
          q,
          limit,
        )
      : await c.$queryRawUnsafe<{ id: number }[]>(
          `SELECT id FROM "Communication" WHERE instr(lower(reference), lower(?)) > 0 ORDER BY id LIMIT ?`,
          q,
          limit,
        );
  const ports = term
    ? {
        ...(term.protocol ? { protocol: term.protocol } : {}),
        ...(term.portEnd === undefined
          ? { port: { lte: term.port }, portEnd: { gte: term.port } }
          : { port: term.port, portEnd: term.portEnd }),
      }
    : undefined;
  const or = [
    ...(ports ? [ports] : []),
    ...(byReference.length ? [{ id: { in: byReference.map((r) => Number(r.id)) } }] : []),
  ];
  if (or.length === 0) return [];
  const end = { select: { entity: { select: { name: true, projectId: true, project: { select: { name: true } } } } } };
  const rows = await c.communication.findMany({
    where: { OR: or },
    orderBy: { id: "asc" },
    take: limit,
    select: {
      id: true,
      protocol: true,
      port: true,
      portEnd: true,
      description: true,
      reference: true,
      source: end,
      destination: end,
    },
  });
  return rows.map((r) => ({
    type: "communication" as const,
    name: communicationLabel({
      source: r.source.entity.name,
      destination: r.destination.entity.name,
      protocol: r.protocol,
      port: r.port,
      portEnd: r.portEnd,
    }),
    url: `/projects/${r.source.entity.projectId}#communication-${r.id}`,
    context: r.source.entity.project.name,
    description: r.description,
    detail: r.reference === "" ? "" : `reference ${r.reference}`,
  }));
}
