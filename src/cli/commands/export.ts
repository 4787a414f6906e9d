// `conntrackt export` (docs/cli.md): the interchange document of the database
// or of one project. Only reads: the database is opened read-only, never
// migrated, so it works on a read-only copy and while another process writes.
import { exportInterchange, ProjectNotFoundError, serializeInterchange } from "../../data/interchange.js";
import { withReadOnlyDatabase } from "../database.js";
import { CliError, plural, say, write, writeFileAtomically } from "../io.js";
import { type Command, helpOption, stringValue } from "../runner.js";

export const exportCommand: Command = {
  name: "export",
  summary: "write projects and locations as a JSON document",
  usage: "conntrackt export [--project NAME] [FILE]",
  help: `Writes the interchange document (docs/cli.md, version 2) of the whole
database, or of one project with the locations its entities use, to FILE
(replaced whole) or to standard output when FILE is absent or "-". Accounts
are not exported. Only reads: works on a read-only copy and while another
process writes.

Options:
  --project NAME   export only this project

Examples:
  conntrackt export everything.json
  conntrackt export --project Acme > acme.json`,
  options: { ...helpOption, project: { type: "string" } },
  positionals: [0, 1],
  async run({ io, args, values }) {
    const file = args[0] ?? "-";
    const project = stringValue(values, "project");
    const doc = await withReadOnlyDatabase(io, async (db) => {
      try {
        return await exportInterchange(db, project === undefined ? {} : { project });
      } catch (error) {
        if (error instanceof ProjectNotFoundError) throw new CliError(error.message);
        throw error;
      }
    });
    const text = serializeInterchange(doc);
    const entities = doc.projects.reduce((n, p) => n + p.entities.length, 0);
    const communications = doc.projects.reduce((n, p) => n + p.communications.length, 0);
    const summary = `${plural(doc.projects.length, "project")}, ${plural(doc.locations.length, "location")}, ${plural(entities, "entity", "entities")}, ${plural(communications, "communication")}`;
    if (file === "-") {
      await write(io.stdout, text);
      if (io.stderr.isTTY) io.stderr.write(`Exported ${summary}.\n`);
    } else {
      writeFileAtomically(file, text);
      await say(io, `Exported ${summary} to ${file}.`);
    }
    return 0;
  },
};
