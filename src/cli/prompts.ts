// Questions asked on the terminal: a password without echo, typed twice, and
// a yes/no confirmation. Scripts use --password-stdin and --yes instead.
import { passwordForm } from "../validation/accounts.js";
import { CliError, type CliIo, readAll } from "./io.js";

/** Reads a password typed on the terminal without echoing it. */
function promptHidden(io: CliIo, prompt: string): Promise<string> {
  const stdin = io.stdin as NodeJS.ReadStream;
  return new Promise((resolve, reject) => {
    let value = "";
    const done = (error?: Error) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      io.stderr.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003" || ch === "\u0004") return done(new CliError("cancelled", 130));
        if (ch === "\u007f" || ch === "\b") value = [...value].slice(0, -1).join("");
        else if (ch >= " ") value += ch;
      }
    };
    // Raw mode before the prompt: nothing typed after it may be echoed.
    stdin.setRawMode(true);
    io.stderr.write(prompt);
    stdin.resume();
    stdin.on("data", onData);
  });
}

/** The new password: first line of stdin with --password-stdin, else typed twice on a terminal. */
export async function newPassword(io: CliIo, fromStdin: boolean, username: string): Promise<string> {
  let password: string;
  if (fromStdin) {
    password = (await readAll(io.stdin)).split(/\r?\n/)[0] ?? "";
  } else if (io.stdin.isTTY && typeof io.stdin.setRawMode === "function") {
    password = await promptHidden(io, `Password for ${username}: `);
    const again = await promptHidden(io, "Password (again): ");
    if (password !== again) throw new CliError("the two passwords do not match");
  } else {
    throw new CliError("no password: pass --password-stdin and write it on standard input, or run on a terminal");
  }
  const checked = passwordForm.shape.password.safeParse(password);
  if (!checked.success) throw new CliError(checked.error.issues[0]?.message ?? "invalid password");
  return password;
}

/** One line typed on standard input (without its newline). */
export function readLine(io: CliIo): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      const end = text.indexOf("\n");
      if (end >= 0) {
        io.stdin.off("data", onData);
        io.stdin.pause();
        resolve(text.slice(0, end));
      }
    };
    io.stdin.on("data", onData);
    io.stdin.resume();
  });
}

/** Asks `question [y/N]` when both ends are a terminal and `yes` was not given; refuses with `cancelled` otherwise. */
export async function confirm(io: CliIo, question: string, yes: boolean, cancelled: string): Promise<void> {
  if (yes || !io.stdin.isTTY || !io.stderr.isTTY) return;
  io.stderr.write(`${question} [y/N] `);
  const answer = await readLine(io);
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError(cancelled);
}
