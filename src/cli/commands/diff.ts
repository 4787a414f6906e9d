// `conntrackt diff` (docs/cli.md): the unified diff of every entity's
// generated files between a deployment and now (or two deployments), with
// diff's exit status so a pipeline can gate on it: 0 nothing differs, 1
// something does, 2 trouble. Only reads: the database is opened read-only.
import { getProjectByName } from "../../data/projects.js";
import { rulesDiffer, unifiedRuleDiff } from "../../domain/rule-diff.js";
import { projectRuleDiff, resolveDiffEnds, UnknownDeployment } from "../../services/deployments.js";
import { parseDiffQuery } from "../../validation/deployments.js";
import { withReadOnlyDatabase } from "../database.js";
import { CliError, usageError, write } from "../io.js";
import { type Command, type Context, helpOption, stringValue } from "../runner.js";

/** The diff the options ask for; throws CliError for any trouble. */
async function compare({ io, values }: Pick<Context, "io" | "values">) {
  const projectName = stringValue(values, "project");
  if (!projectName) throw usageError("--project NAME is required", "diff");
  const query = parseDiffQuery({ from: stringValue(values, "from"), to: stringValue(values, "to") });
  if (!query.ok) throw usageError(`--${query.message}`, "diff");
  return withReadOnlyDatabase(io, async (db) => {
    const project = await getProjectByName(db, projectName);
    if (!project) throw new CliError(`no project named ${JSON.stringify(projectName)}`);
    let ends: Awaited<ReturnType<typeof resolveDiffEnds>>;
    try {
      ends = await resolveDiffEnds(db, project.id, query.data.from, query.data.to);
    } catch (error) {
      if (error instanceof UnknownDeployment) {
        throw new CliError(`project ${JSON.stringify(projectName)} has no deployment ${error.deploymentId}`);
      }
      throw error;
    }
    if (!ends) {
      throw new CliError(
        `project ${JSON.stringify(projectName)} has never been marked as deployed, so there is nothing to compare with (conntrackt deploy-mark)`,
      );
    }
    const diff = await projectRuleDiff(db, project.id, ends.from, ends.to);
    if (!diff) throw new CliError(`project ${JSON.stringify(projectName)} was deleted meanwhile`);
    return { diff, ends };
  });
}

export const diffCommand: Command = {
  name: "diff",
  summary: "show what changed in a project's rules since a deployment",
  usage: "conntrackt diff --project NAME [--from ID] [--to ID|now]",
  help: `Prints, as a unified diff, every generated file (NAME-iptables.conf,
NAME-ip6tables.conf, NAME.nft) that differs between the project's last
deployment (or deployment --from) and its rules now (or deployment --to).
Added entities are compared with /dev/null, removed ones likewise.
Exit status as diff's: 0 nothing differs, 1 something differs, 2 trouble.
Only reads the database: works on a read-only copy and while another process writes.

Options:
  --project NAME   the project (required)
  --from ID        the deployment to compare from (default: the last one)
  --to ID|now      the deployment to compare to, or now (default: now)

Examples:
  conntrackt diff --project Acme
  conntrackt diff --project Acme --from 3 --to 5 > changes.patch
  conntrackt diff --project Acme > /dev/null || echo "Acme needs a redeploy"`,
  options: { ...helpOption, project: { type: "string" }, from: { type: "string" }, to: { type: "string" } },
  positionals: [0, 0],
  async run({ io, values }) {
    let result: Awaited<ReturnType<typeof compare>>;
    try {
      result = await compare({ io, values });
    } catch (error) {
      // diff's convention: every failure is 2, since 1 means "differs".
      if (error instanceof CliError) throw new CliError(error.message, 2, error.details);
      throw new CliError(error instanceof Error ? error.message : String(error), 2);
    }
    const { diff, ends } = result;
    await write(io.stdout, unifiedRuleDiff(diff));
    if (io.stderr.isTTY) {
      const { changed, added, removed, unchanged } = diff.counts;
      const to = ends.to === "now" ? "now" : `deployment ${ends.to.id}`;
      io.stderr.write(
        `Deployment ${ends.from.id} → ${to}: ${changed} changed, ${added} added, ${removed} removed, ${unchanged} unchanged.\n`,
      );
    }
    return rulesDiffer(diff) ? 1 : 0;
  },
};
