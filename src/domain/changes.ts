// The change history's pure part (docs/usage.md "Change history"): the
// fields each kind of object records, labelled as its form labels them, and
// the field-by-field difference an entry shows, old → new.
//
// Decisions beyond docs/usage.md:
// - A relation is recorded by the display string of what it points at
//   (an entity's project by name, a communication's source as
//   `ENTITY (ADDRESS)`), not by id: the history says what a user saw, and
//   stays readable after the other object is renamed or deleted.
// - A communication's ports are one field, `Port`, as the form has it:
//   `22` or `8000-8100`.
// - A creation lists every field that has a value, a deletion every field
//   it had; an update only the fields whose value changed.

export const CHANGE_ACTIONS = ["create", "update", "delete"] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

export const OBJECT_TYPES = ["project", "location", "entity", "interface", "communication"] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

export type FieldValue = string | number | boolean | null;
export type Fields = Readonly<Record<string, FieldValue>>;

/** Each kind's fields in form order, with the form's labels. */
export const FIELD_LABELS: Readonly<Record<ObjectType, readonly (readonly [field: string, label: string])[]>> = {
  project: [
    ["name", "Name"],
    ["description", "Description"],
  ],
  location: [
    ["name", "Name"],
    ["description", "Description"],
  ],
  entity: [
    ["name", "Name"],
    ["description", "Description"],
    ["project", "Project"],
    ["location", "Location"],
    ["restrictOutgoing", "Restrict outgoing traffic"],
  ],
  interface: [
    ["name", "Name"],
    ["description", "Description"],
    ["entity", "Entity"],
    ["address", "Address"],
    ["netmask", "Netmask"],
  ],
  communication: [
    ["source", "Source"],
    ["destination", "Destination"],
    ["protocol", "Protocol"],
    ["port", "Port"],
    ["description", "Description"],
    ["requestedBy", "Requested by"],
    ["reference", "Reference"],
    ["expires", "Expires"],
  ],
};

/** How each kind and action reads in the history's lists. */
export const OBJECT_TYPE_LABELS: Readonly<Record<ObjectType, string>> = {
  project: "Project",
  location: "Location",
  entity: "Entity",
  interface: "Interface",
  communication: "Communication",
};
export const ACTION_LABELS: Readonly<Record<ChangeAction, string>> = {
  create: "Created",
  update: "Updated",
  delete: "Deleted",
};

export interface FieldChange {
  field: string;
  label: string;
  /** The value as shown; null: the field had no value on that side (a creation's before, a deletion's after). */
  before: string | null;
  after: string | null;
}

/** A value as the history shows it: booleans as yes/no, an empty or absent value as "". */
export function fieldText(value: FieldValue | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
}

/**
 * The fields an entry shows: for an update those whose value changed, for a
 * creation or deletion every field with a value. Fields are in the form's
 * order; a field recorded that the kind does not list (an older entry's)
 * comes after them, labelled by its name.
 */
export function changedFields(type: ObjectType, before: Fields | null, after: Fields | null): FieldChange[] {
  // An unknown kind (a hand-edited database) shows its fields by their names.
  const known = (FIELD_LABELS as Partial<typeof FIELD_LABELS>)[type] ?? [];
  const names = new Set(known.map(([field]) => field));
  const extra = [...Object.keys(before ?? {}), ...Object.keys(after ?? {})].filter((f) => !names.has(f));
  const fields = [...known, ...[...new Set(extra)].map((f) => [f, f] as const)];
  const out: FieldChange[] = [];
  for (const [field, label] of fields) {
    const old = before === null ? null : fieldText(before[field]);
    const now = after === null ? null : fieldText(after[field]);
    if (before !== null && after !== null ? old === now : (old ?? now) === "") continue;
    out.push({ field, label, before: old, after: now });
  }
  return out;
}

/**
 * Reads an entry's stored fields (JSON text of an object of plain values);
 * null for none. Text that is not such an object, which only a hand-edited
 * database holds, reads as one field `value` so the page still shows it.
 */
export function parseFields(text: string | null): Fields | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const out: Record<string, FieldValue> = {};
      for (const [k, v] of Object.entries(value)) {
        out[k] =
          v === null || ["string", "number", "boolean"].includes(typeof v) ? (v as FieldValue) : JSON.stringify(v);
      }
      return out;
    }
  } catch {
    // Falls through: shown as written.
  }
  return { value: text };
}
