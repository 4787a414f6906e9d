// Password hashing (src/services/passwords.ts): the cost is a parameter (cheap
// in tests, 2^15 by default), a hash is checked with the cost it was made
// with, and at most a few hashes run at once with a bounded queue behind them
// (docs/install.md, "Log-in throttle").
import { describe, expect, it } from "vitest";
import {
  DEFAULT_HASH_COST,
  hashPassword,
  PasswordHasher,
  PasswordHasherBusy,
  verifyPassword,
} from "../../src/services/passwords.js";

describe("PasswordHasher", () => {
  it("stores the cost it hashed with and verifies any cost", async () => {
    const cheap = new PasswordHasher({ cost: 10 });
    const stored = await cheap.hash("correct horse");
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await cheap.verify("correct horse", stored)).toBe(true);
    expect(await cheap.verify("wrong horse", stored)).toBe(false);
    // Another cost setting still checks the stored parameters.
    expect(await new PasswordHasher({ cost: 12 }).verify("correct horse", stored)).toBe(true);
    expect(await cheap.verify("correct horse", "plain-text")).toBe(false);
    expect(await cheap.verifyNothing("anything")).toBe(false);
  });

  it("keeps the production cost by default", async () => {
    expect(DEFAULT_HASH_COST).toBe(15);
    expect(new PasswordHasher().cost).toBe(15);
    const stored = await hashPassword("a production password");
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword("a production password", stored)).toBe(true);
  });

  it("refuses a cost outside 1–20", () => {
    expect(() => new PasswordHasher({ cost: 0 })).toThrow(RangeError);
    expect(() => new PasswordHasher({ cost: 21 })).toThrow(RangeError);
    expect(() => new PasswordHasher({ cost: 12.5 })).toThrow(RangeError);
  });

  it("runs at most maxConcurrent hashes, queues maxWaiting, and refuses the rest at once", async () => {
    const hasher = new PasswordHasher({ cost: 10, maxConcurrent: 2, maxWaiting: 3 });
    const calls = Array.from({ length: 8 }, (_, i) => hasher.hash(`password ${i}`));
    expect(hasher.active).toBe(2);
    expect(hasher.waiting).toBe(3);
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.map((o) => o.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "fulfilled",
      "fulfilled",
      "fulfilled",
      "rejected",
      "rejected",
      "rejected",
    ]);
    for (const o of outcomes) if (o.status === "rejected") expect(o.reason).toBeInstanceOf(PasswordHasherBusy);
    expect([hasher.active, hasher.waiting]).toEqual([0, 0]);
    // Free again: a new hash runs.
    await expect(hasher.hash("after")).resolves.toMatch(/^scrypt\$/);
  });

  it("never runs more than maxConcurrent at a time while the queue drains", async () => {
    const hasher = new PasswordHasher({ cost: 10, maxConcurrent: 2, maxWaiting: 20 });
    let peak = 0;
    const watch = setInterval(() => {
      peak = Math.max(peak, hasher.active);
    }, 0);
    await Promise.all(Array.from({ length: 20 }, (_, i) => hasher.hash(`p${i}`)));
    clearInterval(watch);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2);
  });

  it("a cheap cost is many times faster than the production cost (ratio, not a time)", async () => {
    const time = async (hasher: PasswordHasher) => {
      const start = performance.now();
      for (let i = 0; i < 3; i++) await hasher.hash("timing");
      return performance.now() - start;
    };
    const cheap = await time(new PasswordHasher({ cost: 10 }));
    const production = await time(new PasswordHasher());
    // 2^15 / 2^10 = 32 times the work; 4 leaves room for a busy machine.
    expect(production / cheap).toBeGreaterThan(4);
  });
});
