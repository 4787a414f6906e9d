// The rows a bulk edit of /communications works on (docs/usage.md, "Editing
// many communications at once"): the submitted ids, read again with their
// ends and `updatedAt`, keeping only those of the project the list shows.
// The writes are updateCommunications in ./communications.ts.
import type { Database } from "./engine.js";
import type { CommunicationListRow } from "./lists.js";
import { communicationSelect, toCommunicationRow, whole } from "./rows.js";

/** The communications of `projectId` among `ids`, by id; a row gone or of another project is absent. */
export async function bulkCommunicationRows(
  db: Database,
  projectId: number,
  ids: readonly number[],
): Promise<Map<number, CommunicationListRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.run((c) =>
    c.communication.findMany({
      where: { id: { in: [...ids] }, source: { entity: { projectId } } },
      select: { ...communicationSelect, updatedAt: true },
    }),
  );
  return new Map(
    rows
      .filter((r) => whole(r, "source", "destination"))
      .map((r) => [r.id, { ...toCommunicationRow(r), updatedAt: r.updatedAt }] as const),
  );
}
