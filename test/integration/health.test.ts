// GET /healthz (docs/install.md): no log-in; 200 while the database answers,
// 503 (not a 500 page) when it does not. The query lives in src/data/main.ts.
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/data/engine.js";
import { createTestContext, type TestContext } from "../support/app.js";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe("GET /healthz", () => {
  it("answers ok while the database answers", async () => {
    const res = await request(ctx.app).get("/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });

  it("answers 503 when the database does not", async () => {
    const db = ctx.db as { -readonly [K in keyof Database]: Database[K] };
    const run = db.run;
    db.run = () => Promise.reject(new Error("connection refused"));
    try {
      const res = await request(ctx.app).get("/healthz");
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: "unavailable" });
    } finally {
      db.run = run;
    }
  });
});
