// The interchange document of docs/cli.md ("The interchange document"): reading
// a parsed JSON value or JSON text into a checked document, versions 1 and 2.
// Structure first (./interchange-schema.ts: types, field rules of the forms),
// then the rules between items (./interchange-references.ts). Every problem
// names the JSON path of the item and the rule it breaks, e.g.
// `projects[0].entities[3].interfaces[0].netmask: Netmask must be a contiguous
// netmask …`. Checks that need the database (a location that exists only there,
// a project that already exists) are in src/data/interchange.ts.
import { checkInterchangeReferences, type Problem } from "./interchange-references.js";
import { formatPath, type InterchangeDocument, interchangeSchemaFor } from "./interchange-schema.js";

export { checkInterchangeReferences, type Problem } from "./interchange-references.js";
export {
  formatPath,
  INTERCHANGE_FORMAT,
  INTERCHANGE_VERSION,
  INTERCHANGE_VERSIONS,
  type InterchangeCommunication,
  type InterchangeDocument,
  type InterchangeEnd,
  type InterchangeEntity,
  type InterchangeInterface,
  type InterchangeLocation,
  type InterchangeProject,
  type InterchangeVersion,
} from "./interchange-schema.js";

export type ParseResult =
  | { ok: true; doc: InterchangeDocument; undeclaredLocations: Map<string, string> }
  | { ok: false; problems: Problem[] };

/** Validates a parsed JSON value as an interchange document, structure first, then the references between items. */
export function parseInterchange(value: unknown): ParseResult {
  const result = interchangeSchemaFor(value).safeParse(value);
  if (!result.success) {
    return {
      ok: false,
      problems: result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
    };
  }
  const doc = result.data as InterchangeDocument;
  const { problems, undeclaredLocations } = checkInterchangeReferences(doc);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, doc, undeclaredLocations };
}

/** Parses JSON text; a syntax error is one problem at the document root. */
export function parseInterchangeText(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    return { ok: false, problems: [{ path: "(document)", message: `not valid JSON: ${(error as Error).message}` }] };
  }
  return parseInterchange(value);
}

/** `path: message`, one problem per line. */
export function formatProblem(problem: Problem): string {
  return `${problem.path}: ${problem.message}`;
}
