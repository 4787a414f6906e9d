// A read-then-write transaction waits for another process's write
// instead of failing with SQLITE_BUSY.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Database, openDatabase, projectRoot } from "../../src/data/engine.js";
import { createTestDatabase, type TestDatabase } from "../support/app.js";

let database: TestDatabase;
let db: Database;
beforeAll(async () => {
  database = await createTestDatabase("sqlite");
  db = await openDatabase(database.url);
});
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

it("read-then-write transactions succeed while another process writes", async () => {
  // Another process: a writer saving a location every few milliseconds until its stdin closes.
  // It says "ready" after its first write, so the overlap below is certain, not timed.
  const script = `
    const { openDatabase } = await import("./src/data/engine.ts");
    const db = await openDatabase(process.env.DATABASE_URL);
    let stop = false;
    process.stdin.on("end", () => { stop = true; }).resume();
    for (let n = 0; !stop; n++) {
      await db.run((c) => c.location.create({ data: { name: "other-" + n, nameKey: ("other-" + n).toLowerCase() } }));
      if (n === 0) process.stdout.write("ready\\n");
      await new Promise((r) => setTimeout(r, 2));
    }
    await db.close();`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: projectRoot,
    env: { ...process.env, DATABASE_URL: database.url },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = once(child, "exit");
  await Promise.race([
    once(child.stdout, "data"),
    exited.then(([code]) => Promise.reject(new Error(`the writer process exited (${code}) before writing`))),
  ]);
  const others = () => db.run((c) => c.location.count({ where: { name: { startsWith: "other-" } } }));
  const othersBefore = await others();
  const failures: string[] = [];
  let saved = 0;
  // At least 12 transactions, and more until the other process has written
  // meanwhile (bounded), so the overlap is proved on a slow machine too.
  const MIN_TRANSACTIONS = 12;
  const MAX_TRANSACTIONS = 1000;
  let othersAfter = othersBefore;
  for (let i = 0; i < MAX_TRANSACTIONS && (i < MIN_TRANSACTIONS || othersAfter <= othersBefore); i++) {
    try {
      await db.transaction(async (tx) => {
        await tx.project.count();
        await new Promise((resolve) => setTimeout(resolve, 5));
        await tx.project.create({ data: { name: `busy-${i}`, nameKey: `busy-${i}` } });
      });
      saved++;
    } catch (error) {
      failures.push(String(error).split("\n").filter(Boolean).at(-1) ?? "");
    }
    if (i >= MIN_TRANSACTIONS - 1) othersAfter = await others();
  }
  child.stdin.end();
  const [code] = await exited;
  expect(code).toBe(0);
  expect(failures.slice(0, 3)).toEqual([]);
  expect(failures.length).toBe(0);
  expect(saved).toBeGreaterThanOrEqual(MIN_TRANSACTIONS);
  // The other process kept writing while ours ran: the two really overlapped.
  expect(othersAfter).toBeGreaterThan(othersBefore);
}, 60_000);
