// Long selects shown as <optgroup>s, narrowed by a filter text (issue 13,
// docs/usage.md "Forms"). Pure: the data layer gives the options in the one
// order (./sort.ts), this keeps that order and groups consecutive options.

/** Selects with more options than this get a Filter field. */
export const FILTER_MIN_OPTIONS = 15;

export interface GroupedOption {
  value: number | string;
  label: string;
  /** The <optgroup> label, e.g. `Main site › web1`. */
  group: string;
}

export interface OptionGroup {
  label: string;
  options: { value: number | string; label: string }[];
}

export interface GroupedSelectModel {
  groups: OptionGroup[];
  /** Options before filtering: the Filter field shows above more than FILTER_MIN_OPTIONS. */
  total: number;
  /** Options in the groups. */
  shown: number;
  /** The filter text as typed, to show again in its field. */
  filter: string;
  filterable: boolean;
}

/** Whether an option matches a filter text: its label or its group's, regardless of case. */
export function matchesFilter(option: { label: string; group: string }, filter: string): boolean {
  const text = filter.trim().toLowerCase();
  if (text === "") return true;
  return option.label.toLowerCase().includes(text) || option.group.toLowerCase().includes(text);
}

/**
 * Groups the options (in their given order) and, when `narrow`, keeps those
 * matching the filter; the selected option stays even when it does not
 * match, so a filtered form never loses a choice already made. Not narrowed,
 * the filter text is only shown again (the script narrows as one types).
 */
export function groupedSelect(
  options: readonly GroupedOption[],
  filter = "",
  selected = "",
  narrow = true,
): GroupedSelectModel {
  const groups: OptionGroup[] = [];
  const byLabel = new Map<string, OptionGroup>();
  let shown = 0;
  for (const o of options) {
    if (narrow && !matchesFilter(o, filter) && String(o.value) !== selected) continue;
    shown++;
    let group = byLabel.get(o.group);
    if (!group) {
      group = { label: o.group, options: [] };
      byLabel.set(o.group, group);
      groups.push(group);
    }
    group.options.push({ value: o.value, label: o.label });
  }
  return { groups, total: options.length, shown, filter, filterable: options.length > FILTER_MIN_OPTIONS };
}

/** A form value as one string (a repeated field: its first value). */
export function formText(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && typeof value[0] === "string") return value[0];
  return "";
}
