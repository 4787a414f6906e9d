// Runs the real server as a child process (`node <build>/src/server.js`), for
// tests about what only a process shows: kill -9, SIGTERM and SIGINT, exit
// status, logs. The sources are compiled once per test file into a temporary
// folder under node_modules/.cache (inside the project, so the server finds
// package.json, views/ and prisma/ above it as it does from dist/); starting
// compiled JavaScript is about a second faster than starting through tsx.
import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../../src/data/engine.js";

const exec = promisify(execFile);

export interface BuiltServer {
  /** The compiled entry point, `…/src/server.js`. */
  entry: string;
  remove(): void;
}

/** Compiles src/ with tsconfig.build.json into a fresh folder (the generated Prisma clients must exist). */
export async function buildServer(): Promise<BuiltServer> {
  const cache = path.join(projectRoot, "node_modules", ".cache");
  await mkdir(cache, { recursive: true });
  const outDir = mkdtempSync(path.join(cache, "conntrackt-e2e-"));
  try {
    await exec(
      path.join(projectRoot, "node_modules", ".bin", "tsc"),
      ["-p", "tsconfig.build.json", "--outDir", outDir],
      {
        cwd: projectRoot,
      },
    );
  } catch (error) {
    rmSync(outDir, { recursive: true, force: true });
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`tsc -p tsconfig.build.json failed:\n${stdout}${stderr}`);
  }
  return {
    entry: path.join(outDir, "src", "server.js"),
    remove: () => rmSync(outDir, { recursive: true, force: true }),
  };
}

/** A port that was free a moment ago (the server needs a number in PORT, not 0, to be reachable). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when the process was seen to exit. */
  at: number;
}

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcessWithoutNullStreams;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /** Sends a signal, then waits for the exit (SIGKILL if it is not gone after `limitMs`). */
  stop(signal?: NodeJS.Signals, limitMs?: number): Promise<Exit>;
}

export interface StartOptions {
  entry: string;
  databaseUrl: string;
  env?: Record<string, string>;
  /** How long the server may take to answer /healthz. Default 60 s (a busy 2-core machine). */
  startLimitMs?: number;
}

/** Starts the built server on the database and waits until /healthz answers. */
export async function startServerProcess(options: StartOptions): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [options.entry], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: options.databaseUrl,
      SESSION_SECRET: "e2e-secret-e2e-secret-e2e-secret",
      INITIAL_ADMIN_PASSWORD: "e2e-admin-password",
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
      ...options.env,
    },
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    output += text;
  });
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    output += text;
  });
  const exited = new Promise<Exit>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  let gone = false;
  void exited.then(() => {
    gone = true;
  });

  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + (options.startLimitMs ?? 60_000);
  for (;;) {
    if (gone) throw new Error(`server exited during start-up:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {}
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not answer /healthz in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }

  return {
    url,
    port,
    child,
    output: () => output,
    exited,
    async stop(signal = "SIGTERM", limitMs = 15_000) {
      if (!gone) child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export interface Session {
  cookie: string;
  csrf: string;
}

function cookieOf(res: Response): string {
  return (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
}

function csrfOf(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error("no CSRF token on the page");
  return token;
}

/** Logs in over HTTP; returns the session cookie and the session's CSRF token. */
export async function logIn(baseUrl: string, username: string, password: string): Promise<Session> {
  const form = await fetch(`${baseUrl}/login`);
  const anonymous = cookieOf(form);
  const res = await fetch(`${baseUrl}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: anonymous, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: csrfOf(await form.text()), username, password }),
  });
  await res.arrayBuffer();
  if (res.status !== 303) throw new Error(`log-in of ${username} answered ${res.status}`);
  const cookie = cookieOf(res);
  const page = await fetch(`${baseUrl}/`, { headers: { cookie } });
  return { cookie, csrf: csrfOf(await page.text()) };
}
