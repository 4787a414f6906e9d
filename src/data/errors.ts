// Turns database constraint failures into errors the routes can show on a
// form: which fields clashed, never an SQL message.
import type { Prisma } from "../generated/sqlite/client.js";

export class NotFoundError extends Error {}

/** The columns of a violated unique constraint, or null for any other error. */
export function uniqueViolationFields(error: unknown): string[] | null {
  if (!(error instanceof Error)) return null;
  const e = error as Prisma.PrismaClientKnownRequestError & { meta?: Record<string, unknown> };
  if (e.code !== "P2002") return null;
  const meta = e.meta ?? {};
  if (Array.isArray(meta.target)) return meta.target.map(String);
  if (typeof meta.target === "string") return [meta.target];
  const adapter = meta.driverAdapterError as
    | { cause?: { constraint?: { fields?: string[]; index?: string }; table?: string } }
    | undefined;
  const constraint = adapter?.cause?.constraint;
  if (Array.isArray(constraint?.fields)) return constraint.fields.map((f) => f.replace(/^"|"$/g, ""));
  // PostgreSQL names only the index; Prisma names unique indexes
  // `<Table>_<field>_<field>_key`, and our field names have no underscore.
  if (typeof constraint?.index === "string") return fieldsOfIndex(constraint.index, adapter?.cause?.table);
  return [];
}

function fieldsOfIndex(index: string, table: string | undefined): string[] {
  const name = index.replace(/^"|"$/g, "");
  const prefix = table ? `${table}_` : "";
  if (!name.startsWith(prefix) || !name.endsWith("_key")) return [];
  return name.slice(prefix.length, -"_key".length).split("_").filter(Boolean);
}

export function isUniqueViolation(error: unknown): boolean {
  return uniqueViolationFields(error) !== null;
}

/** A prisma "record to update/delete not found" error. */
export function isRecordNotFound(error: unknown): boolean {
  return error instanceof Error && (error as { code?: string }).code === "P2025";
}
