// The small argument framework of the `conntrackt` command (docs/cli.md): finds
// the command (one or two words), parses its options strictly with
// node:util's parseArgs, prints help, and turns wrong usage into exit status 2
// with one line. It knows no command: src/cli/index.ts hands it the list.
import { readFileSync } from "node:fs";
import path from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { projectRoot } from "../data/engine.js";
import { type CliIo, say, usageError, write } from "./io.js";

export type Options = NonNullable<ParseArgsConfig["options"]>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Context {
  io: CliIo;
  args: string[];
  values: Values;
}

export interface Command {
  /** As typed: `export`, `user create`. */
  name: string;
  summary: string;
  usage: string;
  /** Paragraphs after the usage line: options, examples. */
  help: string;
  options: Options;
  /** Positional arguments: the fewest and the most accepted. */
  positionals: [min: number, max: number];
  run(ctx: Context): Promise<number>;
}

/** `-h`/`--help`, which every command accepts. */
export const helpOption = { help: { type: "boolean", short: "h" } } as const satisfies Options;

/** A string option's value, when given. */
export const stringValue = (values: Values, name: string): string | undefined => {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
};

function version(): string {
  try {
    return (JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export function overview(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: conntrackt COMMAND [OPTIONS]

Conntrackt from the command line: the database named by DATABASE_URL
(environment or .env; default file:./data/conntrackt.db).

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Run "conntrackt COMMAND --help" for a command's options and examples.
Exit status: 0 success, 1 failure, 2 wrong usage, 78 invalid configuration.
`;
}

export function commandHelp(command: Command): string {
  return `Usage: ${command.usage}\n\n${command.summary[0]?.toUpperCase()}${command.summary.slice(1)}.\n\n${command.help}\n`;
}

function findCommand(commands: Command[], argv: string[]): { command: Command; rest: string[] } | null {
  const [first, second] = argv;
  const two = commands.find((c) => c.name === `${first} ${second}`);
  if (two) return { command: two, rest: argv.slice(2) };
  const one = commands.find((c) => c.name === first);
  return one ? { command: one, rest: argv.slice(1) } : null;
}

/** The words that start two-word commands (`user`), each with its second words. */
function groups(commands: Command[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [first, second] of commands.map((c) => c.name.split(" "))) {
    if (first !== undefined && second !== undefined) out.set(first, [...(out.get(first) ?? []), second]);
  }
  return out;
}

/** "a", "a or b", "a, b or c". */
const orList = (items: string[]) =>
  items.length > 1 ? `${items.slice(0, -1).join(", ")} or ${items.at(-1)}` : (items[0] ?? "");

function unknownCommand(commands: Command[], argv: string[]): Error {
  const [first = "", second] = argv;
  const subcommands = groups(commands).get(first);
  if (subcommands) {
    return usageError(
      second
        ? `unknown command "${first} ${second}"; use ${orList(subcommands.map((s) => `${first} ${s}`))}`
        : `${first} needs a subcommand: ${orList(subcommands)}`,
    );
  }
  return usageError(first.startsWith("-") ? `unknown option ${first}` : `unknown command "${first}"`);
}

/** Runs one command line against `commands`; throws CliError on failure. */
export async function dispatch(commands: Command[], argv: string[], io: CliIo): Promise<number> {
  const [first] = argv;
  if (first === undefined) throw usageError("no command given");
  if (first === "--help" || first === "-h" || (first === "help" && argv.length === 1)) {
    await write(io.stdout, overview(commands));
    return 0;
  }
  if (first === "--version" || first === "-V") {
    await say(io, version());
    return 0;
  }
  if (first === "help") {
    const found = findCommand(commands, argv.slice(1));
    if (!found) throw usageError(`unknown command "${argv.slice(1).join(" ")}"`);
    await write(io.stdout, commandHelp(found.command));
    return 0;
  }
  const found = findCommand(commands, argv);
  if (!found) throw unknownCommand(commands, argv);
  const { command, rest } = found;
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw usageError(message.charAt(0).toLowerCase() + message.slice(1), command.name);
  }
  if (parsed.values.help) {
    await write(io.stdout, commandHelp(command));
    return 0;
  }
  const [min, max] = command.positionals;
  if (parsed.positionals.length < min) throw usageError(`missing argument; usage: ${command.usage}`, command.name);
  if (parsed.positionals.length > max) {
    throw usageError(`unexpected argument "${parsed.positionals[max]}"; usage: ${command.usage}`, command.name);
  }
  return command.run({ io, args: parsed.positionals, values: parsed.values });
}
