// Benchmark (docs/benchmarks.md; docs/api.md): an entity's nftables file
// fetched through the API with a bearer token must sustain at least half the
// requests per second of the same file downloaded with a session cookie,
// measured side by side in one run on the built server (large preset).
//
// Each phase runs autocannon at 50 connections over the same entities in
// turn; the session phase runs before and after the token phase and the
// better of the two is the reference, so a warming server cannot favour the
// token. Every answer must be a 200, and the two paths' bytes are compared
// for each entity before the load starts. BENCH_SECONDS (default 20) sets each
// phase's length.
//
//   npm run build && npx tsx bench/api.ts          (or: npm run bench -- api)
import autocannon from "autocannon";
import { openDatabase } from "../src/data/engine.js";
import { listEntities } from "../src/data/entities.js";
import { listProjects } from "../src/data/projects.js";
import { createToken } from "../src/data/tokens.js";
import { getUserByName } from "../src/data/users.js";
import { newToken } from "../src/services/tokens.js";
import { logIn } from "../test/support/server-process.js";
import { ADMIN_PASSWORD, datasetDatabase, machine, startServer, table } from "./support.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
if (!Number.isFinite(SECONDS) || SECONDS <= 0) throw new Error("BENCH_SECONDS must be a positive number");
const CONNECTIONS = 50;
const ENTITIES = 50;
/** The token path must reach this share of the session path's requests per second. */
const BUDGET = 0.5;

const started = new Date();
console.log(`api: building the large preset database (${SECONDS} s per phase)…`);
const databaseUrl = await datasetDatabase(["--preset", "large"]);
const setup = await openDatabase(databaseUrl);
const admin = await getUserByName(setup, "admin");
if (!admin) throw new Error("no admin user in the bench database");
const { token, tokenHash } = newToken();
await createToken(setup, { userId: admin.id, name: "bench", tokenHash, readOnly: true, expiresAt: null });
const projectId = (await listProjects(setup))[0]?.id as number;
const entityIds = (await listEntities(setup, { projectId })).slice(0, ENTITIES).map((e) => e.id);
await setup.close();

const server = await startServer(databaseUrl);
let failed = false;
try {
  const session = await logIn(server.url, "admin", ADMIN_PASSWORD);
  const viaSession = (id: number) => `/entities/${id}/nftables`;
  const viaToken = (id: number) => `/api/v1/entities/${id}/rules/nftables`;
  const headers = { session: { cookie: session.cookie }, token: { authorization: `Bearer ${token}` } };

  for (const id of entityIds) {
    const [a, b] = await Promise.all([
      fetch(`${server.url}${viaSession(id)}`, { headers: headers.session }),
      fetch(`${server.url}${viaToken(id)}`, { headers: headers.token }),
    ]);
    const [textA, textB] = await Promise.all([a.text(), b.text()]);
    if (a.status !== 200 || b.status !== 200 || textA !== textB) {
      throw new Error(`entity ${id}: session ${a.status}, token ${b.status}, same bytes: ${textA === textB}`);
    }
  }
  console.log(`api: ${entityIds.length} entities answer the same bytes both ways`);

  const phase = async (name: string, path: (id: number) => string, auth: Record<string, string>) => {
    let next = 0;
    console.log(`api: ${name}, ${CONNECTIONS} connections, ${SECONDS} s…`);
    const result = await autocannon({
      url: server.url,
      connections: CONNECTIONS,
      duration: SECONDS,
      timeout: 30,
      headers: auth,
      requests: [
        {
          method: "GET",
          setupRequest: (request) => ({ ...request, path: path(entityIds[next++ % entityIds.length] as number) }),
        },
      ],
    });
    const bad = result.errors + result.timeouts + result.non2xx;
    if (bad > 0) failed = true;
    return { name, result, bad };
  };

  const phases = [
    await phase("session cookie, /entities/:id/nftables", viaSession, headers.session),
    await phase("bearer token, /api/v1/entities/:id/rules/nftables", viaToken, headers.token),
    await phase("session cookie again", viaSession, headers.session),
  ];
  const [first, tokenPhase, again] = phases as [(typeof phases)[0], (typeof phases)[0], (typeof phases)[0]];
  const reference = Math.max(first.result.requests.average, again.result.requests.average);
  const share = tokenPhase.result.requests.average / reference;
  if (share < BUDGET) failed = true;

  console.log(
    `\nAPI token against session cookie (SQLite, large preset, ${entityIds.length} entities in turn) on ${machine()}, ${started.toISOString().slice(0, 10)}`,
  );
  console.log(`${SECONDS} s per phase; latency in ms\n`);
  console.log(
    table([
      ["phase", "connections", "requests", "requests/s", "p50", "p99", "errors + non-2xx"],
      ...phases.map((p) => [
        p.name,
        CONNECTIONS,
        p.result.requests.total,
        p.result.requests.average.toFixed(1),
        p.result.latency.p50,
        p.result.latency.p99,
        p.bad,
      ]),
    ]),
  );
  console.log(
    `\ntoken / better session phase: ${(share * 100).toFixed(0)} % of the requests per second (budget: at least ${BUDGET * 100} %)`,
  );
} finally {
  await server.stop();
}
if (failed) {
  console.log("\napi: FAILED (errors, non-2xx answers, or the token path under budget)");
  process.exitCode = 1;
}
