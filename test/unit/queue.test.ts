// The SQLite work queue (src/data/engine.ts): holders run alone, in arrival
// order, and a long queue of synchronous work (better-sqlite3 answers
// synchronously) does not keep the event loop from turning: timers, accepts
// and socket reads get their turn between holders.
import { describe, expect, it } from "vitest";
import { Queue } from "../../src/data/engine.js";

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {}
};

describe("Queue", () => {
  it("runs holders one at a time in arrival order, failures included", async () => {
    const queue = new Queue();
    const order: number[] = [];
    let running = 0;
    const jobs = Array.from({ length: 20 }, (_, i) =>
      queue.run(async () => {
        running++;
        expect(running).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, i % 3));
        order.push(i);
        running--;
        if (i % 5 === 0) throw new Error(`job ${i}`);
        return i;
      }),
    );
    const results = await Promise.allSettled(jobs);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(4);
  });

  it("lets the event loop turn between holders of synchronous work", async () => {
    const queue = new Queue();
    let last = performance.now();
    let longestGap = 0;
    const heartbeat = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 1);
    const start = performance.now();
    await Promise.all(Array.from({ length: 100 }, () => queue.run(async () => busy(2))));
    const end = performance.now();
    clearInterval(heartbeat);
    longestGap = Math.max(longestGap, end - last);
    const total = end - start;
    // One unbroken chain of microtasks would leave the timer no turn until the end (gap ≈ total).
    expect(longestGap).toBeLessThan(total / 5);
  });
});
