// `conntrackt reach` (docs/cli.md): "Can it reach?" from the command line —
// the same question, checks and answer as the project's reach page. Only
// reads the database. Exit status: 0 allowed, 1 denied, 2 when the question
// cannot be answered (wrong usage, no such project, a bad field).
import { loadAnalysisModel } from "../../data/analysis.js";
import { getProjectByName } from "../../data/projects.js";
import type { FlowRef } from "../../domain/analysis-model.js";
import { todayUtc } from "../../domain/expiry.js";
import { buildReachIndex, type ChainAnswer, type ReachAnswer, reach } from "../../domain/reach.js";
import { parseReachQuery, REACH_FIELDS } from "../../validation/analysis.js";
import { withReadOnlyDatabase } from "../database.js";
import { CliError, say, usageError } from "../io.js";
import { type Command, helpOption, stringValue } from "../runner.js";

/** `#12 admins (10.77.9.0/255.255.255.0) -> db1 (10.77.1.10) TCP:22 "SSH" (expired after 2026-12-01)`. */
export function flowLine(f: FlowRef): string {
  const notes = [
    f.description === "" ? "" : JSON.stringify(f.description.replace(/\s+/g, " ")),
    f.state === "expired"
      ? `(expired after ${f.expires})`
      : f.state === "expiring"
        ? `(expires after ${f.expires})`
        : "",
    f.leftOut ? "(type 255: left out of every file)" : "",
  ].filter((note) => note !== "");
  return [
    `#${f.id} ${f.source.entity} (${f.source.network}) -> ${f.destination.entity} (${f.destination.network}) ${f.ports}`,
    ...notes,
  ].join(" ");
}

function chainLines(end: ChainAnswer): string[] {
  const what = end.chain === "INPUT" ? "incoming" : "outgoing";
  const lines = [`${end.entity.name} ${what} (${end.chain}): ${end.allowed ? "accepted" : "dropped"}`];
  if (end.standing !== null) lines.push(`  accepted by ${end.standing}`);
  for (const f of end.allowedBy) lines.push(`  allowed by ${flowLine(f)}`);
  for (const f of end.notEnforced) lines.push(`  would allow, but in no file: ${flowLine(f)}`);
  if (!end.allowed && end.nearest.length === 0) lines.push("  no recorded flow of this protocol here");
  for (const f of end.nearest) lines.push(`  nearest: ${flowLine(f)}`);
  return lines;
}

/** The answer as the command prints it. */
export function answerText(projectName: string, a: ReachAnswer): string {
  const q = a.query;
  const sources = a.sourceEntities.map((e) => e.name).join(", ");
  const lines = [
    `${a.verdict}: ${q.from}${sources === "" ? " (outside the project)" : ` (${sources})`} -> ${q.to} ` +
      `${q.protocol}:${q.port} in project ${JSON.stringify(projectName)}`,
  ];
  if (a.sameHost) lines.push("same host: the packet stays on loopback, which every file accepts");
  for (const end of [...a.destinations, ...a.sources]) lines.push(...chainLines(end));
  if (a.unreadable > 0)
    lines.push(`${a.unreadable} row(s) the generators cannot read are not counted (see conntrackt report)`);
  return lines.join("\n");
}

export const reachCommand: Command = {
  name: "reach",
  summary: "say whether a packet passes a project's firewalls, and why",
  usage: "conntrackt reach --project NAME [--json] FROM TO PROTOCOL PORT",
  help: `Answers "Can it reach?" for a packet from FROM (any IPv4 or IPv6 address)
to TO (an address of one of the project's interfaces) with PROTOCOL (TCP,
UDP, ICMP or ICMPv6) and PORT (a port, or the ICMP/ICMPv6 type), exactly as
the entities' generated firewall files decide it today (UTC): the
destination's incoming rules and, when the source entity restricts outgoing
traffic, its outgoing rules. Prints the verdict, the communications that
allow it or, when denied, the nearest ones. Only reads the database.

Options:
  --project NAME   the project (required)
  --json           print the answer as JSON

Exit status: 0 allowed, 1 denied, 2 when the question cannot be answered.

Examples:
  conntrackt reach --project Acme 10.77.9.5 10.77.1.10 TCP 22
  conntrackt reach --project Acme fd00:77:9::5 fd00:77:1::10 ICMPv6 128`,
  options: { ...helpOption, project: { type: "string" }, json: { type: "boolean" } },
  positionals: [4, 4],
  async run({ io, args, values }) {
    const projectName = stringValue(values, "project");
    if (!projectName) throw usageError("--project NAME is required", "reach");
    const parsed = parseReachQuery(Object.fromEntries(REACH_FIELDS.map((field, i) => [field, args[i]])));
    if (!parsed.ok) {
      const first = REACH_FIELDS.find((field) => parsed.errors[field] !== undefined);
      throw new CliError(parsed.errors[first ?? "_form"] ?? "the question is not valid", 2);
    }
    const answer = await withReadOnlyDatabase(io, async (db) => {
      const project = await getProjectByName(db, projectName);
      const model = project === null ? null : await loadAnalysisModel(db, project.id);
      if (model === null) throw new CliError(`no project named ${JSON.stringify(projectName)}`, 2);
      const outcome = reach(buildReachIndex(model, todayUtc()), parsed.query);
      if (!outcome.ok) throw new CliError(outcome.message, 2);
      return outcome.answer;
    });
    await say(io, values.json ? JSON.stringify(answer, null, 2) : answerText(projectName, answer));
    return answer.verdict === "allowed" ? 0 : 1;
  },
};
