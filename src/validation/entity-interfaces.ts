// The entity form with its interfaces (docs/usage.md "Forms"): the entity's
// fields plus rows named `interfaces-N-FIELD`, Django-admin inline style. A
// row with an `id` is one of the entity's interfaces (its Delete checkbox
// removes it); a row without one adds an interface, and is ignored when every
// field is empty. Each row is read by the interface form's own schema, so the
// rules and messages are the interface form's; the messages go to the row's
// fields. Checks that need the database (the row's interface still belongs to
// the entity, names and addresses unique among all its interfaces, a family
// change while it has communications) live in src/data/entity-interfaces.ts.
import { z } from "zod";
import { entityForm, interfaceForm } from "./entities.js";

/** Empty rows the form offers for new interfaces. */
export const NEW_INTERFACE_ROWS = 3;
/** Rows read from one form: more than any entity needs, few enough to bound the work. */
export const MAX_INTERFACE_ROWS = 200;

export type RowField = "id" | "name" | "address" | "netmask" | "description" | "delete";

/** The form field name of one row's field: `interfaces-0-name`. */
export const rowField = (index: number, field: RowField) => `interfaces-${index}-${field}`;

const ROW_KEY = /^interfaces-(0|[1-9][0-9]{0,3})-(id|name|address|netmask|description|delete)$/;

/** The row numbers a form body holds, in order. */
export function rowIndexes(body: unknown): number[] {
  const found = new Set<number>();
  if (body && typeof body === "object") {
    for (const key of Object.keys(body)) {
      const m = ROW_KEY.exec(key);
      if (m) found.add(Number(m[1]));
    }
  }
  return [...found].sort((a, b) => a - b);
}

/** An interface's fields as stored. */
export interface InterfaceRowData {
  name: string;
  description: string;
  address: string;
  netmask: string;
}

/** One row read: keep (an existing interface shown read-only), change, delete or add. */
export interface InterfaceRowInput {
  index: number;
  /** The existing interface's id; null for a new one. */
  id: number | null;
  delete: boolean;
  /** The row's fields; null for a deleted row or an existing one sent without fields. */
  data: InterfaceRowData | null;
}

export const duplicateRowMessages = {
  name: "This entity already has an interface with this name.",
  address: "This entity already has an interface with this address and netmask.",
} as const;

const textOf = (v: unknown) => (typeof v === "string" ? v : "");

type Body = Record<string, unknown>;

/** Reads the rows of a body, adding an issue per bad field at its `interfaces-N-FIELD` path. */
function readRows(body: Body, ctx: z.RefinementCtx): InterfaceRowInput[] {
  const indexes = rowIndexes(body);
  if (indexes.length > MAX_INTERFACE_ROWS) {
    ctx.addIssue({ code: "custom", path: ["_form"], message: `At most ${MAX_INTERFACE_ROWS} interface rows at once.` });
    return [];
  }
  const rows: InterfaceRowInput[] = [];
  const seenIds = new Set<number>();
  for (const index of indexes) {
    const key = (field: RowField) => rowField(index, field);
    const rawId = body[key("id")];
    const deleting = body[key("delete")] !== undefined;
    let id: number | null = null;
    if (rawId !== undefined && rawId !== "") {
      const parsed = /^[1-9][0-9]{0,9}$/.exec(textOf(rawId));
      if (!parsed || seenIds.has(Number(rawId))) {
        ctx.addIssue({ code: "custom", path: [key("name")], message: "This row names no interface of this entity." });
        continue;
      }
      id = Number(rawId);
      seenIds.add(id);
    }
    const fields = {
      name: body[key("name")],
      description: body[key("description")],
      address: body[key("address")],
      netmask: body[key("netmask")],
    };
    if (id === null) {
      // An empty row (or a new row marked Delete) adds nothing.
      const empty = Object.values(fields).every((v) => v === undefined || (typeof v === "string" && v.trim() === ""));
      if (empty || deleting) continue;
    } else if (deleting || fields.address === undefined) {
      rows.push({ index, id, delete: deleting, data: null });
      continue;
    }
    // The interface form's schema; the entity is the one being saved, not a field of the row.
    const parsed = interfaceForm.safeParse({ ...fields, entity: "1" });
    if (!parsed.success) {
      const seen = new Set<string>();
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? "name");
        if (seen.has(field)) continue;
        seen.add(field);
        ctx.addIssue({ code: "custom", path: [key(field as RowField)], message: issue.message });
      }
      continue;
    }
    const { name, description, address, netmask } = parsed.data;
    rows.push({ index, id, delete: false, data: { name, description, address, netmask } });
  }
  // Two rows of this form with one name, or one address and netmask: the later row is refused.
  const names = new Set<string>();
  const addresses = new Set<string>();
  for (const row of rows) {
    if (!row.data) continue;
    const address = `${row.data.address}/${row.data.netmask}`;
    if (names.has(row.data.name)) {
      ctx.addIssue({ code: "custom", path: [rowField(row.index, "name")], message: duplicateRowMessages.name });
    } else if (addresses.has(address)) {
      ctx.addIssue({ code: "custom", path: [rowField(row.index, "address")], message: duplicateRowMessages.address });
    }
    names.add(row.data.name);
    addresses.add(address);
  }
  return rows;
}

/** The entity form and its interface rows, every message at once. */
export const entityWithInterfacesForm = z
  .custom<Body>((v) => typeof v === "object" && v !== null && !Array.isArray(v))
  .transform((body, ctx) => {
    let bad = false;
    const counting: z.RefinementCtx = {
      ...ctx,
      addIssue: (issue) => {
        bad = true;
        ctx.addIssue(issue);
      },
    };
    const entity = entityForm.safeParse(body);
    if (!entity.success) {
      for (const issue of entity.error.issues) {
        ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
      }
    }
    const interfaces = readRows(body, counting);
    if (!entity.success || bad) return z.NEVER;
    return { ...entity.data, interfaces };
  });
export type EntityWithInterfacesForm = z.output<typeof entityWithInterfacesForm>;
