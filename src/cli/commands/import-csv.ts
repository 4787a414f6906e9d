// `conntrackt import-csv` (docs/cli.md): adds the communications of a
// spreadsheet to a project; every bad line is reported and nothing is written.
import { importCsvRows } from "../../data/csv-import.js";
import type { LineError } from "../../domain/csv-import.js";
import { name as nameSchema } from "../../validation/common.js";
import { readCsvImport } from "../../validation/csv-import.js";
import { withDatabase } from "../database.js";
import { CliError, plural, readInput, refusal, say, seconds, usageError } from "../io.js";
import { type Command, helpOption, stringValue } from "../runner.js";

const lineProblems = (errors: LineError[]) => errors.map((e) => ({ text: `line ${e.line}: ${e.message}` }));

function validName(value: string, label: string): string {
  const result = nameSchema(label).safeParse(value);
  if (!result.success) throw new CliError(result.error.issues[0]?.message ?? `invalid ${label}`);
  return result.data;
}

export const importCsvCommand: Command = {
  name: "import-csv",
  summary: "add communications from a spreadsheet (CSV)",
  usage: "conntrackt import-csv FILE --project NAME [--location NAME]",
  help: `Adds the communications of a CSV file (from FILE, or standard input for "-")
to project NAME, which is created when it does not exist. Entities are
matched by name within the project and interfaces by address and netmask;
missing ones (and missing locations) are created. Communications already
recorded are skipped. Any bad line is reported with its number and nothing
is written.

Header row, one column per field (case and _ - . or spaces do not matter):
  source entity, source address, source netmask, destination entity,
  destination address, destination netmask, protocol, port, description,
  source location, destination location, requested by, reference, expires
Addresses are IPv4 or IPv6, also as CIDR text (10.10.4.0/24, fd00:77:9::/64).
IPv4 netmasks may be dotted or a prefix (/24 or 24), IPv6 ones a prefix (64).
An empty netmask means the entity's interface with that address (a network)
if it has one, else a single host; a host inside one of the entity's
networks is refused. Protocol TCP, UDP, ICMP or ICMPv6; port 22 or, for TCP
and UDP, a range 8000-8100; expires YYYY-MM-DD. See docs/cli.md for the
accepted aliases (src_ip, dst_host, ports, ticket, …).

Options:
  --project NAME    the project to add to (created when missing)
  --location NAME   location of new entities whose row names none

Example:
  conntrackt import-csv flows.csv --project Acme --location "Main site"`,
  options: { ...helpOption, project: { type: "string" }, location: { type: "string" } },
  positionals: [1, 1],
  async run({ io, args, values }) {
    const file = args[0] as string;
    const projectName = stringValue(values, "project");
    if (projectName === undefined) throw usageError("--project NAME is required", "import-csv");
    const project = validName(projectName, "Project");
    const locationName = stringValue(values, "location");
    const location = locationName === undefined ? undefined : validName(locationName, "Location");
    const text = await readInput(io, file);
    const started = performance.now();
    const read = readCsvImport(text);
    return withDatabase(io, async (db) => {
      const result = await importCsvRows(db, {
        project: { name: project },
        rows: read.rows,
        errors: read.errors,
        options: { allowNewLocations: true, ...(location === undefined ? {} : { defaultLocation: location }) },
      });
      if (!result.ok) throw refusal(`${file} refused`, lineProblems(result.errors));
      const s = result.summary;
      const created = [
        s.projectCreated ? "the project" : "",
        s.locations ? plural(s.locations, "location") : "",
        s.entities ? plural(s.entities, "entity", "entities") : "",
        s.interfaces ? plural(s.interfaces, "interface") : "",
      ].filter(Boolean);
      await say(
        io,
        `Imported ${plural(s.communications, "communication")} into project "${project}"` +
          `${created.length ? `, creating ${created.join(", ")}` : ""}` +
          `${s.alreadyRecorded ? `; ${s.alreadyRecorded} already recorded` : ""} in ${seconds(performance.now() - started)}.`,
      );
      return 0;
    });
  },
};
