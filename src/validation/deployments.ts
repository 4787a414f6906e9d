// The "Mark as deployed" form and the diff page's query (docs/usage.md
// "Deployments and rule diff"), shared by the web pages and the command line.
import { z } from "zod";
import { descriptionText, ID_MAX } from "./common.js";

export const deploymentForm = z.object({ note: descriptionText("Note") });
export type DeploymentForm = z.output<typeof deploymentForm>;

const DEPLOYMENT_ID = /^[1-9][0-9]{0,9}$/;
const isDeploymentId = (v: string) => DEPLOYMENT_ID.test(v) && Number(v) <= ID_MAX;
const single = (label: string) => z.string({ error: `${label} must be a single value.` }).trim();

/** A deployment number. */
const deploymentId = (label: string) =>
  single(label).refine(isDeploymentId, `${label} must be a deployment number.`).transform(Number);

/** A deployment number, or `now`: the rules as they are now. */
const deploymentOrNow = (label: string) =>
  single(label)
    .refine((v) => v === "now" || isDeploymentId(v), `${label} must be a deployment number or now.`)
    .transform((v): number | "now" => (v === "now" ? "now" : Number(v)));

/** The deployments page's `?before=ID`: the page of those older than ID. */
export const deploymentsQuery = z.object({ before: deploymentId("before").optional() });

/** `?from=ID&to=ID|now`: both optional (the latest deployment, and now). */
export const diffQuery = z.object({
  from: deploymentId("from").optional(),
  to: deploymentOrNow("to").optional(),
});
export type DiffQuery = z.output<typeof diffQuery>;

/** The first problem of a query, or the parsed query. */
function parseQuery<S extends z.ZodType>(
  schema: S,
  query: unknown,
): { ok: true; data: z.output<S> } | { ok: false; message: string } {
  const result = schema.safeParse(query ?? {});
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, message: result.error.issues[0]?.message ?? "The query could not be read." };
}

export const parseDiffQuery = (query: unknown) => parseQuery(diffQuery, query);
export const parseDeploymentsQuery = (query: unknown) => parseQuery(deploymentsQuery, query);
