// Search (docs/usage.md): projects and entities whose name or description
// contains the text, ignoring case. The text is matched literally (`%` and
// `_` are not wildcards), so the filter is a substring test in SQL rather than
// Prisma's `contains` (a LIKE pattern). PostgreSQL's lower() folds every
// letter; SQLite's folds ASCII letters only.
import type { Client, Database } from "./engine.js";

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
  // No stored name or description holds NUL (the forms refuse control
  // characters), and PostgreSQL cannot take it in a text parameter: a 500.
  if (q === "" || q.includes("\u0000")) return [];
  const [projects, entities] = await db.run(async (c) => {
    const [projectIds, entityIds] = await Promise.all([
      matchingIds(c, db.engine, "Project", q, limit),
      matchingIds(c, db.engine, "Entity", q, limit),
    ]);
    const where = (ids: number[]) => ({ id: { in: ids } });
    return Promise.all([
      c.project.findMany({
        where: where(projectIds),
        orderBy: { name: "asc" },
        take: limit,
        select: { id: true, name: true, description: true },
      }),
      c.entity.findMany({
        where: where(entityIds),
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
    ]);
  });
  const hits: SearchHit[] = [
    ...projects.map((p) => ({
      type: "project" as const,
      name: p.name,
      url: `/projects/${p.id}`,
      context: "",
      description: p.description,
    })),
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
  const rank = (h: SearchHit) =>
    h.name.toLowerCase().startsWith(lower) ? 0 : h.name.toLowerCase().includes(lower) ? 1 : 2;
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
