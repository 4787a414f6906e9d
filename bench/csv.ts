// `npx tsx bench/csv.ts`: a megabyte of hostile CSV posted to the import page
// of the server, run as its own process (src/server.ts through tsx) on a fresh
// SQLite file, while this process asks /healthz without a break. Prints, per
// document, the import's time and answer and the /healthz latencies during it
// (max and median), next to the idle latency: a request that held the server's
// event loop would show as a max close to the import's time. Figures for
// docs/benchmarks.md; never a timed test.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase, projectRoot } from "../src/data/engine.js";
import { createLocation } from "../src/data/locations.js";
import { createProject } from "../src/data/projects.js";
import { ensureDefaultGroups, migrateDatabase } from "../src/data/setup.js";
import { createUser } from "../src/data/users.js";
import { WEB_CSV_LIMITS } from "../src/domain/csv-import.js";
import { hashPassword } from "../src/services/passwords.js";

const MIB = WEB_CSV_LIMITS.maxBytes;
const HEADER = "source entity,source address,destination entity,destination address,protocol,port,description";

function validRows(): string {
  const rows = [HEADER];
  let bytes = HEADER.length + 1;
  for (let port = 1; rows.length <= WEB_CSV_LIMITS.maxRows; port++) {
    const row = `app${port % 50},10.0.${port % 250}.1,db${port % 7},10.1.0.${port % 250},TCP,${port},"say ""hi"", ""${port}"""`;
    if (bytes + row.length + 1 > MIB) break;
    rows.push(row);
    bytes += row.length + 1;
  }
  return rows.join("\n");
}

const DOCUMENTS: Record<string, () => string> = {
  "quotes in an unquoted field (1 MiB)": () => `${HEADER}\na,1.1.1.1,b,1.1.1.2,TCP,1,x${'"'.repeat(MIB - 200)}`,
  "a million commas": () => ",".repeat(MIB - 1),
  "one comma per line (row cap)": () => ",\n".repeat(MIB / 2 - 1),
  "blank lines": () => "\n".repeat(MIB - 1),
  "doubled quotes in a quoted field": () => `${HEADER}\na,1.1.1.1,b,1.1.1.2,TCP,1,"${'""'.repeat(MIB / 2 - 200)}"`,
  "valid rows full of quotes (imported)": validRows,
};

const dir = mkdtempSync(path.join(tmpdir(), "conntrackt-bench-csv-"));
const DATABASE_URL = `file:${path.join(dir, "bench.db")}`;
await migrateDatabase(DATABASE_URL);
const db = await openDatabase(DATABASE_URL);
await ensureDefaultGroups(db);
const PASSWORD = "bench-password-1";
await createUser(db, {
  username: "admin",
  passwordHash: await hashPassword(PASSWORD),
  isActive: true,
  isSuperuser: true,
  groupIds: [],
  permissions: [],
});
const location = await createLocation(db, { name: "Bench site", description: "" });
const port = 20000 + Math.floor(Math.random() * 20000);
const server = spawn(process.execPath, ["--import", "tsx", path.join(projectRoot, "src", "server.ts")], {
  env: {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    DATABASE_URL,
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
    SESSION_SECRET: "bench-secret-bench-secret-bench-secret",
  },
  stdio: ["ignore", "ignore", "inherit"],
});
const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 300; i++) {
  try {
    if ((await fetch(`${base}/healthz`)).ok) break;
  } catch {}
  await new Promise((r) => setTimeout(r, 100));
}

let cookie = "";
async function call(method: string, url: string, form?: Record<string, string> | string) {
  const body = typeof form === "string" ? form : form && new URLSearchParams(form).toString();
  const res = await fetch(base + url, {
    method,
    redirect: "manual",
    headers: { cookie, ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
    ...(body ? { body } : {}),
  });
  const set = res.headers.get("set-cookie");
  if (set) cookie = set.split(";")[0] as string;
  return { status: res.status, text: await res.text() };
}
const csrf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";

await call("POST", "/login", {
  _csrf: csrf((await call("GET", "/login")).text),
  username: "admin",
  password: PASSWORD,
});
const token = csrf((await call("GET", "/")).text);

async function latency(url: string): Promise<number> {
  const started = performance.now();
  await fetch(base + url).then((r) => r.arrayBuffer());
  return performance.now() - started;
}
/** /healthz pings the database: on SQLite it waits while an import's transaction holds the queue. */
const healthLatency = () => latency("/healthz");
/** A static file needs no database: it shows whether the event loop itself is free. */
const staticLatency = () => latency("/static/favicon.svg");

const idle: number[] = [];
for (let i = 0; i < 50; i++) idle.push(await healthLatency());
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
console.log(`/healthz idle: median ${median(idle).toFixed(1)} ms, max ${Math.max(...idle).toFixed(1)} ms`);
console.log(
  "| document | result | import (s) | /healthz answered | /healthz max (ms) | /healthz median (ms) | static file max (ms) |",
);
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");

for (const [name, make] of Object.entries(DOCUMENTS)) {
  const project = await createProject(db, { name: `Bench ${name}`, description: "" });
  // Encoded before the clock starts: the client's own work is not the server's.
  const body = new URLSearchParams({ _csrf: token, csv: make(), location: String(location.id) }).toString();
  let done = false;
  const latencies: number[] = [];
  const statics: number[] = [];
  const started = performance.now();
  const post = call("POST", `/projects/${project.id}/import`, body).finally(() => {
    done = true;
  });
  const probe = (async () => {
    while (!done) latencies.push(await healthLatency());
  })();
  const staticProbe = (async () => {
    while (!done) statics.push(await staticLatency());
  })();
  const res = await post;
  const seconds = (performance.now() - started) / 1000;
  await Promise.all([probe, staticProbe]);
  const reason = /<li>(Line [^<]*)<\/li>/.exec(res.text)?.[1]?.replaceAll("&quot;", '"').slice(0, 70) ?? "";
  const result = res.status === 303 ? "imported" : `${res.status} ${reason}`;
  console.log(
    `| ${name} | ${result} | ${seconds.toFixed(2)} | ${latencies.length} | ${Math.max(...latencies).toFixed(0)} | ${median(latencies).toFixed(1)} | ${Math.max(...statics).toFixed(0)} |`,
  );
}

await db.close();
await new Promise((resolve) => {
  server.once("exit", resolve);
  server.kill("SIGTERM");
});
