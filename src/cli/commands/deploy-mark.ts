// `conntrackt deploy-mark` (docs/cli.md): "Mark as deployed" from the command
// line: stores the generated files of every entity of a project, as they are
// now, with the time, the operating-system user and an optional note.
import { getProjectByName } from "../../data/projects.js";
import { markDeployed } from "../../services/deployments.js";
import { parseForm } from "../../validation/common.js";
import { deploymentForm } from "../../validation/deployments.js";
import { cliActor } from "../actor.js";
import { withDatabase } from "../database.js";
import { CliError, plural, say, usageError } from "../io.js";
import { type Command, helpOption, stringValue } from "../runner.js";

export const deployMarkCommand: Command = {
  name: "deploy-mark",
  summary: "mark a project as deployed, keeping its generated files",
  usage: "conntrackt deploy-mark --project NAME [--note TEXT]",
  help: `Stores the iptables, ip6tables and nftables files of every entity of the
project as they are now, as the web's "Mark as deployed" does, with the time,
the operating-system user and the note. "conntrackt diff" then shows what
changed since. Files that did not change are not stored again.

Options:
  --project NAME   the project (required)
  --note TEXT      why, or what was deployed (optional, at most 10,000 characters)

Examples:
  conntrackt deploy-mark --project Acme --note "Change 4711, all hosts"
  conntrackt diff --project Acme || conntrackt deploy-mark --project Acme`,
  options: { ...helpOption, project: { type: "string" }, note: { type: "string" } },
  positionals: [0, 0],
  async run({ io, values }) {
    const projectName = stringValue(values, "project");
    if (!projectName) throw usageError("--project NAME is required", "deploy-mark");
    const form = parseForm(deploymentForm, { note: stringValue(values, "note") ?? "" });
    if (!form.ok) throw new CliError(`--note: ${form.errors.note ?? "invalid note"}`);
    const deployment = await withDatabase(io, async (db) => {
      const project = await getProjectByName(db, projectName);
      if (!project) throw new CliError(`no project named ${JSON.stringify(projectName)}`);
      const marked = await markDeployed(db, { projectId: project.id, actor: cliActor(), note: form.data.note });
      if (!marked) throw new CliError(`project ${JSON.stringify(projectName)} was deleted meanwhile`);
      return marked;
    });
    await say(
      io,
      `Marked project ${JSON.stringify(projectName)} as deployed: deployment ${deployment.id}, ${plural(deployment.entityCount, "entity", "entities")}.`,
    );
    return 0;
  },
};
