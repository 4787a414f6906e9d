// The rows the pages and forms read (docs/usage.md): entities, interfaces and
// communications with their ends, the selects that load them, and the helpers
// every data module shares to read relations and lock rows.
import type { Protocol } from "../domain/constants.js";
import { addressText } from "../domain/display.js";
import { type ExpiryState, expiryState, todayUtc } from "../domain/expiry.js";
import type { Engine, Tx } from "./engine.js";
import { lockDataRevision } from "./history-locks.js";

export interface EntityRow {
  id: number;
  name: string;
  description: string;
  project: { id: number; name: string };
  location: { id: number; name: string };
  restrictOutgoing: boolean;
}

export interface InterfaceRow {
  id: number;
  name: string;
  description: string;
  address: string;
  netmask: string;
  /** The address as shown (src/domain/display.ts addressText): `fd00:77::21`, `10.0.0.0/255.255.255.0`. */
  display: string;
}

export interface CommunicationEnd {
  entity: { id: number; name: string };
  interface: { id: number; name: string; address: string; netmask: string; display: string };
}

export interface CommunicationRow {
  id: number;
  protocol: Protocol;
  port: number;
  /** Equal to port for one port or type. */
  portEnd: number;
  description: string;
  requestedBy: string;
  reference: string;
  /** The last day the flow is enforced (`YYYY-MM-DD`), or null: it never expires. */
  expires: string | null;
  /** expired, expiring (within 14 days) or active, as of the day the row was read (UTC). */
  expiry: ExpiryState;
  source: CommunicationEnd;
  destination: CommunicationEnd;
}

export const entitySelect = {
  id: true,
  name: true,
  description: true,
  project: { select: { id: true, name: true } },
  location: { select: { id: true, name: true } },
  restrictOutgoing: true,
} as const;

const endSelect = {
  id: true,
  name: true,
  address: true,
  netmask: true,
  entity: { select: { id: true, name: true } },
} as const;

/** The columns of a communication itself, without its ends. */
export const flowColumns = {
  protocol: true,
  port: true,
  portEnd: true,
  description: true,
  requestedBy: true,
  reference: true,
  expires: true,
} as const;

export interface FlowColumns {
  protocol: string;
  port: number;
  portEnd: number;
  description: string;
  requestedBy: string;
  reference: string;
  expires: string | null;
}

/** A communication's own fields as a row carries them, with its expiry state on `today`. */
export function flowFields(c: FlowColumns, today: string) {
  return {
    protocol: c.protocol as Protocol,
    port: c.port,
    portEnd: c.portEnd,
    description: c.description,
    requestedBy: c.requestedBy,
    reference: c.reference,
    expires: c.expires,
    expiry: expiryState(c.expires, today),
  };
}

/** An interface as the ends of a communication row carry it. */
export const endInterface = (i: { id: number; name: string; address: string; netmask: string }) => ({
  id: i.id,
  name: i.name,
  address: i.address,
  netmask: i.netmask,
  display: addressText(i),
});

export const communicationSelect = {
  id: true,
  ...flowColumns,
  source: { select: endSelect },
  destination: { select: endSelect },
} as const;

export type EndRow = {
  id: number;
  name: string;
  address: string;
  netmask: string;
  entity: { id: number; name: string };
};

export function toCommunicationRow(
  c: FlowColumns & { id: number; source: EndRow; destination: EndRow },
  today: string = todayUtc(),
): CommunicationRow {
  const end = (i: EndRow): CommunicationEnd => ({ entity: i.entity, interface: endInterface(i) });
  return { id: c.id, ...flowFields(c, today), source: end(c.source), destination: end(c.destination) };
}

/**
 * Whether a row read with its relations has them all. Prisma reads relations
 * with further statements; on PostgreSQL each sees what is committed by then
 * (READ COMMITTED), so a parent deleted in between reads as null although the
 * schema says it cannot be. Its deletion cascades: the row is going too, and
 * the callers treat it as gone.
 */
export function whole<T extends object>(row: T | null, ...relations: (keyof T)[]): row is T {
  return row !== null && relations.every((r) => row[r] != null);
}

/**
 * Locks rows until the transaction ends, on PostgreSQL: its READ COMMITTED
 * transactions would otherwise let a check and a concurrent change both pass
 * (an entity moving project while a communication to it is added would join
 * two projects; docs/usage.md). A move locks its row FOR UPDATE before its
 * checks; a communication locks its ends FOR SHARE before its own. The data
 * revision is locked first (lockDataRevision). SQLite's queue already runs
 * one transaction at a time.
 */
export async function lockRows(
  tx: Tx,
  engine: Engine,
  table: "Entity" | "Interface",
  ids: number[],
  mode: "UPDATE" | "SHARE",
): Promise<void> {
  const unique = [...new Set(ids)].sort((a, b) => a - b);
  if (engine !== "postgresql" || unique.length === 0) return;
  await lockDataRevision(tx, engine);
  const list = unique.map((_, i) => `$${i + 1}`).join(", ");
  await tx.$queryRawUnsafe(`SELECT id FROM "${table}" WHERE id IN (${list}) ORDER BY id FOR ${mode}`, ...unique);
}
