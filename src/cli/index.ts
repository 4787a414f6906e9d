// The `conntrackt` command (docs/cli.md): database upkeep, accounts, export and
// import, firewall files, backup, restore and copy, without a running server.
// `main(argv, io)` does the work and returns the exit status, so tests can run
// it in-process; run as a script (or through bin/conntrackt.js) it uses the
// real process streams. One module per command lives in src/cli/commands/.
//
// Conventions: exit status 0 on success, 1 on failure, 2 on a usage error; a
// failure ends with ONE line `conntrackt: REASON` on stderr (an import that
// finds several problems lists them, indented, above that line); progress
// goes to stderr, and only when stderr is a terminal.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { withActor } from "../data/actor.js";
import { cliActor } from "./actor.js";
import { COMMANDS } from "./commands/index.js";
import { CliError, type CliIo, write } from "./io.js";
import { dispatch } from "./runner.js";

export type { CliIo } from "./io.js";

/** Runs one command line; returns the exit status. Never throws. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  try {
    // What a command changes is recorded as the operating-system user's (docs/cli.md).
    return await withActor(cliActor(), () => dispatch(COMMANDS, argv, io));
  } catch (error) {
    const failure =
      error instanceof CliError ? error : new CliError(error instanceof Error ? error.message : String(error), 1);
    for (const line of failure.details) io.stderr.write(`${line}\n`);
    const reason = failure.message.replace(/\s*\n\s*/g, " ").trim();
    await write(io.stderr, `conntrackt: ${reason}\n`);
    if (!(error instanceof CliError) && io.env.CONNTRACKT_DEBUG && error instanceof Error) {
      io.stderr.write(`${error.stack}\n`);
    }
    return failure.status;
  }
}

export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** Entry point of bin/conntrackt.js and of `tsx src/cli/index.ts`. */
export async function runCli(argv = process.argv.slice(2)): Promise<void> {
  // `conntrackt export | head`: the reader left; stop quietly, as on SIGPIPE.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(141);
    throw error;
  });
  process.exitCode = await main(argv, processIo());
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) await runCli();
