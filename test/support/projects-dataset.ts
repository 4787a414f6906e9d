// Several generated projects of different sizes in one database: each part is
// one project of the project's generator (scripts/dataset.ts) under a name of
// its own, all imported in one transaction through the real import. The
// generator names location N the same whatever the seed, so the parts share them.
// A part with --dual-stack makes the whole document version 2, which also reads
// the version 1 parts (their new fields take the defaults).
import { type DatasetProject, generateDataset, parseDatasetArgs } from "../../scripts/dataset.js";
import type { Database } from "../../src/data/engine.js";
import { importInterchange } from "../../src/data/interchange.js";
import { parseInterchange } from "../../src/validation/interchange.js";

export interface ProjectPart {
  /** The project's name in the database. */
  name: string;
  /** Generator options for one project, e.g. ["--entities", "300", "--communications", "4000"]. */
  args: string[];
}

/** Imports one project per part; returns the number of entities and communications of each, in order. */
export async function loadProjects(
  db: Database,
  parts: ProjectPart[],
): Promise<{ entities: number; communications: number }[]> {
  const locations = new Map<string, { name: string; description: string }>();
  const projects: DatasetProject[] = [];
  let version: 1 | 2 = 1;
  for (const part of parts) {
    const doc = generateDataset(parseDatasetArgs([...part.args, "--projects", "1"]));
    if (doc.version === 2) version = 2;
    for (const location of doc.locations) locations.set(location.name, location);
    for (const project of doc.projects) projects.push({ ...project, name: part.name });
  }
  const parsed = parseInterchange({ format: "conntrackt", version, locations: [...locations.values()], projects });
  if (!parsed.ok) throw new Error(`dataset refused: ${JSON.stringify(parsed.problems.slice(0, 3))}`);
  await importInterchange(db, parsed.doc, parsed.undeclaredLocations);
  return projects.map((p) => ({ entities: p.entities.length, communications: p.communications.length }));
}
