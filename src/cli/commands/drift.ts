// `conntrackt drift` (docs/cli.md, docs/drift.md): compares what a host runs,
// as iptables-save, ip6tables-save or `nft -j list ruleset` printed it, with
// the entity's generated file of that format. One line per difference, so a
// script can grep them; exit status 0 in sync, 1 drift, 2 trouble (as diff).
// Only reads the database: works on a read-only copy.
import { listEntities } from "../../data/entities.js";
import { getProjectByName } from "../../data/projects.js";
import type { DriftFormat, DriftResult, RuleDifference } from "../../domain/drift/types.js";
import { checkEntityDrift, DriftInputError } from "../../services/drift.js";
import { withReadOnlyDatabase } from "../database.js";
import { CliError, plural, readInput, usageError, write } from "../io.js";
import { type Command, helpOption, stringValue } from "../runner.js";

const HOST_OUTPUT: Record<DriftFormat, string> = {
  iptables: "iptables-save output",
  ip6tables: "ip6tables-save output",
  nftables: "nft -j list ruleset output",
};

/** The report: a summary line, then one line per policy, missing and extra rule. */
export function driftReport(result: DriftResult, about: string): string {
  const what = `the host's ${HOST_OUTPUT[result.format]} and the ${result.format} file of ${about}`;
  if (result.inSync) return `In sync: ${what} mean the same.\n`;
  const counts = [
    plural(result.policies.length, "policy", "policies"),
    plural(result.missing.length, "missing rule"),
    plural(result.extra.length, "extra rule"),
  ];
  const lines = [`Drift between ${what}: ${counts.join(", ")}.`];
  for (const p of result.policies) {
    lines.push(`policy   ${p.chain}: ${p.model ?? "none"} in the file, ${p.host ?? "none"} on the host`);
  }
  const rule = (kind: string, d: RuleDifference, where: string) =>
    `${kind.padEnd(8)} ${d.chain} (${where}${d.unread === undefined ? "" : `; not read: ${d.unread}`}): ${d.rule}`;
  for (const d of result.missing) lines.push(rule("missing", d, `${d.where} of the file`));
  for (const d of result.extra) lines.push(rule("extra", d, `host ${d.where}`));
  return `${lines.join("\n")}\n`;
}

async function check(
  io: Parameters<Command["run"]>[0]["io"],
  values: Parameters<Command["run"]>[0]["values"],
  file: string,
) {
  const projectName = stringValue(values, "project");
  const entityName = stringValue(values, "entity");
  if (!projectName) throw usageError("--project NAME is required", "drift");
  if (!entityName) throw usageError("--entity NAME is required", "drift");
  const hostText = await readInput(io, file);
  return withReadOnlyDatabase(io, async (db) => {
    const project = await getProjectByName(db, projectName);
    if (!project) throw new CliError(`no project named ${JSON.stringify(projectName)}`);
    const entity = (await listEntities(db, { projectId: project.id })).find((e) => e.name === entityName);
    if (!entity)
      throw new CliError(`no entity named ${JSON.stringify(entityName)} in project ${JSON.stringify(projectName)}`);
    const result = await checkEntityDrift(db, entity.id, hostText);
    if (!result) throw new CliError(`entity ${JSON.stringify(entityName)} was deleted meanwhile`);
    return { result, about: `entity ${JSON.stringify(entityName)} (project ${JSON.stringify(projectName)})` };
  });
}

export const driftCommand: Command = {
  name: "drift",
  summary: "compare what a host runs with an entity's generated rules",
  usage: "conntrackt drift --project NAME --entity NAME FILE",
  help: `Reads FILE (- for standard input): what iptables-save, ip6tables-save or
nft -j list ruleset printed on the host, as it printed it. Compares it with the
entity's generated file of that format by meaning, not text, and prints "In
sync", or one line per difference: a chain whose policy differs, a rule the
file has and the host lacks (missing), a rule the host has and the file lacks
(extra), each in the file's own syntax.
Exit status: 0 in sync, 1 drift, 2 trouble (including text that is none of the
three formats). At most 2 MiB of text. Only reads the database.

Options:
  --project NAME   the entity's project (required)
  --entity NAME    the entity (required)

Examples:
  ssh root@web1 iptables-save | conntrackt drift --project Acme --entity web1 -
  ssh root@web1 nft -j list ruleset > web1.json
  conntrackt drift --project Acme --entity web1 web1.json || echo "web1 drifted"`,
  options: { ...helpOption, project: { type: "string" }, entity: { type: "string" } },
  positionals: [1, 1],
  async run({ io, values, args }) {
    let report: string;
    let inSync: boolean;
    try {
      const { result, about } = await check(io, values, args[0] ?? "-");
      report = driftReport(result, about);
      inSync = result.inSync;
    } catch (error) {
      // diff's convention: every failure is 2, since 1 means "differs".
      if (error instanceof CliError) throw new CliError(error.message, 2, error.details);
      if (error instanceof DriftInputError)
        throw new CliError(`${args[0] === "-" ? "standard input" : args[0]}: ${error.message}`, 2);
      throw new CliError(error instanceof Error ? error.message : String(error), 2);
    }
    await write(io.stdout, report);
    return inSync ? 0 : 1;
  },
};
