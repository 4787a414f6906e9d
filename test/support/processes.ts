// Real Conntrackt processes for tests about several processes on one
// database: the server (`src/server.ts`) and the CLI (`src/cli/index.ts`), run
// through tsx on the source (no build step, and no npx wrapper whose child
// would outlive a kill), plus a cookie jar to talk to the servers over HTTP.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { type AddressInfo, createServer } from "node:net";
import { projectRoot } from "../../src/data/engine.js";

export interface ServerProcess {
  name: string;
  child: ChildProcess;
  /** Base URL without a trailing slash. */
  url: string;
  /** Everything the process printed so far (for failure messages). */
  output: string[];
}

/** A port free right now (the server logs its configured port, so PORT=0 would not tell us which). */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The environment of a child: PATH and HOME, no inherited Conntrackt settings, then `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "test", ...env };
}

/** Starts the server and resolves once it listens (logged at level info); `env` needs at least DATABASE_URL. */
export async function startServer(name: string, env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
    cwd: projectRoot,
    env: childEnv({ HOST: "127.0.0.1", ...env, LOG_LEVEL: "info", PORT: String(port) }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const url = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start in 60 s:\n${output.join("")}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.join("").includes(`listening on ${url}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before listening:\n${output.join("")}`));
    });
  });
  return { name, child, url, output };
}

/** SIGTERM (graceful shutdown), SIGKILL after 10 s. */
export async function stopServer(server: ServerProcess | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = once(server.child, "exit");
  server.child.kill("SIGTERM");
  const timer = setTimeout(() => server.child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `conntrackt ARGS` as a process of its own. */
export async function runCliProcess(args: string[], env: Record<string, string>, stdin = ""): Promise<CliResult> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/index.ts", ...args], {
    cwd: projectRoot,
    env: childEnv(env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  child.stdin.end(stdin);
  const [status] = (await once(child, "close")) as [number | null];
  return { status, stdout, stderr };
}

/**
 * A browser's worth of cookie handling: the session cookie and the log-in
 * form's CSRF cookie (docs/install.md, "Sessions"), sent to every server it talks to.
 */
export class Browser {
  readonly #jar = new Map<string, string>();
  get cookie(): string {
    return [...this.#jar.values()].join("; ");
  }

  async request(url: string, init: { form?: Record<string, string> } = {}) {
    const res = await fetch(url, {
      method: init.form ? "POST" : "GET",
      redirect: "manual",
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(init.form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    for (const header of res.headers.getSetCookie()) {
      const pair = header.split(";")[0] ?? "";
      const name = pair.slice(0, pair.indexOf("="));
      if (name === "conntrackt.sid" || name === "conntrackt.csrf") this.#jar.set(name, pair);
    }
    return { status: res.status, location: res.headers.get("location"), text: await res.text() };
  }
}
