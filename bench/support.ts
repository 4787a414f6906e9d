// Shared pieces of the benchmarks: a database filled from the project's data
// set generator (scripts/dataset.ts), and the built server running as its own
// process on it.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase, projectRoot } from "../src/data/engine.js";
import { ensureDefaultGroups, migrateDatabase } from "../src/data/setup.js";
import { createUser } from "../src/data/users.js";
import { hashPassword } from "../src/services/passwords.js";
import { loadDataset } from "../test/support/dataset.js";

export const ADMIN_PASSWORD = "bench-password-1";

/** A fresh SQLite database holding the data set; returns its URL. */
export async function datasetDatabase(args: string[]): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "conntrackt-bench-"));
  const url = `file:${path.join(dir, "bench.db")}`;
  await migrateDatabase(url);
  const db = await openDatabase(url);
  await ensureDefaultGroups(db);
  await createUser(db, {
    username: "admin",
    passwordHash: await hashPassword(ADMIN_PASSWORD),
    isActive: true,
    isSuperuser: true,
    groupIds: [],
    permissions: [],
  });
  await loadDataset(db, args);
  await db.close();
  return url;
}

export interface RunningServer {
  url: string;
  process: ChildProcess;
  /** Peak resident memory of the server so far, in MiB (Linux VmHWM). */
  peakMiB(): number;
  residentMiB(): number;
  stop(): Promise<void>;
}

function statusField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Starts `node dist/src/server.js` (run `npm run build` first) on the database. */
export async function startServer(databaseUrl: string, env: Record<string, string> = {}): Promise<RunningServer> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, [path.join(projectRoot, "dist", "src", "server.js")], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
      SESSION_SECRET: "bench-secret-bench-secret",
      ...env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid as number;
  return {
    url,
    process: child,
    peakMiB: () => statusField(pid, "VmHWM"),
    residentMiB: () => statusField(pid, "VmRSS"),
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Logs in as the benchmark admin; returns the cookie header. */
export async function login(baseUrl: string): Promise<string> {
  const form = await fetch(`${baseUrl}/login`);
  const cookie = (form.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
  const res = await fetch(`${baseUrl}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: csrf, username: "admin", password: ADMIN_PASSWORD }),
  });
  if (res.status !== 303) throw new Error(`bench log-in failed: ${res.status}`);
  return (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
}

export function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown CPU";
  const cores = readFileSync("/proc/cpuinfo", "utf8").match(/^processor/gm)?.length ?? 0;
  const memKb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);
  return `${cpu}, ${cores} cores, ${Math.round(memKb / 1024 / 1024)} GiB, Node ${process.version}`;
}

export function table(rows: (string | number)[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length))) ?? [];
  return rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i] ?? 0)).join("  ")).join("\n");
}
