// Runs the `conntrackt` command in process, with captured streams.
import { PassThrough, Readable } from "node:stream";
import { type CliIo, main } from "../../src/cli/index.js";

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  argv: string[],
  options: { env: Record<string, string>; stdin?: string; tty?: boolean },
): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (options.tty) stderr.isTTY = true;
  let out = "";
  let err = "";
  stdout.on("data", (d) => {
    out += d;
  });
  stderr.on("data", (d) => {
    err += d;
  });
  const io: CliIo = {
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdout,
    stderr,
    env: options.env,
  };
  const status = await main(argv, io);
  await new Promise((resolve) => setImmediate(resolve));
  return { status, stdout: out, stderr: err };
}
