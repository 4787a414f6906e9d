// Turns database constraint failures into errors the routes can show on a
// form: which fields clashed, never an SQL message. A change racing a
// deletion ends here too: the row changed is gone (P2025: the route answers
// 404) or a row it refers to is (P2003: a message on the form's field).
import type { Prisma } from "../generated/sqlite/client.js";

/**
 * A change refused because of a row it refers to: one deleted meanwhile, or
 * one the rules of docs/usage.md do not allow. `field` names the form field
 * that shows `message`.
 */
export class RefusedChange extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Runs a save; a refused change becomes `{ [field]: message }`, the field errors a form shows. */
export async function refusalAsFieldError<T>(save: () => Promise<T>): Promise<T | Record<string, string>> {
  try {
    return await save();
  } catch (error) {
    if (error instanceof RefusedChange) return { [error.field]: error.message };
    throw error;
  }
}

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

/**
 * The column of a violated foreign key (P2003): PostgreSQL names the
 * constraint `<Table>_<column>_fkey`; SQLite names nothing, which gives "".
 * Null for any other error.
 */
export function foreignKeyColumn(error: unknown): string | null {
  if (!(error instanceof Error) || (error as { code?: string }).code !== "P2003") return null;
  const meta = (error as { meta?: Record<string, unknown> }).meta ?? {};
  if (typeof meta.field_name === "string") return columnOfConstraint(meta.field_name);
  const adapter = meta.driverAdapterError as { cause?: { constraint?: { index?: string } } } | undefined;
  const index = adapter?.cause?.constraint?.index;
  return typeof index === "string" ? columnOfConstraint(index) : "";
}

function columnOfConstraint(name: string): string {
  return /^"?[A-Za-z]+_([A-Za-z]+)_fkey"?(?: \(index\))?$/.exec(name)?.[1] ?? "";
}

/**
 * Runs a write whose own row (or parent) another request may have deleted
 * meanwhile. The existence checks run inside the write's transaction; this
 * catches what they cannot see on PostgreSQL, where a concurrent deletion can
 * commit between the check and the write: the row gone (P2025) gives null,
 * a referenced row gone (P2003) the RefusedChange `refuse(column)` returns
 * (deletions pass none: the schema cascades, so they never meet one).
 */
export async function guardWrite<T>(
  write: () => Promise<T>,
  refuse?: (column: string) => RefusedChange,
): Promise<T | null> {
  try {
    return await write();
  } catch (error) {
    if (isRecordNotFound(error)) return null;
    const column = foreignKeyColumn(error);
    if (column !== null && refuse) throw refuse(column);
    throw error;
  }
}
