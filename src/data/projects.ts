// Projects (docs/usage.md): the data behind the main page, the project forms and the
// project deletion. Every function here uses a fixed number of queries, and
// every change records its history entries in its transaction (./history.ts).
import type { PreviewNode } from "../domain/display.js";
import { nameKeyOf } from "../domain/name-key.js";
import { created, deleted, loadProject, loadScope, projectSnapshot, removals, updated } from "./change-records.js";
import type { Database } from "./engine.js";
import { guardWrite } from "./errors.js";
import { author, recordChanges } from "./history.js";
import { lockParentScope, lockRow } from "./history-locks.js";
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

/** Creates a project, with its history entry. */
export async function createProject(db: Database, input: ProjectInput): Promise<ProjectRow> {
  const by = author(db.engine);
  return db.transaction(async (tx) => {
    const row = await tx.project.create({
      data: { name: input.name, nameKey: nameKeyOf(input.name), description: input.description },
      select,
    });
    await recordChanges(tx, by, [created(projectSnapshot(row))]);
    return row;
  });
}

/** Updates a project, with its history entry when a field changed; null when it is gone. */
export function updateProject(db: Database, id: number, input: ProjectInput): Promise<ProjectRow | null> {
  const by = author(db.engine);
  return guardWrite(() =>
    db.transaction(async (tx) => {
      await lockRow(tx, db.engine, "Project", id);
      const before = await loadProject(tx, id);
      if (!before) return null;
      const row = await tx.project.update({
        where: { id },
        data: { name: input.name, nameKey: nameKeyOf(input.name), description: input.description },
        select,
      });
      await recordChanges(tx, by, updated(before, projectSnapshot(row)));
      return row;
    }),
  );
}

/** Everything the deletion of a project takes along, as a nested list. */
export function projectDeletionPreview(db: Database, id: number): Promise<PreviewNode[]> {
  return db.run((c) => previewEntities(c, { projectId: id }, [{ name: "asc" }, { id: "asc" }]));
}

/**
 * Deletes the project, its entities, their interfaces and their
 * communications, all or nothing, with a history entry for each; false when
 * it was gone.
 */
export async function deleteProject(db: Database, id: number): Promise<boolean> {
  const by = author(db.engine);
  const done = await guardWrite(() =>
    db.transaction(async (tx) => {
      await lockParentScope(tx, db.engine, "project", id);
      const project = await loadProject(tx, id);
      if (!project) return false;
      await recordChanges(tx, by, [...removals(await loadScope(tx, { entity: { projectId: id } })), deleted(project)]);
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
