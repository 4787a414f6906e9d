// `conntrackt iptables` (docs/cli.md): the iptables-restore files of a
// project's entities, the same names and bytes as the web's ZIP archive. Only
// reads the database (read-only, never migrated), so a firewall host can
// generate its rules from a read-only copy.
import { getLocationByName } from "../../data/locations.js";
import { getProjectByName } from "../../data/projects.js";
import { loadProjectRules } from "../../data/rules.js";
import { writeRulesFiles } from "../../services/rules-files.js";
import { withReadOnlyDatabase } from "../database.js";
import { CliError, plural, progressBar, say, usageError } from "../io.js";
import { type Command, helpOption, stringValue } from "../runner.js";

export const iptablesCommand: Command = {
  name: "iptables",
  summary: "write the iptables-restore files of a project's entities",
  usage: "conntrackt iptables --project NAME [--location NAME] --out DIR",
  help: `Writes one iptables-restore file per entity of the project (or of its
entities in one location) into DIR, created when missing: the same file names
and bytes as the project's ZIP archive on the web (NAME-iptables.conf).
Files of the same name in DIR are replaced; other files are left alone.
Only reads the database: works on a read-only copy and while another process writes.

Options:
  --project NAME    the project (required)
  --location NAME   only the project's entities in this location
  --out DIR         the folder to write to (required)

Examples:
  conntrackt iptables --project Acme --out /srv/firewalls/acme
  conntrackt iptables --project Acme --location "Main site" --out ./main-site`,
  options: { ...helpOption, project: { type: "string" }, location: { type: "string" }, out: { type: "string" } },
  positionals: [0, 0],
  async run({ io, values }) {
    const projectName = stringValue(values, "project");
    const locationName = stringValue(values, "location");
    const out = stringValue(values, "out");
    if (!projectName) throw usageError("--project NAME is required", "iptables");
    if (!out) throw usageError("--out DIR is required", "iptables");
    const entities = await withReadOnlyDatabase(io, async (db) => {
      const project = await getProjectByName(db, projectName);
      if (!project) throw new CliError(`no project named ${JSON.stringify(projectName)}`);
      let locationId: number | undefined;
      if (locationName !== undefined) {
        const location = await getLocationByName(db, locationName);
        if (!location) throw new CliError(`no location named ${JSON.stringify(locationName)}`);
        locationId = location.id;
      }
      return loadProjectRules(db, project.id, locationId);
    });
    const bar = progressBar(io, "Writing rules");
    let written: string[];
    try {
      written = writeRulesFiles(entities, out, (done, total) => bar.update(done, total));
    } catch (error) {
      throw new CliError(
        `cannot write to ${out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    } finally {
      bar.end();
    }
    const where = locationName === undefined ? "" : ` in ${JSON.stringify(locationName)}`;
    await say(
      io,
      `Wrote ${plural(written.length, "file")} for project ${JSON.stringify(projectName)}${where} to ${out}.`,
    );
    return 0;
  },
};
