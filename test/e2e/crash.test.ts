// docs/architecture.md: a write the app acknowledged is never lost, not even when the
// process is killed. The real server runs as a child process on one SQLite
// file; editors write concurrently (projects, locations, entities, interfaces,
// communications) and every write whose 303 redirect arrived is recorded. At a
// random moment mid-load the process gets SIGKILL. A copy of the files it
// left (database, WAL, shared memory) must pass `PRAGMA integrity_check` and
// hold every acknowledged write, found by its unique name. The next round
// starts the server on the same files, so it also recovers from the WAL the
// kill left behind, and the editors' sessions (kept in the database) survive
// the restarts. Eight rounds.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/data/engine.js";
import { createEntity } from "../../src/data/entities.js";
import { createInterface } from "../../src/data/interfaces.js";
import { createLocation } from "../../src/data/locations.js";
import { createProject } from "../../src/data/projects.js";
import { ensureDefaultGroups, migrateDatabase } from "../../src/data/setup.js";
import { createUser, listGroups } from "../../src/data/users.js";
import { hashPassword } from "../../src/services/passwords.js";
import { type BuiltServer, buildServer, logIn, type Session, startServerProcess } from "../support/server-process.js";

const ROUNDS = 8;
const EDITORS = 4;
/** Each editor works in two browser sessions at once. */
const SESSIONS_PER_EDITOR = 2;
const PASSWORD = "crash-test-password";
/** The kill comes this long after the first acknowledged write of the round, chosen at random. */
const KILL_AFTER_MS: [number, number] = [0, 2000];

type Kind = "project" | "location" | "entity" | "interface" | "communication";

interface Ack {
  kind: Kind;
  /** The unique name (the description for a communication). */
  name: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let built: BuiltServer;
let dir: string;
let databaseUrl: string;
let baseLocationId: number;
const bases: Base[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "conntrackt-crash-"));
  databaseUrl = `file:${path.join(dir, "db.sqlite")}`;
  const [build] = await Promise.all([
    buildServer(),
    (async () => {
      await migrateDatabase(databaseUrl);
      const db = await openDatabase(databaseUrl);
      try {
        await ensureDefaultGroups(db);
        const editors = (await listGroups(db)).filter((g) => g.name === "Editors").map((g) => g.id);
        const passwordHash = await hashPassword(PASSWORD);
        for (let e = 0; e < EDITORS; e++) {
          await createUser(db, {
            username: `editor${e}`,
            passwordHash,
            isActive: true,
            isSuperuser: false,
            groupIds: editors,
            permissions: [],
          });
        }
        baseLocationId = (await createLocation(db, { name: "Crash base", description: "" })).id;
        for (let i = 0; i < EDITORS * SESSIONS_PER_EDITOR; i++) {
          const projectId = (await createProject(db, { name: `crash-base-s${i}`, description: "" })).id;
          const ends = [];
          for (const side of ["a", "b"]) {
            const entity = await createEntity(db, {
              name: `crash-base-s${i}-${side}`,
              description: "",
              projectId,
              locationId: baseLocationId,
            });
            const iface = await createInterface(db, {
              name: "eth0",
              description: "",
              entityId: entity.id,
              address: side === "a" ? "10.0.0.1" : "10.0.0.2",
              netmask: "255.255.255.255",
            });
            ends.push(iface.id);
          }
          bases.push({ projectId, source: ends[0] as number, destination: ends[1] as number });
        }
      } finally {
        await db.close();
      }
    })(),
  ]);
  built = build;
}, 120_000);

afterAll(() => {
  built?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

class Unexpected extends Error {}

/** What each session starts from: a project with two entities that have one interface each. */
interface Base {
  projectId: number;
  source: number;
  destination: number;
}

/**
 * One editor's browser session: forms, each acknowledged by a 303, in an
 * endless loop. Each session starts the loop at a different form so that all
 * kinds of writes are in flight from the first moment. Ends quietly when the
 * server is gone after `killed()` turned true; anything else (a refused form,
 * a server error, a dropped connection before the kill) is a failure.
 */
async function edit(
  baseUrl: string,
  session: Session,
  base: Base,
  round: number,
  index: number,
  acks: Ack[],
  killed: () => boolean,
): Promise<string | null> {
  const headers = { cookie: session.cookie };
  const post = async (url: string, kind: Kind, name: string, fields: Record<string, string>): Promise<string> => {
    const res = await fetch(`${baseUrl}${url}`, {
      method: "POST",
      redirect: "manual",
      headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: session.csrf, ...fields }),
    });
    if (res.status === 303) acks.push({ kind, name });
    await res.arrayBuffer();
    if (res.status !== 303) throw new Unexpected(`POST ${url} (${name}) answered ${res.status}`);
    return res.headers.get("location") ?? "";
  };
  const tag = `r${round}-s${index}`;
  const forms: ((n: number) => Promise<unknown>)[] = [
    (n) =>
      post("/projects/new", "project", `crash-${tag}-n${n}`, { name: `crash-${tag}-n${n}`, description: "kill -9" }),
    (n) => post("/locations/new", "location", `crash-${tag}-n${n}`, { name: `crash-${tag}-n${n}`, description: "" }),
    async (n) => {
      const name = `crash-${tag}-n${n}`;
      const fields = { name, description: "", project: String(base.projectId), location: String(baseLocationId) };
      const location = await post("/entities/new", "entity", name, fields);
      const entityId = /^\/entities\/(\d+)$/.exec(location)?.[1];
      if (!entityId) throw new Unexpected(`entity form redirected to ${location}`);
      const ifName = `${name}-if`;
      await post(`/interfaces/new?entity=${entityId}`, "interface", ifName, {
        name: ifName,
        description: "",
        address: "10.1.2.3",
        netmask: "",
      });
      // Following the redirect, as a browser does, also shows (and so clears) the flash messages.
      const page = await fetch(`${baseUrl}${location}`, { headers });
      await page.arrayBuffer();
      if (page.status !== 200) throw new Unexpected(`GET ${location} answered ${page.status}`);
    },
    (n) => {
      const description = `crash-${tag}-n${n}`;
      return post(
        `/communications/new?project=${base.projectId}&next=${encodeURIComponent(`/projects/${base.projectId}`)}`,
        "communication",
        description,
        {
          source: String(base.source),
          destination: String(base.destination),
          protocol: "TCP",
          // Unique per (source, destination, protocol, port) across all rounds.
          port: String(round * 2000 + n + 1),
          description,
        },
      );
    },
  ];
  try {
    for (let n = 0; ; n++) await forms[(n + index) % forms.length]?.(n);
  } catch (error) {
    if (killed() && !(error instanceof Unexpected)) return null;
    return `${tag}: ${error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error)}`;
  }
}

const TABLES: Record<Kind, string> = {
  project: 'SELECT name FROM "Project"',
  location: 'SELECT name FROM "Location"',
  entity: 'SELECT name FROM "Entity"',
  interface: 'SELECT name FROM "Interface"',
  communication: 'SELECT description AS name FROM "Communication"',
};

/** Opens a copy of what the killed process left and checks it; returns the acknowledged writes it lacks. */
function checkFiles(round: number, acks: Ack[]) {
  const file = databaseUrl.replace(/^file:/, "");
  const copyDir = mkdtempSync(path.join(dir, `round${round}-`));
  for (const suffix of ["", "-wal", "-shm"]) {
    if (existsSync(file + suffix)) copyFileSync(file + suffix, path.join(copyDir, `db.sqlite${suffix}`));
  }
  const db = new BetterSqlite3(path.join(copyDir, "db.sqlite"));
  try {
    const integrity = db.pragma("integrity_check", { simple: true });
    const foreignKeys = db.pragma("foreign_key_check") as unknown[];
    const present = new Map<Kind, Set<string>>();
    for (const [kind, sql] of Object.entries(TABLES) as [Kind, string][]) {
      present.set(kind, new Set((db.prepare(sql).all() as { name: string }[]).map((row) => row.name)));
    }
    const missing = acks.filter((ack) => !present.get(ack.kind)?.has(ack.name));
    return { integrity, foreignKeys, missing };
  } finally {
    db.close();
    rmSync(copyDir, { recursive: true, force: true });
  }
}

describe("kill -9 while editors write (docs/architecture.md)", () => {
  it(`loses no acknowledged write and leaves a sound database, ${ROUNDS} times`, async () => {
    const acks: Ack[] = [];
    const perRound: { round: number; killAfterMs: number; acknowledged: number }[] = [];
    let sessions: Session[] | undefined;
    const started = performance.now();

    for (let round = 1; round <= ROUNDS; round++) {
      const server = await startServerProcess({ entry: built.entry, databaseUrl });
      try {
        // Sessions live in the database: logged in once, they must survive every kill.
        sessions ??= await Promise.all(
          Array.from({ length: EDITORS * SESSIONS_PER_EDITOR }, (_, i) =>
            logIn(server.url, `editor${i % EDITORS}`, PASSWORD),
          ),
        );
        const roundAcks: Ack[] = [];
        let killed = false;
        const editors = sessions.map((session, i) =>
          edit(server.url, session, bases[i] as Base, round, i, roundAcks, () => killed),
        );
        const killAfterMs = Math.round(KILL_AFTER_MS[0] + Math.random() * (KILL_AFTER_MS[1] - KILL_AFTER_MS[0]));
        // A round without any acknowledged write would prove nothing: the clock starts at the first.
        const firstAck = (async () => {
          while (roundAcks.length === 0 && !killed) await sleep(5);
        })();
        await Promise.race([firstAck.then(() => sleep(killAfterMs)), ...editors]);
        killed = true;
        server.child.kill("SIGKILL");
        const exit = await server.exited;
        const problems = (await Promise.all(editors)).filter((p) => p !== null);

        expect(exit.signal).toBe("SIGKILL");
        expect(problems).toEqual([]);
        acks.push(...roundAcks);
        perRound.push({ round, killAfterMs, acknowledged: roundAcks.length });

        const { integrity, foreignKeys, missing } = checkFiles(round, acks);
        expect(integrity, `round ${round}`).toBe("ok");
        expect(foreignKeys, `round ${round}`).toEqual([]);
        expect(missing, `round ${round}: acknowledged writes missing after kill -9`).toEqual([]);
      } finally {
        if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
      }
    }

    const byKind = Object.fromEntries(
      (Object.keys(TABLES) as Kind[]).map((kind) => [kind, acks.filter((a) => a.kind === kind).length]),
    );
    console.log(
      [
        `kill -9: ${ROUNDS} rounds, ${acks.length} acknowledged writes, all present after every kill`,
        `  by kind: ${JSON.stringify(byKind)}`,
        `  per round (kill after ms → acknowledged): ${perRound.map((r) => `${r.killAfterMs}→${r.acknowledged}`).join(", ")}`,
        `  elapsed: ${((performance.now() - started) / 1000).toFixed(1)} s`,
      ].join("\n"),
    );
  }, 240_000);
});
