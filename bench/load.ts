// Benchmark (docs/benchmarks.md; issue 7): the built server on the large preset
// (300 entities, 3,000 communications) under load.
//
// (a) Read pages with autocannon at 50 connections: the main page, the project
//     page, entity pages and entity rules, each request one of them at random.
// (b) Mixed writes by 20 editors at once, each in its own session with its
//     CSRF token: creates of projects, locations, entities, interfaces and
//     communications and some deletes, each redirect followed as a browser
//     does. Every 303 counts as an acknowledged write.
//
// Both phases must see no error and no status other than 2xx/3xx, and after
// the server has stopped the row counts must equal the counts before plus the
// acknowledged creates minus the acknowledged deletes. Figures go to
// docs/benchmarks.md. BENCH_SECONDS (default 60) sets each phase's length.
//
//   npm run build && npx tsx bench/load.ts          (or: npm run bench -- load)
import autocannon from "autocannon";
import { type Client, openDatabase } from "../src/data/engine.js";
import { listEntities } from "../src/data/entities.js";
import { listLocations } from "../src/data/locations.js";
import { listProjects } from "../src/data/projects.js";
import { createUser, listGroups } from "../src/data/users.js";
import { hashPassword } from "../src/services/passwords.js";
import { logIn, type Session } from "../test/support/server-process.js";
import { ADMIN_PASSWORD, datasetDatabase, machine, startServer, table } from "./support.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
if (!Number.isFinite(SECONDS) || SECONDS <= 0) throw new Error("BENCH_SECONDS must be a positive number");
const READ_CONNECTIONS = 50;
const EDITORS = 20;
const EDITOR_PASSWORD = "bench-editor-password";

type Kind = "project" | "location" | "entity" | "interface" | "communication";
const KINDS: Kind[] = ["project", "location", "entity", "interface", "communication"];

async function countRows(client: Client): Promise<Record<Kind, number>> {
  const [project, location, entity, iface, communication] = await Promise.all([
    client.project.count(),
    client.location.count(),
    client.entity.count(),
    client.interface.count(),
    client.communication.count(),
  ]);
  return { project, location, entity, interface: iface, communication };
}

const pick = <T>(list: T[]): T | undefined => list[Math.floor(Math.random() * list.length)];

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

// --- set-up --------------------------------------------------------------

const started = new Date();
console.log(`load: building the large preset database (${SECONDS} s per phase)…`);
const databaseUrl = await datasetDatabase(["--preset", "large"]);
const setup = await openDatabase(databaseUrl);
const editorsGroup = (await listGroups(setup)).filter((g) => g.name === "Editors").map((g) => g.id);
const editorHash = await hashPassword(EDITOR_PASSWORD);
for (let i = 0; i < EDITORS; i++) {
  await createUser(setup, {
    username: `editor${i}`,
    passwordHash: editorHash,
    isActive: true,
    isSuperuser: false,
    groupIds: editorsGroup,
    permissions: [],
  });
}
const projectId = (await listProjects(setup))[0]?.id as number;
const entityIds = (await listEntities(setup, { projectId })).map((e) => e.id);
const locationIds = (await listLocations(setup)).map((l) => l.id);
const before = await setup.run(countRows);
await setup.close();

const server = await startServer(databaseUrl);
const results: (string | number)[][] = [];
let failed = false;
try {
  // --- (a) reads ----------------------------------------------------------
  const reader = await logIn(server.url, "admin", ADMIN_PASSWORD);
  // The first project page waits for the diagram's layout (or its time limit);
  // later ones get the cached SVG (or the remembered timeout), as in production.
  for (const attempt of ["first (cold diagram)", "second"]) {
    const start = performance.now();
    const res = await fetch(`${server.url}/projects/${projectId}`, { headers: { cookie: reader.cookie } });
    const html = await res.text();
    const diagram = html.includes('role="note"') ? "diagram unavailable (note)" : "diagram shown";
    console.log(
      `load: ${attempt} project page ${res.status} in ${(performance.now() - start).toFixed(0)} ms, ${diagram}`,
    );
  }

  const randomEntity = () => entityIds[Math.floor(Math.random() * entityIds.length)] as number;
  console.log(`load: (a) read pages, ${READ_CONNECTIONS} connections, ${SECONDS} s…`);
  // Beside autocannon's mix, one client requests each kind of page in turn: latency per page under load.
  const pages: [string, () => string][] = [
    ["main page", () => "/"],
    ["project page", () => `/projects/${projectId}`],
    ["entity page", () => `/entities/${randomEntity()}`],
    ["entity rules", () => `/entities/${randomEntity()}/iptables`],
  ];
  const perPage = new Map<string, number[]>(pages.map(([name]) => [name, []]));
  let reading = true;
  const sidecar = (async () => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    while (reading) {
      for (const [name, path] of pages) {
        const start = performance.now();
        const res = await fetch(`${server.url}${path()}`, { headers: { cookie: reader.cookie } });
        await res.arrayBuffer();
        if (reading && res.status === 200) perPage.get(name)?.push(performance.now() - start);
      }
    }
  })();
  const read = await autocannon({
    url: server.url,
    connections: READ_CONNECTIONS,
    duration: SECONDS,
    timeout: 30,
    headers: { cookie: reader.cookie },
    // Each request one of the four kinds at random, so the connections do not move in lock-step.
    requests: [
      { method: "GET", setupRequest: (request) => ({ ...request, path: (pick(pages)?.[1] ?? (() => "/"))() }) },
    ],
  });
  reading = false;
  await sidecar;
  const readBad = read.errors + read.timeouts + read["4xx"] + read["5xx"] + read["3xx"];
  if (readBad > 0) failed = true;
  results.push([
    "(a) read pages",
    READ_CONNECTIONS,
    read.requests.total,
    read.requests.average.toFixed(1),
    read.latency.p50,
    read.latency.p99,
    read.errors + read.timeouts,
    read.non2xx,
  ]);
  console.log(`load: (a) status codes ${JSON.stringify(read.statusCodeStats)}`);

  // --- (b) writes ---------------------------------------------------------
  // One log-in at a time: the server checks at most two passwords at once and
  // answers a crowd of log-ins 429 (docs/install.md, "Log-in throttle").
  const sessions: Session[] = [];
  for (let i = 0; i < EDITORS; i++) sessions.push(await logIn(server.url, `editor${i}`, EDITOR_PASSWORD));
  console.log(`load: (b) mixed writes, ${EDITORS} editors, ${SECONDS} s…`);
  const writes = {
    latencies: [] as number[],
    follows: [] as number[],
    errors: [] as string[],
    byForm: new Map<string, number[]>(),
  };
  const created = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  const deleted = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  const deadline = performance.now() + SECONDS * 1000;
  const phaseStart = performance.now();
  await Promise.all(
    sessions.map((session, i) =>
      edit(server.url, session, i, deadline, locationIds, writes, created, deleted).catch((error: unknown) => {
        writes.errors.push(`editor${i}: ${String(error)}`);
      }),
    ),
  );
  const elapsed = (performance.now() - phaseStart) / 1000;
  if (writes.errors.length > 0) failed = true;
  const all = [...writes.latencies, ...writes.follows];
  results.push([
    "(b) mixed writes: POST",
    EDITORS,
    writes.latencies.length,
    (writes.latencies.length / elapsed).toFixed(1),
    percentile(writes.latencies, 0.5).toFixed(0),
    percentile(writes.latencies, 0.99).toFixed(0),
    writes.errors.length,
    0,
  ]);
  results.push([
    "(b) with redirects followed",
    EDITORS,
    all.length,
    (all.length / elapsed).toFixed(1),
    percentile(all, 0.5).toFixed(0),
    percentile(all, 0.99).toFixed(0),
    writes.errors.length,
    0,
  ]);
  for (const error of writes.errors.slice(0, 10)) console.log(`load: (b) ${error}`);

  await server.stop();
  const check = await openDatabase(databaseUrl);
  const after = await check.run(countRows);
  await check.close();

  console.log(
    `\nLoad on the built server (SQLite, large preset) on ${machine()}, ${started.toISOString().slice(0, 10)}`,
  );
  console.log(`${SECONDS} s per phase; latency in ms; errors = failed requests and timeouts; non-2xx/3xx must be 0\n`);
  console.log(
    table([["phase", "connections", "requests", "requests/s", "p50", "p99", "errors", "non-2xx/3xx"], ...results]),
  );
  console.log("\n(a) latency per page while the read mix runs (one extra client, pages in turn)\n");
  console.log(
    table([
      ["page", "samples", "p50", "p99"],
      ...[...perPage].map(([name, list]) => [
        name,
        list.length,
        percentile(list, 0.5).toFixed(0),
        percentile(list, 0.99).toFixed(0),
      ]),
    ]),
  );
  console.log("\n(b) POST latency per form\n");
  console.log(
    table([
      ["form", "acknowledged", "p50", "p99"],
      ...[...writes.byForm]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([form, list]) => [
          form,
          list.length,
          percentile(list, 0.5).toFixed(0),
          percentile(list, 0.99).toFixed(0),
        ]),
    ]),
  );
  const rows = KINDS.map((kind) => {
    const expected = before[kind] + created[kind] - deleted[kind];
    if (expected !== after[kind]) failed = true;
    return [
      kind,
      before[kind],
      created[kind],
      deleted[kind],
      expected,
      after[kind],
      expected === after[kind] ? "yes" : "NO",
    ];
  });
  console.log("\nRows after the server stopped: before + acknowledged creates − acknowledged deletes\n");
  console.log(
    table([["table", "before", "acknowledged creates", "acknowledged deletes", "expected", "after", "equal"], ...rows]),
  );
} finally {
  if (server.process.exitCode === null && server.process.signalCode === null) await server.stop();
}
if (failed) {
  console.log("\nload: FAILED (errors, unexpected statuses or row counts that do not add up)");
  process.exitCode = 1;
}

// --- one editor --------------------------------------------------------------

interface Mine {
  projectId: number;
  /** entity id → its project */
  entities: Map<number, number>;
  /** interface id → its entity */
  interfaces: Map<number, number>;
  communications: Map<number, { source: number; destination: number; sourceEntity: number }>;
}

/**
 * One editor's session until the deadline: a weighted random mix of forms on
 * its own objects (so that it alone knows what each delete takes along: the
 * deletes here never cascade). Each POST must answer 303, each followed page 200.
 */
async function edit(
  baseUrl: string,
  session: Session,
  index: number,
  deadline: number,
  locations: number[],
  stats: { latencies: number[]; follows: number[]; errors: string[]; byForm: Map<string, number[]> },
  created: Record<Kind, number>,
  deleted: Record<Kind, number>,
): Promise<void> {
  const headers = { cookie: session.cookie };
  let counter = 0;
  const unique = () => `bench-e${index}-${++counter}`;

  const follow = async (location: string): Promise<string> => {
    const start = performance.now();
    const res = await fetch(`${baseUrl}${location}`, { headers });
    const html = await res.text();
    stats.follows.push(performance.now() - start);
    if (res.status !== 200) throw new Error(`GET ${location} answered ${res.status}`);
    return html;
  };
  /** POSTs a form; on 303 counts the write and follows the redirect; returns [Location, page]. */
  const post = async (url: string, fields: Record<string, string>, kind: Kind, change: "create" | "delete") => {
    const start = performance.now();
    const res = await fetch(`${baseUrl}${url}`, {
      method: "POST",
      redirect: "manual",
      headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: session.csrf, ...fields }),
    });
    await res.arrayBuffer();
    const ms = performance.now() - start;
    stats.latencies.push(ms);
    const form = `${change} ${kind}`;
    stats.byForm.set(form, [...(stats.byForm.get(form) ?? []), ms]);
    if (res.status !== 303) throw new Error(`POST ${url} answered ${res.status}`);
    (change === "create" ? created : deleted)[kind]++;
    const location = res.headers.get("location") ?? "/";
    return [location, await follow(location)] as const;
  };
  const ids = (html: string, pattern: RegExp) => new Set([...html.matchAll(pattern)].map((m) => Number(m[1])));

  const mine: Mine = { projectId: 0, entities: new Map(), interfaces: new Map(), communications: new Map() };
  const newProject = async () => {
    const name = unique();
    const [location] = await post("/projects/new", { name, description: "load benchmark" }, "project", "create");
    mine.projectId = Number(/^\/projects\/(\d+)$/.exec(location)?.[1]);
  };
  await newProject();

  const inProject = () => [...mine.entities].filter(([, p]) => p === mine.projectId).map(([id]) => id);
  const interfacesOf = (entity: number) => [...mine.interfaces].filter(([, e]) => e === entity).map(([id]) => id);
  const used = () => new Set([...mine.communications.values()].flatMap((c) => [c.source, c.destination]));

  const forms: [number, () => Promise<boolean>][] = [
    [
      1,
      async () => {
        await newProject();
        return true;
      },
    ],
    [
      1,
      async () => {
        const name = unique();
        await post("/locations/new", { name, description: "" }, "location", "create");
        return true;
      },
    ],
    [
      3,
      async () => {
        const fields = {
          name: unique(),
          description: "",
          project: String(mine.projectId),
          location: String(pick(locations)),
        };
        const [location] = await post("/entities/new", fields, "entity", "create");
        mine.entities.set(Number(/^\/entities\/(\d+)$/.exec(location)?.[1]), mine.projectId);
        return true;
      },
    ],
    [
      3,
      async () => {
        const entity = pick(inProject().filter((e) => interfacesOf(e).length < 3));
        if (entity === undefined) return false;
        const n = ++counter;
        const fields = {
          name: `eth${n}`,
          description: "",
          address: `10.${100 + index}.${(n >> 8) & 255}.${n & 255}`,
          netmask: "",
        };
        const [, page] = await post(`/interfaces/new?entity=${entity}`, fields, "interface", "create");
        for (const id of ids(page, /\/interfaces\/(\d+)\/edit/g))
          if (!mine.interfaces.has(id)) mine.interfaces.set(id, entity);
        return true;
      },
    ],
    [
      4,
      async () => {
        const ends = inProject().filter((e) => interfacesOf(e).length > 0);
        const source = pick(ends);
        const destination = pick(ends.filter((e) => e !== source));
        if (source === undefined || destination === undefined) return false;
        const sourceInterface = pick(interfacesOf(source)) as number;
        const destinationInterface = pick(interfacesOf(destination)) as number;
        const next = `/entities/${source}`;
        const fields = {
          source: String(sourceInterface),
          destination: String(destinationInterface),
          protocol: "TCP",
          port: String(1024 + (++counter % 60000)),
          description: unique(),
        };
        const url = `/communications/new?project=${mine.projectId}&next=${encodeURIComponent(next)}`;
        const [, page] = await post(url, fields, "communication", "create");
        for (const id of ids(page, /\/communications\/(\d+)\/edit/g)) {
          if (!mine.communications.has(id)) {
            mine.communications.set(id, {
              source: sourceInterface,
              destination: destinationInterface,
              sourceEntity: source,
            });
          }
        }
        return true;
      },
    ],
    [
      1,
      async () => {
        const id = pick([...mine.communications.keys()]);
        if (id === undefined) return false;
        const next = `/entities/${mine.communications.get(id)?.sourceEntity}`;
        await post(`/communications/${id}/delete?next=${encodeURIComponent(next)}`, {}, "communication", "delete");
        mine.communications.delete(id);
        return true;
      },
    ],
    [
      0.5,
      async () => {
        // Only interfaces without communications: the delete takes nothing else along.
        const busy = used();
        const id = pick([...mine.interfaces.keys()].filter((i) => !busy.has(i)));
        if (id === undefined) return false;
        await post(`/interfaces/${id}/delete`, {}, "interface", "delete");
        mine.interfaces.delete(id);
        return true;
      },
    ],
    [
      0.5,
      async () => {
        const id = pick([...mine.entities.keys()].filter((e) => interfacesOf(e).length === 0));
        if (id === undefined) return false;
        await post(`/entities/${id}/delete`, {}, "entity", "delete");
        mine.entities.delete(id);
        return true;
      },
    ],
  ];
  const totalWeight = forms.reduce((sum, [weight]) => sum + weight, 0);
  while (performance.now() < deadline) {
    let roll = Math.random() * totalWeight;
    let form = forms[0];
    for (const candidate of forms) {
      form = candidate;
      roll -= candidate[0];
      if (roll < 0) break;
    }
    // A form whose preconditions are not met yet (no two entities with interfaces, nothing
    // to delete…) gives way to a new interface, or failing that to a new entity.
    if (!(await form?.[1]()) && !(await forms[3]?.[1]())) await forms[2]?.[1]();
  }
}
