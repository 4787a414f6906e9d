// The change history of the CSV and JSON imports (docs/usage.md "Change
// history"): one creation entry per location, project, entity, interface and
// communication an import adds, written in the import's transaction with
// createMany, batch by batch as the rows are. Everything the history costs an
// import happens here (bench/history.ts measures the import without it by
// putting a recorder that records nothing in this module's place).
import { setImmediate as nextTurn } from "node:timers/promises";
import {
  type ChangeRecord,
  communicationSnapshot,
  created,
  type EndFacts,
  entitySnapshot,
  interfaceSnapshot,
  locationSnapshot,
  projectSnapshot,
} from "./change-records.js";
import type { Tx } from "./engine.js";
import { type Author, ENTRY_CHUNK, recordChanges } from "./history.js";
import type { FlowColumns } from "./rows.js";

interface Named {
  id: number;
  name: string;
  description: string;
}

export interface ImportedEntity extends Named {
  restrictOutgoing: boolean;
  location: string;
}

export interface ImportedInterface extends Named {
  address: string;
  netmask: string;
  entityId: number;
  entity: string;
}

/** A communication as an import writes it, with its ends as the import knows them. */
export interface ImportedCommunication extends FlowColumns {
  sourceId: number;
  destinationId: number;
  source: EndFacts;
  destination: EndFacts;
}

export interface ImportRecorder {
  locations(rows: readonly Named[]): Promise<void>;
  project(row: Named): Promise<void>;
  entities(projectId: number, rows: readonly ImportedEntity[]): Promise<void>;
  interfaces(projectId: number, rows: readonly ImportedInterface[]): Promise<void>;
  /**
   * Runs `write`, which writes the batch `rows()` with createMany, and records
   * them: createMany returns no ids, so they are read back by the flow key
   * among the rows written since. `rows` is called only to record.
   */
  communications(
    projectId: number,
    rows: () => readonly ImportedCommunication[],
    write: () => Promise<unknown>,
  ): Promise<void>;
}

const flowKey = (c: { sourceId: number; destinationId: number; protocol: string; port: number; portEnd: number }) =>
  `${c.sourceId} ${c.destinationId} ${c.protocol} ${c.port} ${c.portEnd}`;

/** A recorder writing the entries of one import in `tx`, all with one actor and time. */
export function importRecorder(tx: Tx, by: Author): ImportRecorder {
  const projectNames = new Map<number, string>();
  let lastFlowId: number | undefined;
  const projectName = async (id: number) => {
    let name = projectNames.get(id);
    if (name === undefined) {
      name = (await tx.project.findUnique({ where: { id }, select: { name: true } }))?.name ?? "";
      projectNames.set(id, name);
    }
    return name;
  };
  // A large batch of entries is written in pieces, each on a turn of the event loop of its own.
  const record = async (records: ChangeRecord[]) => {
    for (let i = 0; i < records.length; i += ENTRY_CHUNK) {
      if (i > 0) await nextTurn();
      await recordChanges(tx, by, records.slice(i, i + ENTRY_CHUNK));
    }
  };
  return {
    locations: (rows) => record(rows.map((l) => created(locationSnapshot(l)))),
    project: async (row) => {
      projectNames.set(row.id, row.name);
      await record([created(projectSnapshot(row))]);
    },
    entities: async (projectId, rows) => {
      const project = await projectName(projectId);
      await record(rows.map((e) => created(entitySnapshot({ ...e, projectId, project }))));
    },
    interfaces: (projectId, rows) => record(rows.map((i) => created(interfaceSnapshot({ ...i, projectId })))),
    communications: async (projectId, batch, write) => {
      // Ids are handed out in increasing order: the batch's are above every id
      // visible before it, and above the previous batch's.
      lastFlowId ??= (await tx.communication.aggregate({ _max: { id: true } }))._max.id ?? 0;
      const last = lastFlowId;
      await write();
      const rows = batch();
      if (rows.length === 0) return;
      const written = await tx.communication.findMany({
        // Every row since: this batch's, and on PostgreSQL any other writer's committed meanwhile.
        where: { id: { gt: last } },
        select: { id: true, sourceId: true, destinationId: true, protocol: true, port: true, portEnd: true },
      });
      // The flow key is unique: each row written has exactly one id.
      const ids = new Map(written.map((w) => [flowKey(w), w.id]));
      for (const w of written) lastFlowId = Math.max(lastFlowId, w.id);
      await record(
        rows.map((c) => {
          const id = ids.get(flowKey(c));
          if (id === undefined) throw new Error(`import history: communication ${flowKey(c)} was not written`);
          return created(communicationSnapshot({ ...c, id, projectId }));
        }),
      );
    },
  };
}
