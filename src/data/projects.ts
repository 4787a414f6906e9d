// Projects (docs/usage.md): the data behind the main page, the project forms and the
// project deletion. Every function here uses a fixed number of queries.
import type { PreviewNode } from "../domain/display.js";
import type { Database } from "./engine.js";
import { guardWrite } from "./errors.js";
import { previewEntities } from "./preview.js";

export interface ProjectInput {
  name: string;
  description: string;
}

export interface ProjectRow {
  id: number;
  name: string;
  description: string;
}

const select = { id: true, name: true, description: true } as const;

export function listProjects(db: Database): Promise<ProjectRow[]> {
  return db.run((c) => c.project.findMany({ select, orderBy: { name: "asc" } }));
}

export function getProject(db: Database, id: number): Promise<ProjectRow | null> {
  return db.run((c) => c.project.findUnique({ where: { id }, select }));
}

export function getProjectByName(db: Database, name: string): Promise<ProjectRow | null> {
  return db.run((c) => c.project.findUnique({ where: { name }, select }));
}

export async function createProject(db: Database, input: ProjectInput): Promise<ProjectRow> {
  return db.run((c) => c.project.create({ data: { name: input.name, description: input.description }, select }));
}

/** Updates a project; null when it is gone. */
export function updateProject(db: Database, id: number, input: ProjectInput): Promise<ProjectRow | null> {
  return guardWrite(() =>
    db.run((c) =>
      c.project.update({ where: { id }, data: { name: input.name, description: input.description }, select }),
    ),
  );
}

/** Everything the deletion of a project takes along, as a nested list. */
export function projectDeletionPreview(db: Database, id: number): Promise<PreviewNode[]> {
  return db.run((c) => previewEntities(c, { projectId: id }, [{ name: "asc" }, { id: "asc" }]));
}

/** Deletes the project, its entities, their interfaces and their communications, all or nothing; false when it was gone. */
export async function deleteProject(db: Database, id: number): Promise<boolean> {
  const done = await guardWrite(() =>
    db.transaction(async (tx) => {
      const interfaces = { entity: { projectId: id } };
      await tx.communication.deleteMany({ where: { OR: [{ source: interfaces }, { destination: interfaces }] } });
      await tx.interface.deleteMany({ where: interfaces });
      await tx.entity.deleteMany({ where: { projectId: id } });
      await tx.project.delete({ where: { id } });
      return true;
    }),
  );
  return done ?? false;
}
