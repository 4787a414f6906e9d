// The options of the data set generator (scripts/dataset.ts): presets, the
// command line, and the checks that turn an impossible request into a clear
// message instead of a stack trace.
import { parseArgs } from "node:util";

export const PRESET_NAMES = ["small", "medium", "large", "huge"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface DatasetOptions {
  projects: number;
  locations: number;
  /** Per project. */
  entities: number;
  /** Per entity (with dualStack: per address family of a dual-stack entity). */
  interfaces: number;
  /** Per project. */
  communications: number;
  /** Share (0–1) of the entities that are whole subnets. */
  subnets: number;
  seed: number;
  nasty: boolean;
  /**
   * A version 2 document (docs/cli.md): IPv6 interfaces and networks under
   * fd00::/16 beside the IPv4 ones, port ranges, ICMPv6, entities that
   * restrict outgoing traffic, flows with Requested by, Reference and Expires.
   */
  dualStack: boolean;
  /**
   * With dualStack: the day (`YYYY-MM-DD`) the Expires dates are drawn around,
   * so that a few flows have expired before it and a few expire within 14
   * days. Absent: every Expires date is in the 2090s, so none has expired.
   */
  today?: string;
}

/** What generateDataset and datasetDocument accept: a preset (small by default) and options over it. */
export type DatasetRequest = Partial<DatasetOptions> & { preset?: PresetName };

type Sizes = Omit<DatasetOptions, "seed" | "nasty" | "dualStack" | "today">;

export const PRESETS: Record<PresetName, Sizes> = {
  small: { projects: 1, locations: 2, entities: 10, interfaces: 1, communications: 30, subnets: 0.1 },
  medium: { projects: 1, locations: 5, entities: 80, interfaces: 1, communications: 400, subnets: 0.1 },
  large: { projects: 1, locations: 10, entities: 300, interfaces: 2, communications: 3000, subnets: 0.1 },
  huge: { projects: 1, locations: 20, entities: 2000, interfaces: 2, communications: 20000, subnets: 0.1 },
};

/** A wrong option or an impossible request, for a clear message instead of a stack trace. */
export class DatasetUsageError extends Error {}

export const USAGE = `Usage: npx tsx scripts/dataset.ts [options] > data.json

Writes a Conntrackt interchange document (docs/cli.md) to standard output.

  --preset NAME          small | medium | large | huge (default small); the
                         options below override the preset's numbers
  --projects N           projects
  --locations N          locations, shared by all projects ("Location N")
  --entities N           entities per project
  --interfaces N         interfaces per entity (per address family with
                         --dual-stack)
  --communications N     communications per project
  --subnets FRACTION     share of entities that are whole subnets (0 to 1)
  --seed N               seed of the generator (default 1): same options and
                         seed give the same bytes
  --nasty                hostile names and descriptions, still valid
  --dual-stack           a version 2 document: IPv6 interfaces and networks
                         (fd00::/16) beside the IPv4 ones, port ranges, ICMPv6,
                         entities that restrict outgoing traffic, flows with
                         Requested by, Reference and Expires
  --today YYYY-MM-DD     with --dual-stack: draw the Expires dates around this
                         day, a few before it (expired) and a few within 14
                         days after it; without it no flow has expired
  --help                 this text

Presets:
${PRESET_NAMES.map((name) => {
  const p = PRESETS[name];
  return `  ${name.padEnd(7)} ${p.projects} project, ${p.locations} locations, ${p.entities} entities with ${p.interfaces} interface${p.interfaces > 1 ? "s" : ""} each, ${p.communications} communications`;
}).join("\n")}
`;

/** Options of the command line (the flags above) as generator options. */
export function parseDatasetArgs(args: readonly string[]): DatasetOptions & { help: boolean } {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(args);
  } catch (error) {
    throw new DatasetUsageError((error as Error).message);
  }
  const { values } = parsed;
  const preset = values.preset ?? "small";
  if (!(PRESET_NAMES as readonly string[]).includes(preset)) {
    throw new DatasetUsageError(`--preset must be one of ${PRESET_NAMES.join(", ")}, not ${JSON.stringify(preset)}`);
  }
  const sizes = { ...PRESETS[preset as PresetName] };
  for (const key of ["projects", "locations", "entities", "interfaces", "communications"] as const) {
    const text = values[key];
    if (text !== undefined) sizes[key] = count(`--${key}`, text);
  }
  if (values.subnets !== undefined) {
    const share = Number(values.subnets);
    if (values.subnets.trim() === "" || !(share >= 0 && share <= 1)) {
      throw new DatasetUsageError(`--subnets must be a fraction from 0 to 1, not ${JSON.stringify(values.subnets)}`);
    }
    sizes.subnets = share;
  }
  const seed = values.seed === undefined ? 1 : count("--seed", values.seed);
  const dualStack = values["dual-stack"] ?? false;
  if (values.today !== undefined && !dualStack) {
    throw new DatasetUsageError("--today needs --dual-stack (only version 2 documents have Expires dates)");
  }
  const today = values.today === undefined ? {} : { today: values.today };
  return { ...sizes, seed, nasty: values.nasty ?? false, dualStack, ...today, help: values.help ?? false };
}

function parseCommandLine(args: readonly string[]) {
  const text = { type: "string" } as const;
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      preset: text,
      projects: text,
      locations: text,
      entities: text,
      interfaces: text,
      communications: text,
      subnets: text,
      seed: text,
      nasty: { type: "boolean" },
      "dual-stack": { type: "boolean" },
      today: text,
      help: { type: "boolean", short: "h" },
    },
  });
}

function count(flag: string, text: string): number {
  if (!/^\d{1,9}$/.test(text.trim()))
    throw new DatasetUsageError(`${flag} must be a whole number, not ${JSON.stringify(text)}`);
  return Number(text);
}

/** A real calendar day written `YYYY-MM-DD`. */
function isCalendarDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const day = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === text;
}

/** The preset's numbers (small by default) with the given options over them, checked. */
export function resolveDatasetOptions(options: DatasetRequest = {}): DatasetOptions {
  const { preset = "small", ...rest } = options;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const o: DatasetOptions = { ...PRESETS[preset], seed: 1, nasty: false, dualStack: false, ...defined };
  for (const key of ["projects", "locations", "entities", "interfaces", "communications", "seed"] as const) {
    if (!Number.isSafeInteger(o[key]) || o[key] < 0) throw new DatasetUsageError(`${key} must be a whole number ≥ 0`);
  }
  if (!(o.subnets >= 0 && o.subnets <= 1)) throw new DatasetUsageError("subnets must be a fraction from 0 to 1");
  if (o.entities > 0 && o.locations === 0) throw new DatasetUsageError("entities need at least one location");
  if (o.entities > 0 && o.interfaces === 0 && o.communications > 0) {
    throw new DatasetUsageError("communications need interfaces");
  }
  // Far beyond any benchmark, and a bound that keeps the private ranges (about 16 million hosts) enough.
  const interfacesPerEntity = o.dualStack ? 2 * o.interfaces : o.interfaces;
  if (o.projects * o.entities * interfacesPerEntity > 5_000_000 || o.projects * o.communications > 5_000_000) {
    throw new DatasetUsageError("at most 5,000,000 interfaces and 5,000,000 communications in all");
  }
  const flowsPerPair = 2 * 65535 + 256;
  if (o.communications > o.entities * (o.entities - 1) * o.interfaces ** 2 * flowsPerPair) {
    throw new DatasetUsageError(
      `${o.communications} distinct communications do not fit between ${o.entities} entities with ${o.interfaces} interfaces`,
    );
  }
  if (o.today !== undefined) {
    if (!o.dualStack)
      throw new DatasetUsageError("today needs dualStack (only version 2 documents have Expires dates)");
    if (!isCalendarDay(o.today))
      throw new DatasetUsageError(`today must be a date YYYY-MM-DD, not ${JSON.stringify(o.today)}`);
  }
  // The IPv6 plan numbers locations in the second group of fd00:LOCATION::/32.
  if (o.dualStack && o.locations > 0xffff)
    throw new DatasetUsageError("dual-stack data sets have at most 65,535 locations");
  return o;
}
