// Search (SPEC §3.6): projects and entities whose name or description
// contains the text, ignoring case. PostgreSQL compares with ILIKE (any
// letter); SQLite's LIKE ignores case for ASCII letters only.
import type { Database } from "./engine.js";

export interface SearchHit {
  type: "project" | "entity";
  name: string;
  url: string;
  /** Where it belongs, for entities: `PROJECT - LOCATION`. */
  context: string;
  description: string;
}

export async function search(db: Database, text: string, limit: number): Promise<SearchHit[]> {
  const q = text.trim();
  if (q === "") return [];
  const match = db.engine === "postgresql" ? { contains: q, mode: "insensitive" as const } : { contains: q };
  const where = { OR: [{ name: match }, { description: match }] };
  const [projects, entities] = await db.run((c) =>
    Promise.all([
      c.project.findMany({ where, orderBy: { name: "asc" }, take: limit, select: { id: true, name: true, description: true } }),
      c.entity.findMany({
        where,
        orderBy: [{ name: "asc" }, { id: "asc" }],
        take: limit,
        select: {
          id: true,
          name: true,
          description: true,
          project: { select: { name: true } },
          location: { select: { name: true } },
        },
      }),
    ]),
  );
  const hits: SearchHit[] = [
    ...projects.map((p) => ({ type: "project" as const, name: p.name, url: `/projects/${p.id}`, context: "", description: p.description })),
    ...entities.map((e) => ({
      type: "entity" as const,
      name: e.name,
      url: `/entities/${e.id}`,
      context: `${e.project.name} - ${e.location.name}`,
      description: e.description,
    })),
  ];
  // Names that start with the text first, then alphabetical.
  const lower = q.toLowerCase();
  const rank = (h: SearchHit) => (h.name.toLowerCase().startsWith(lower) ? 0 : h.name.toLowerCase().includes(lower) ? 1 : 2);
  hits.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || a.type.localeCompare(b.type));
  return hits.slice(0, limit);
}
