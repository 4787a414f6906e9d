// Turns database constraint failures into errors the routes can show on a
// form: which fields clashed, never an SQL message.
import { Prisma } from "../generated/sqlite/client.js";

export class NotFoundError extends Error {}

/** The columns of a violated unique constraint, or null for any other error. */
export function uniqueViolationFields(error: unknown): string[] | null {
  if (!(error instanceof Error)) return null;
  const e = error as Prisma.PrismaClientKnownRequestError & { meta?: Record<string, unknown> };
  if (e.code !== "P2002") return null;
  const meta = e.meta ?? {};
  if (Array.isArray(meta.target)) return meta.target.map(String);
  if (typeof meta.target === "string") return [meta.target];
  const adapter = meta.driverAdapterError as { cause?: { constraint?: { fields?: string[]; index?: string } } } | undefined;
  const fields = adapter?.cause?.constraint?.fields;
  if (Array.isArray(fields)) return fields.map((f) => f.replace(/^"|"$/g, ""));
  return [];
}

export function isUniqueViolation(error: unknown): boolean {
  return uniqueViolationFields(error) !== null;
}

/** A prisma "record to update/delete not found" error. */
export function isRecordNotFound(error: unknown): boolean {
  return error instanceof Error && (error as { code?: string }).code === "P2025";
}
