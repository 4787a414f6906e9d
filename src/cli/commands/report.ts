// `conntrackt report` (docs/cli.md): the project report of the web page,
// as text or JSON, for a check before a go-live or in a pipeline. Only reads
// the database. Exit status: 0 without errors (warnings allowed), 1 when the
// report finds errors, 2 when it cannot run (wrong usage, no such project).
import { loadAnalysisModel } from "../../data/analysis.js";
import { getProjectByName } from "../../data/projects.js";
import { todayUtc } from "../../domain/expiry.js";
import { buildReport, FINDING_KINDS, FINDING_TITLES, type ProjectReport } from "../../domain/report.js";
import { withReadOnlyDatabase } from "../database.js";
import { CliError, plural, say, usageError } from "../io.js";
import { type Command, helpOption, stringValue } from "../runner.js";
import { flowLine } from "./reach.js";

/** The report as the command prints it: a summary line, then each kind's findings with their rows. */
export function reportText(report: ProjectReport): string {
  const lines = [
    `Report of project ${JSON.stringify(report.project.name)} (${report.today}): ` +
      `${plural(report.errors, "error")}, ${plural(report.warnings, "warning")}`,
  ];
  for (const u of report.unreadable) lines.push(`unreadable ${u.kind} #${u.id}: ${u.reason}`);
  for (const kind of FINDING_KINDS) {
    const findings = report.findings.filter((f) => f.kind === kind);
    if (findings.length === 0) continue;
    lines.push("", `${FINDING_TITLES[kind]} (${findings[0]?.severity}s: ${findings.length})`);
    for (const f of findings) {
      lines.push(`${f.severity} ${f.kind}: ${f.message}`);
      for (const c of f.communications) lines.push(`  ${flowLine(c)}`);
    }
  }
  return lines.join("\n");
}

export const reportCommand: Command = {
  name: "report",
  summary: "list what is wrong or worth a look in a project's records",
  usage: "conntrackt report --project NAME [--json]",
  help: `Prints the project report of the web page: identical rules from different
communications and addresses used by two entities (errors); flows covered by
a broader one, networks that overlap, entities without interfaces,
interfaces in no communication, expired flows and flows expiring within 14
days (warnings). Dates are today's (UTC). Only reads the database.

Options:
  --project NAME   the project (required)
  --json           print the report as JSON

Exit status: 0 without errors (warnings allowed), 1 when the report finds
errors, 2 when it cannot run (wrong usage, no such project).

Examples:
  conntrackt report --project Acme
  conntrackt report --project Acme --json > acme-report.json`,
  options: { ...helpOption, project: { type: "string" }, json: { type: "boolean" } },
  positionals: [0, 0],
  async run({ io, values }) {
    const projectName = stringValue(values, "project");
    if (!projectName) throw usageError("--project NAME is required", "report");
    const report = await withReadOnlyDatabase(io, async (db) => {
      const project = await getProjectByName(db, projectName);
      const model = project === null ? null : await loadAnalysisModel(db, project.id);
      if (model === null) throw new CliError(`no project named ${JSON.stringify(projectName)}`, 2);
      return buildReport(model, todayUtc());
    });
    await say(io, values.json ? JSON.stringify(report, null, 2) : reportText(report));
    return report.errors > 0 ? 1 : 0;
  },
};
