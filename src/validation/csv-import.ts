// Field rules of one CSV import row (docs/usage.md): names, addresses, netmasks
// (dotted or a prefix; empty means 255.255.255.255), protocol (any case), port
// in the range of its protocol. `readCsvImport` turns CSV text into valid rows
// plus one message per problem, each with its line number.
import { z } from "zod";
import { HOST_NETMASK, PORT_RANGE, PROTOCOLS } from "../domain/constants.js";
import { type CsvRow, type LineError, type RawCsvRow, readCsvRows, sortLineErrors } from "../domain/csv-import.js";
import { isIpv4, parseNetmask } from "../domain/ipv4.js";
import { description, name } from "./common.js";

const cell = z.string().optional().default("");

const address = (label: string) =>
  cell
    .transform((v) => v.trim())
    .refine((v) => v !== "", `${label} is required.`)
    .refine((v) => v === "" || isIpv4(v), {
      error: (issue) =>
        `${label} must be a dotted IPv4 address such as 192.168.1.1, not ${JSON.stringify(issue.input)}.`,
    });

const netmask = (label: string) =>
  cell.transform((v, ctx) => {
    const text = v.trim();
    const mask = text === "" ? HOST_NETMASK : parseNetmask(text);
    if (mask === null) {
      ctx.addIssue({
        code: "custom",
        message: `${label} must be a contiguous dotted mask such as 255.255.255.0 or a prefix such as /24, not ${JSON.stringify(text)}.`,
      });
      return z.NEVER;
    }
    return mask;
  });

/** Empty means "not given": an existing entity keeps its location, a new one takes the default. */
const location = (label: string) =>
  cell.transform((v) => (v.trim() === "" ? undefined : v)).pipe(name(label).optional());

const rowSchema = z
  .object({
    "source entity": cell.pipe(name("Source entity")),
    "source address": address("Source address"),
    "source netmask": netmask("Source netmask"),
    "destination entity": cell.pipe(name("Destination entity")),
    "destination address": address("Destination address"),
    "destination netmask": netmask("Destination netmask"),
    protocol: cell
      .transform((v) => v.trim().toUpperCase())
      .pipe(z.enum(PROTOCOLS, { error: `Protocol must be one of ${PROTOCOLS.join(", ")}.` })),
    port: cell
      .transform((v) => v.trim())
      .pipe(
        z
          .string()
          .regex(/^[0-9]{1,6}$/, "Port must be a whole number.")
          .transform(Number),
      ),
    description,
    "source location": location("Source location"),
    "destination location": location("Destination location"),
  })
  .superRefine((row, ctx) => {
    const range = PORT_RANGE[row.protocol];
    if (row.port < range.min || row.port > range.max) {
      ctx.addIssue({
        code: "custom",
        path: ["port"],
        message: `${row.protocol === "ICMP" ? range.label : `${row.protocol} ${range.label}`} must be between ${range.min} and ${range.max}.`,
      });
    }
  });

/** Validates one raw row; all its problems, in column order. */
export function validateCsvRow(raw: RawCsvRow): { ok: true; row: CsvRow } | { ok: false; errors: LineError[] } {
  const result = rowSchema.safeParse(raw.values);
  if (!result.success) {
    return { ok: false, errors: result.error.issues.map((issue) => ({ line: raw.line, message: issue.message })) };
  }
  const v = result.data;
  return {
    ok: true,
    row: {
      line: raw.line,
      source: {
        entity: v["source entity"],
        address: v["source address"],
        netmask: v["source netmask"],
        ...(v["source location"] === undefined ? {} : { location: v["source location"] }),
      },
      destination: {
        entity: v["destination entity"],
        address: v["destination address"],
        netmask: v["destination netmask"],
        ...(v["destination location"] === undefined ? {} : { location: v["destination location"] }),
      },
      protocol: v.protocol,
      port: v.port,
      description: v.description,
    },
  };
}

/** CSV text → the rows that are valid and every problem found, by line. */
export function readCsvImport(text: string): { rows: CsvRow[]; errors: LineError[] } {
  const read = readCsvRows(text);
  const errors = [...read.errors];
  const rows: CsvRow[] = [];
  for (const raw of read.rows) {
    const result = validateCsvRow(raw);
    if (result.ok) rows.push(result.row);
    else errors.push(...result.errors);
  }
  if (read.errors.length === 0 && read.rows.length === 0) {
    errors.push({ line: 2, message: "the file has a header but no rows to import" });
  }
  return { rows, errors: sortLineErrors(errors) };
}
