// `conntrackt import` (docs/cli.md): adds the projects of an interchange
// document (version 1 or 2), all or nothing, every problem named by its JSON path.
import { ImportRefusedError, importInterchange } from "../../data/interchange.js";
import { formatProblem, type Problem, parseInterchangeText } from "../../validation/interchange.js";
import { withDatabase } from "../database.js";
import { plural, progressBar, readInput, refusal, say, seconds } from "../io.js";
import { type Command, helpOption } from "../runner.js";

const jsonProblems = (problems: Problem[]) => problems.map((p) => ({ text: formatProblem(p) }));

export const importCommand: Command = {
  name: "import",
  summary: "add the projects of a JSON document",
  usage: "conntrackt import FILE",
  help: `Reads an interchange document, version 1 or 2 (from FILE, or standard input
for "-"), and adds its locations and projects, all or nothing: any problem is
reported with its JSON path (e.g. projects[0].entities[3].interfaces[0].netmask)
and nothing is written.

A project whose name exists already is refused: rename or delete it first.
A location whose name exists already is reused as it is.

Example:
  conntrackt import everything.json`,
  options: helpOption,
  positionals: [1, 1],
  async run({ io, args }) {
    const file = args[0] as string;
    const started = performance.now();
    const parsed = parseInterchangeText(await readInput(io, file));
    if (!parsed.ok) throw refusal(`${file} refused`, jsonProblems(parsed.problems));
    return withDatabase(io, async (db) => {
      const bar = progressBar(io, "Importing");
      let summary: Awaited<ReturnType<typeof importInterchange>>;
      try {
        summary = await importInterchange(db, parsed.doc, parsed.undeclaredLocations, (phase, done, total) =>
          bar.update(done, total, `Importing ${phase}`),
        );
      } catch (error) {
        if (error instanceof ImportRefusedError) throw refusal(`${file} refused`, jsonProblems(error.problems));
        throw error;
      } finally {
        bar.end();
      }
      const locations =
        summary.locationsReused > 0
          ? `${plural(summary.locationsCreated, "location")} (${summary.locationsReused} existing reused)`
          : plural(summary.locationsCreated, "location");
      await say(
        io,
        `Imported ${plural(summary.projects, "project")}, ${locations}, ${plural(summary.entities, "entity", "entities")}, ${plural(summary.interfaces, "interface")} and ${plural(summary.communications, "communication")} from ${file} in ${seconds(performance.now() - started)}.`,
      );
      return 0;
    });
  },
};
