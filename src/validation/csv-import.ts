// Field rules of one CSV import row (docs/cli.md, import-csv), with the forms'
// wording (./fields.ts): names; each end's address and netmask read together
// (IPv4 or IPv6, CIDR text, host bits refused with the network offered; an
// empty netmask is one host, or the entity's interface with that address:
// src/domain/csv/plan.ts); protocol in any case; Port `22` or a TCP/UDP range
// `8000-8100`; both ends of one family, ICMP IPv4 and ICMPv6 IPv6; optional
// Requested by, Reference and Expires. Every problem of a row is reported, in
// column order. `readCsvImport` turns CSV text into valid rows plus one message
// per problem, each with its line number.
import { z } from "zod";
import {
  CLI_CSV_LIMITS,
  type CsvEndpoint,
  type CsvLimits,
  type CsvRow,
  type LineError,
  type RawCsvRow,
  readCsvRowsSteps,
  runSteps,
  type Steps,
  sortLineErrors,
} from "../domain/csv-import.js";
import { description, name } from "./common.js";
import {
  expiresRule,
  fieldMessages,
  flowFamilyIssue,
  type InterfaceAddress,
  protocolRule,
  readInterfaceAddress,
  readPorts,
  referenceRule,
  requestedByRule,
} from "./fields.js";

/** Empty means "not given": an existing entity keeps its location, a new one takes the default. */
const location = (label: string) =>
  z
    .string()
    .transform((v) => (v.trim() === "" ? undefined : v))
    .pipe(name(label).optional());

// Built once: a zod schema costs far more to build than to run.
const RULES = {
  source: { entity: name("Source entity"), location: location("Source location") },
  destination: { entity: name("Destination entity"), location: location("Destination location") },
  protocol: protocolRule("Protocol"),
  description,
  requestedBy: requestedByRule("Requested by"),
  reference: referenceRule("Reference"),
  expires: expiresRule("Expires"),
};
const LABELS = {
  source: { address: "Source address", netmask: "Source netmask" },
  destination: { address: "Destination address", netmask: "Destination netmask" },
} as const;

/** Validates one raw row; all its problems, in column order. */
export function validateCsvRow(raw: RawCsvRow): { ok: true; row: CsvRow } | { ok: false; errors: LineError[] } {
  const v = raw.values;
  const messages: string[] = [];
  const take = <T>(schema: z.ZodType<T>, value: string | undefined): T | undefined => {
    const result = schema.safeParse(value ?? "");
    if (result.success) return result.data;
    messages.push(...result.error.issues.map((issue) => issue.message));
    return undefined;
  };

  const ends: Partial<Record<"source" | "destination", { entity: string; at: InterfaceAddress; given: boolean }>> = {};
  for (const side of ["source", "destination"] as const) {
    const entity = take(RULES[side].entity, v[`${side} entity`]);
    const address = v[`${side} address`] ?? "";
    const netmask = v[`${side} netmask`] ?? "";
    const read = readInterfaceAddress(address, netmask, LABELS[side]);
    if (!read.ok) messages.push(read.message);
    if (entity !== undefined && read.ok) {
      // A netmask typed in its column or as CIDR text; else plan.ts may match the entity's interface.
      const given = netmask.trim() !== "" || address.includes("/");
      ends[side] = { entity, at: read, given };
    }
  }

  const protocol = take(RULES.protocol, v.protocol);
  let ports: { port: number; portEnd: number } | undefined;
  if (protocol !== undefined) {
    const read = readPorts(protocol, v.port ?? "", "Port");
    if (read.ok) ports = read;
    else messages.push(read.message);
  } else if ((v.port ?? "").trim() === "") {
    messages.push(fieldMessages.required("Port"));
  }
  const { source, destination } = ends;
  if (protocol !== undefined && source !== undefined && destination !== undefined) {
    const issue = flowFamilyIssue(protocol, source.at.family, destination.at.family);
    if (issue !== null) messages.push(issue);
  }

  const text = take(RULES.description, v.description);
  const locations = {
    source: take(RULES.source.location, v["source location"]),
    destination: take(RULES.destination.location, v["destination location"]),
  };
  const requestedBy = take(RULES.requestedBy, v["requested by"]);
  const reference = take(RULES.reference, v.reference);
  const expires = take(RULES.expires, v.expires);

  if (messages.length > 0) return { ok: false, errors: messages.map((message) => ({ line: raw.line, message })) };
  const end = (side: "source" | "destination"): CsvEndpoint => {
    const e = ends[side] as NonNullable<(typeof ends)[typeof side]>;
    const where = locations[side];
    return {
      entity: e.entity,
      address: e.at.address,
      netmask: e.at.netmask,
      netmaskGiven: e.given,
      ...(where === undefined ? {} : { location: where }),
    };
  };
  const { port, portEnd } = ports as { port: number; portEnd: number };
  return {
    ok: true,
    row: {
      line: raw.line,
      source: end("source"),
      destination: end("destination"),
      protocol: protocol as CsvRow["protocol"],
      port,
      portEnd,
      description: text as string,
      requestedBy: requestedBy as string,
      reference: reference as string,
      expires: expires ?? null,
    },
  };
}

/** Rows validated between two pauses. */
const ROWS_PER_STEP = 50;

/** CSV text → the rows that are valid and every problem found, by line; yields between pieces. */
export function* readCsvImportSteps(
  text: string,
  limits: CsvLimits = CLI_CSV_LIMITS,
): Steps<{ rows: CsvRow[]; errors: LineError[] }> {
  const read = yield* readCsvRowsSteps(text, limits);
  const errors = [...read.errors];
  const rows: CsvRow[] = [];
  for (const [index, raw] of read.rows.entries()) {
    if (index % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
    const result = validateCsvRow(raw);
    if (result.ok) rows.push(result.row);
    else errors.push(...result.errors);
  }
  if (read.errors.length === 0 && read.rows.length === 0) {
    errors.push({ line: 2, message: "the file has a header but no rows to import" });
  }
  return { rows, errors: sortLineErrors(errors) };
}

/** CSV text → valid rows and problems at once (the command line; see readCsvImportSteps). */
export function readCsvImport(
  text: string,
  limits: CsvLimits = CLI_CSV_LIMITS,
): { rows: CsvRow[]; errors: LineError[] } {
  return runSteps(readCsvImportSteps(text, limits));
}
