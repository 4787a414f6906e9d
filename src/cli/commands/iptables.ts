// `conntrackt iptables` (docs/cli.md): the firewall files of a project's
// entities, the same names and bytes as the web's ZIP archives. Only reads the
// database (read-only, never migrated), so a firewall host can generate its
// rules from a read-only copy.
import { getLocationByName } from "../../data/locations.js";
import { getProjectByName } from "../../data/projects.js";
import { openProjectRules } from "../../data/rules.js";
import { ARCHIVE_FILE_KINDS, RULES_FILE_KINDS, type RulesFileKind } from "../../domain/archive-names.js";
import { writeRulesFiles } from "../../services/rules-files.js";
import { withReadOnlyDatabase } from "../database.js";
import { CliError, plural, progressBar, say, usageError } from "../io.js";
import { type Command, helpOption, stringValue } from "../runner.js";

/** The files each `--format` writes per entity: as the iptables ZIP, as the nftables ZIP, or all three. */
const FORMATS: Record<string, readonly RulesFileKind[]> = {
  iptables: ARCHIVE_FILE_KINDS.iptables,
  nftables: ARCHIVE_FILE_KINDS.nftables,
  all: RULES_FILE_KINDS,
};

export const iptablesCommand: Command = {
  name: "iptables",
  summary: "write the firewall files of a project's entities",
  usage: "conntrackt iptables --project NAME [--location NAME] [--format FORMAT] --out DIR",
  help: `Writes the firewall files of every entity of the project (or of its entities
in one location) into DIR, created when missing: the same file names and bytes
as the project's ZIP archives on the web. Files of the same name in DIR are
replaced; other files are left alone. Only reads the database: works on a
read-only copy and while another process writes.

Formats (per entity):
  iptables   NAME-iptables.conf (IPv4) and NAME-ip6tables.conf (IPv6), for
             iptables-restore and ip6tables-restore: the iptables ZIP (default)
  nftables   NAME.nft (both families), for nft -f: the nftables ZIP
  all        all three files

Options:
  --project NAME    the project (required)
  --location NAME   only the project's entities in this location
  --format FORMAT   iptables, nftables or all (default: iptables)
  --out DIR         the folder to write to (required)

Examples:
  conntrackt iptables --project Acme --out /srv/firewalls/acme
  conntrackt iptables --project Acme --format nftables --out /srv/nft/acme
  conntrackt iptables --project Acme --location "Main site" --format all --out ./main-site`,
  options: {
    ...helpOption,
    project: { type: "string" },
    location: { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
  },
  positionals: [0, 0],
  async run({ io, values }) {
    const projectName = stringValue(values, "project");
    const locationName = stringValue(values, "location");
    const format = stringValue(values, "format") ?? "iptables";
    const out = stringValue(values, "out");
    if (!projectName) throw usageError("--project NAME is required", "iptables");
    if (!out) throw usageError("--out DIR is required", "iptables");
    const kinds = Object.hasOwn(FORMATS, format) ? FORMATS[format] : undefined;
    if (!kinds) {
      throw usageError(`--format must be iptables, nftables or all, not ${JSON.stringify(format)}`, "iptables");
    }
    const written = await withReadOnlyDatabase(io, async (db) => {
      const project = await getProjectByName(db, projectName);
      if (!project) throw new CliError(`no project named ${JSON.stringify(projectName)}`);
      let locationId: number | undefined;
      if (locationName !== undefined) {
        const location = await getLocationByName(db, locationName);
        if (!location) throw new CliError(`no location named ${JSON.stringify(locationName)}`);
        locationId = location.id;
      }
      const rules = await openProjectRules(db, project.id, locationId);
      if (!rules) throw new CliError(`no project named ${JSON.stringify(projectName)}`);
      const bar = progressBar(io, "Writing rules");
      try {
        return await writeRulesFiles(rules, out, kinds, (done, total) => bar.update(done, total));
      } catch (error) {
        // The generator refuses stored data with a RangeError naming the entity and field.
        if (error instanceof RangeError) throw new CliError(error.message);
        if (error instanceof CliError) throw error;
        // A file system error (it names its system call); anything else is not the folder's fault.
        const { code, syscall } = error as NodeJS.ErrnoException;
        if (syscall === undefined) throw error;
        throw new CliError(`cannot write to ${out}: ${code ?? syscall}`);
      } finally {
        bar.end();
      }
    });
    const where = locationName === undefined ? "" : ` in ${JSON.stringify(locationName)}`;
    await say(
      io,
      `Wrote ${plural(written.length, "file")} for project ${JSON.stringify(projectName)}${where} to ${out}.`,
    );
    return 0;
  },
};
