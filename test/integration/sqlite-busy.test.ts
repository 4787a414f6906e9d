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
  // Another process: a writer saving a location every few milliseconds for 4 s.
  const script = `
    const { openDatabase } = await import("./src/data/engine.ts");
    const db = await openDatabase(process.env.DATABASE_URL);
    const end = Date.now() + 4000;
    for (let n = 0; Date.now() < end; n++) {
      await db.run((c) => c.location.create({ data: { name: "other-" + n } }));
      await new Promise((r) => setTimeout(r, 2));
    }
    await db.close();`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: projectRoot,
    env: { ...process.env, DATABASE_URL: database.url },
    stdio: "inherit",
  });
  const exited = once(child, "exit");
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const failures: string[] = [];
  let saved = 0;
  const end = Date.now() + 2000;
  for (let i = 0; Date.now() < end; i++) {
    try {
      await db.transaction(async (tx) => {
        await tx.project.count();
        await new Promise((resolve) => setTimeout(resolve, 5));
        await tx.project.create({ data: { name: `busy-${i}` } });
      });
      saved++;
    } catch (error) {
      failures.push(String(error).split("\n").filter(Boolean).at(-1) ?? "");
    }
  }
  const [code] = await exited;
  expect(code).toBe(0);
  expect(failures.slice(0, 3)).toEqual([]);
  expect(saved).toBeGreaterThan(10);
}, 60_000);
