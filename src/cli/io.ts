// What every command shares for talking to the operator (docs/cli.md): the
// streams, the one-line failure, progress on a terminal, reading FILE or "-",
// and writing a file whole or not at all.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The streams and environment a command uses; tests pass their own. */
export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** A failure with its one-line reason; `details` are printed above it. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly status = 1,
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

/** Wrong usage: exit status 2, and where to read the right one. */
export const usageError = (message: string, command?: string) =>
  new CliError(`${message} (see: conntrackt ${command ? `${command} ` : ""}--help)`, 2);

export function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

export function say(io: CliIo, line: string): Promise<void> {
  return write(io.stdout, `${line}\n`);
}

/** Progress on a terminal: `label done/total` rewritten in place, at most ten times a second. */
export function progressBar(io: CliIo, label: string) {
  const tty = Boolean(io.stderr.isTTY);
  let last = 0;
  let shown = false;
  return {
    update(done: number, total: number, what = label) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
      io.stderr.write(`\r\u001b[2K${what}: ${done}/${total} (${percent}%)`);
      shown = true;
    },
    end() {
      if (tty && shown) io.stderr.write("\r\u001b[2K");
    },
  };
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** Reads FILE, or standard input for `-`. */
export async function readInput(io: CliIo, file: string): Promise<string> {
  if (file === "-") return readAll(io.stdin);
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === "ENOENT" ? `${file}: no such file` : `${file}: ${(error as Error).message}`);
  }
}

/** Writes a file whole or not at all: a temporary file renamed over the target. */
export function writeFileAtomically(file: string, text: string): void {
  const target = path.resolve(file);
  if (!existsSync(path.dirname(target))) throw new CliError(`directory ${path.dirname(target)} does not exist`);
  const partial = `${target}.partial-${process.pid}`;
  try {
    writeFileSync(partial, text, { flush: true });
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new CliError(`${file}: ${(error as Error).message}`);
  }
}

const MAX_DETAILS = 50;

/** A refused import: the first problem on the last line, every problem (up to 50) listed above it. */
export function refusal(what: string, problems: { text: string }[]): CliError {
  const [first, ...rest] = problems;
  const details = problems.length > 1 ? problems.slice(0, MAX_DETAILS).map((p) => `  ${p.text}`) : [];
  if (problems.length > MAX_DETAILS) details.push(`  … and ${problems.length - MAX_DETAILS} more`);
  const more = rest.length > 0 ? ` (and ${plural(rest.length, "more problem")} listed above)` : "";
  return new CliError(`${what}, nothing was written: ${first?.text ?? "unknown problem"}${more}`, 1, details);
}
