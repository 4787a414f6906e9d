// The project report (docs/usage.md, "Project report"): what in a project's
// records is wrong or worth a look, each finding with the rows involved. Pure:
// reads the model of src/domain/analysis-model.ts; coverage and overlap are
// computed on numeric networks and port ranges (src/domain/report-flows.ts),
// never by comparing text.
//
// Decisions:
// - Errors (the command exits 1): `duplicate` (two communications give one
//   rule in one file, so deleting either changes nothing and the records no
//   longer say what the file does) and `shared-address` (two entities hold the
//   same address or network: which host's file applies is a guess). Warnings:
//   `covered`, `no-interfaces`, `unused-interface`, `overlap`, `expired`,
//   `expiring`.
// - Findings come errors first, then in the order of FINDING_KINDS, then by
//   the ids involved, so the same records give the same report.

import type { AnalysisModel } from "./analysis-model.js";
import { type EndRef, endRef, type FlowRef, flowRef, isHost, type ReadModel, readModel } from "./analysis-model.js";
import { coveredFlows, duplicateGroups, nestedNetworks, sharedNetworks } from "./report-flows.js";

export const FINDING_KINDS = [
  "duplicate",
  "shared-address",
  "covered",
  "overlap",
  "no-interfaces",
  "unused-interface",
  "expired",
  "expiring",
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];
export type Severity = "error" | "warning";

export const FINDING_SEVERITY: Record<FindingKind, Severity> = {
  duplicate: "error",
  "shared-address": "error",
  covered: "warning",
  overlap: "warning",
  "no-interfaces": "warning",
  "unused-interface": "warning",
  expired: "warning",
  expiring: "warning",
};

/** What the report page calls each kind (headings and the command's sections). */
export const FINDING_TITLES: Record<FindingKind, string> = {
  duplicate: "Identical rules from different communications",
  "shared-address": "Addresses used by two entities",
  covered: "Flows covered by a broader one",
  overlap: "Networks that overlap",
  "no-interfaces": "Entities without interfaces",
  "unused-interface": "Interfaces in no communication",
  expired: "Expired flows",
  expiring: "Flows expiring within 14 days",
};

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  /** One sentence saying what is wrong, naming the rows. */
  message: string;
  communications: FlowRef[];
  entities: { id: number; name: string }[];
  interfaces: EndRef[];
}

export interface ProjectReport {
  project: { id: number; name: string };
  today: string;
  findings: Finding[];
  errors: number;
  warnings: number;
  counts: Record<FindingKind, number>;
  /** Rows the firewall generators refuse (they are left out of every analysis), with the reason. */
  unreadable: ReadModel["unreadable"];
}

const finding = (
  kind: FindingKind,
  message: string,
  rows: Partial<Pick<Finding, "communications" | "entities" | "interfaces">>,
): Finding => ({
  kind,
  severity: FINDING_SEVERITY[kind],
  message,
  communications: rows.communications ?? [],
  entities: rows.entities ?? [],
  interfaces: rows.interfaces ?? [],
});

/** `web (10.0.0.1) -> db (10.0.0.2) TCP:22`. */
const flowText = (f: FlowRef) =>
  `${f.source.entity} (${f.source.network}) -> ${f.destination.entity} (${f.destination.network}) ${f.ports}`;
const endText = (e: EndRef) => `${e.entity} (${e.interface} ${e.network})`;
const list = (items: string[]) =>
  items.length > 1 ? `${items.slice(0, -1).join(", ")} and ${items.at(-1)}` : (items[0] ?? "");

/** The findings of one project on the day `today` (`YYYY-MM-DD`, UTC). */
export function buildReport(model: AnalysisModel, today: string): ProjectReport {
  const read = readModel(model, today);
  const findings: Finding[] = [];

  for (const group of duplicateGroups(read)) {
    const refs = group.flows.map(flowRef);
    const where =
      group.chain === "INPUT" ? `the INPUT rules of ${group.entity.name}` : `the OUTPUT rules of ${group.entity.name}`;
    findings.push(
      finding(
        "duplicate",
        `${list(refs.map((f) => `#${f.id}`))} give the same rule in ${where}: ${flowText(refs[0] as FlowRef)}.`,
        {
          communications: refs,
        },
      ),
    );
  }
  for (const group of sharedNetworks(read)) {
    const ends = group.map(endRef);
    const what = group.every((i) => isHost(i.network)) ? "address" : "network";
    findings.push(
      finding(
        "shared-address",
        `The ${what} ${ends[0]?.network} is used by ${ends.length} entities: ${list(ends.map(endText))}.`,
        {
          interfaces: ends,
          entities: group.map((i) => ({ id: i.entity.id, name: i.entity.name })),
        },
      ),
    );
  }
  for (const { flow, broader } of coveredFlows(read)) {
    const ref = flowRef(flow);
    const wider = broader.map(flowRef);
    findings.push(
      finding(
        "covered",
        `${flowText(ref)} (#${ref.id}) is covered by ${list(wider.map((f) => `${flowText(f)} (#${f.id})`))}.`,
        {
          communications: [ref, ...wider],
        },
      ),
    );
  }
  for (const [outer, inner] of nestedNetworks(read)) {
    const [a, b] = [endRef(outer), endRef(inner)];
    findings.push(
      finding("overlap", `The network ${b.network} of ${b.entity} lies inside ${a.network} of ${a.entity}.`, {
        interfaces: [a, b],
        entities: [outer.entity, inner.entity].map((e) => ({ id: e.id, name: e.name })),
      }),
    );
  }
  const withInterfaces = new Set([...read.interfaces.values()].map((i) => i.entity.id));
  for (const entity of [...read.entities.values()].sort((a, b) => a.id - b.id)) {
    if (withInterfaces.has(entity.id)) continue;
    findings.push(
      finding("no-interfaces", `${entity.name} has no interfaces: no communication can reach or leave it.`, {
        entities: [{ id: entity.id, name: entity.name }],
      }),
    );
  }
  const used = new Set(model.communications.flatMap((c) => [c.sourceId, c.destinationId]));
  for (const item of [...read.interfaces.values()].sort((a, b) => a.row.id - b.row.id)) {
    if (used.has(item.row.id)) continue;
    const end = endRef(item);
    findings.push(
      finding("unused-interface", `Interface ${endText(end)} is in no communication.`, { interfaces: [end] }),
    );
  }
  for (const flow of [...read.flows].sort((a, b) => a.row.id - b.row.id)) {
    if (flow.state === "active") continue;
    const ref = flowRef(flow);
    const message =
      flow.state === "expired"
        ? `${flowText(ref)} (#${ref.id}) expired after ${ref.expires}: it is left out of the generated files.`
        : `${flowText(ref)} (#${ref.id}) expires after ${ref.expires}.`;
    findings.push(finding(flow.state, message, { communications: [ref] }));
  }

  const order = (f: Finding) => (f.severity === "error" ? 0 : 1) * 100 + FINDING_KINDS.indexOf(f.kind);
  const sorted = findings.map((f, i) => ({ f, i })).sort((a, b) => order(a.f) - order(b.f) || a.i - b.i);
  const counts = Object.fromEntries(FINDING_KINDS.map((kind) => [kind, 0])) as Record<FindingKind, number>;
  for (const f of findings) counts[f.kind]++;
  const errors = findings.filter((f) => f.severity === "error").length;
  return {
    project: model.project,
    today,
    findings: sorted.map(({ f }) => f),
    errors,
    warnings: findings.length - errors,
    counts,
    unreadable: read.unreadable,
  };
}
