// A project's communications as CSV (docs/usage.md, "CSV export"): one row per
// flow in the CSV import's columns (src/domain/csv/columns.ts), so the file the
// customer gets back can be imported again unchanged. Pure: the interchange
// export's project (already loaded and ordered) in, text out.
//
// Decisions beyond the documented columns:
// - Every row names both netmasks (dotted for IPv4, a prefix for IPv6), so an
//   import never has to guess between a host and a network with that address.
// - Fields are quoted as RFC 4180 says (a comma, a quote, a line break, or
//   spaces at either end, which a reader could trim); lines end in CRLF.
// - Cells that a spreadsheet could read as a formula (`=`, `+`, `-`, `@`) are
//   written as they are: prefixing them would change the data on the way back.
import { CSV_COLUMNS, type CsvColumn } from "./csv/columns.js";

interface End {
  entity: string;
  interface: string;
}
export interface CsvExportProject {
  entities: { name: string; location: string; interfaces: { name: string; address: string; netmask: string }[] }[];
  communications: {
    source: End;
    destination: End;
    protocol: string;
    port: number;
    portEnd: number;
    description: string;
    requestedBy: string;
    reference: string;
    expires: string | null;
  }[];
}

function quote(field: string): string {
  return /[",\r\n]|^\s|\s$/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** The CSV text of a project's communications: the header row, then one row per flow, in the given order. */
export function communicationsCsv(project: CsvExportProject): string {
  const entities = new Map(project.entities.map((e) => [e.name, e]));
  const end = (e: End) => {
    const entity = entities.get(e.entity);
    const iface = entity?.interfaces.find((i) => i.name === e.interface);
    if (!entity || !iface) throw new Error(`communication end ${e.entity}/${e.interface} is not in the project`);
    return { entity: entity.name, address: iface.address, netmask: iface.netmask, location: entity.location };
  };
  const lines = [CSV_COLUMNS.join(",")];
  for (const k of project.communications) {
    const source = end(k.source);
    const destination = end(k.destination);
    const row: Record<CsvColumn, string> = {
      "source entity": source.entity,
      "source address": source.address,
      "source netmask": source.netmask,
      "destination entity": destination.entity,
      "destination address": destination.address,
      "destination netmask": destination.netmask,
      protocol: k.protocol,
      port: k.portEnd === k.port ? String(k.port) : `${k.port}-${k.portEnd}`,
      description: k.description,
      "source location": source.location,
      "destination location": destination.location,
      "requested by": k.requestedBy,
      reference: k.reference,
      expires: k.expires ?? "",
    };
    lines.push(CSV_COLUMNS.map((c) => quote(row[c])).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}
