// Benchmark (docs/benchmarks.md; docs/api.md): an entity's nftables file
// fetched through the API with a bearer token must sustain at least half the
// requests per second of the same file downloaded with a session cookie,
// measured side by side in one run on the built server (large preset).
//
// autocannon runs at 50 connections over the same entities in turn, in short
// rounds that alternate the two ways (session, token, token, session, …) so
// a change of the machine's load during the run weighs on both alike; each
// way's figure is its requests over its time. Every answer must be a 200, and
// both ways' bytes are compared for each entity before the load starts.
// BENCH_SECONDS (default 30) is each way's total time, in six rounds.
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

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
if (!Number.isFinite(SECONDS) || SECONDS <= 0) throw new Error("BENCH_SECONDS must be a positive number");
const CONNECTIONS = 50;
/** Rounds per way; the order within each pair alternates. */
const ROUNDS = 6;
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

  type Way = "session" | "token";
  const ways: Record<Way, { name: string; path: (id: number) => string; auth: Record<string, string> }> = {
    session: { name: "session cookie, /entities/:id/nftables", path: viaSession, auth: headers.session },
    token: { name: "bearer token, /api/v1/entities/:id/rules/nftables", path: viaToken, auth: headers.token },
  };
  const totals = Object.fromEntries(
    (Object.keys(ways) as Way[]).map((way) => [
      way,
      { requests: 0, seconds: 0, bad: 0, p50: [] as number[], p99: [] as number[] },
    ]),
  ) as Record<Way, { requests: number; seconds: number; bad: number; p50: number[]; p99: number[] }>;
  const round = async (way: Way) => {
    let next = 0;
    const { path, auth } = ways[way];
    const result = await autocannon({
      url: server.url,
      connections: CONNECTIONS,
      duration: SECONDS / ROUNDS,
      timeout: 30,
      headers: auth,
      requests: [
        {
          method: "GET",
          setupRequest: (request) => ({ ...request, path: path(entityIds[next++ % entityIds.length] as number) }),
        },
      ],
    });
    const total = totals[way];
    total.requests += result.requests.total;
    total.seconds += result.duration;
    total.bad += result.errors + result.timeouts + result.non2xx;
    total.p50.push(result.latency.p50);
    total.p99.push(result.latency.p99);
  };

  console.log(`api: ${ROUNDS} rounds per way of ${(SECONDS / ROUNDS).toFixed(1)} s, ${CONNECTIONS} connections…`);
  for (let i = 0; i < ROUNDS; i++) {
    const order: Way[] = i % 2 === 0 ? ["session", "token"] : ["token", "session"];
    for (const way of order) await round(way);
  }
  const rate = (way: Way) => totals[way].requests / totals[way].seconds;
  const share = rate("token") / rate("session");
  if (share < BUDGET || totals.session.bad + totals.token.bad > 0) failed = true;

  console.log(
    `\nAPI token against session cookie (SQLite, large preset, ${entityIds.length} entities in turn) on ${machine()}, ${started.toISOString().slice(0, 10)}`,
  );
  console.log(`${SECONDS} s per way in ${ROUNDS} alternating rounds; latency in ms (median of the rounds' figures)\n`);
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? Number.NaN;
  console.log(
    table([
      ["way", "connections", "requests", "requests/s", "p50", "p99", "errors + non-2xx"],
      ...(Object.keys(ways) as Way[]).map((way) => [
        ways[way].name,
        CONNECTIONS,
        totals[way].requests,
        rate(way).toFixed(1),
        median(totals[way].p50),
        median(totals[way].p99),
        totals[way].bad,
      ]),
    ]),
  );
  console.log(
    `\ntoken / session: ${(share * 100).toFixed(0)} % of the requests per second (budget: at least ${BUDGET * 100} %)`,
  );
} finally {
  await server.stop();
}
if (failed) {
  console.log("\napi: FAILED (errors, non-2xx answers, or the token path under budget)");
  process.exitCode = 1;
}
