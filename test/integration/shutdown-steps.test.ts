// The stop sequence of src/server.ts (src/web/graceful-close.ts shutDown) when
// a step fails: a database whose close() rejects, a renderer whose close()
// rejects. Each failure is logged, the sequence still runs to the end and the
// process exits with status 1 — never an unhandled rejection (vitest fails a
// run that has one). A clean stop exits 0 with "stopped" as its last line.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { exitOnStrayRejection, gracefulClose, type ShutdownSteps, shutDown } from "../../src/web/graceful-close.js";

const servers: http.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.closeAllConnections();
});

function captured() {
  const lines: { level: number; msg: string; err?: { message: string } }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines };
}

async function listening(handler: http.RequestListener = (_req, res) => res.end("ok")) {
  const server = http.createServer(handler);
  servers.push(server);
  const closer = gracefulClose(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, closer, port: (server.address() as AddressInfo).port };
}

async function run(overrides: Partial<ShutdownSteps>) {
  const { server, closer } = await listening();
  const { logger, lines } = captured();
  const exits: number[] = [];
  const order: string[] = [];
  const code = await shutDown("SIGTERM", {
    server,
    closer,
    logger,
    abandon: async () => {
      order.push("abandon");
    },
    release: async () => {
      order.push("release");
    },
    forceAfterMs: 5000,
    exit: (exitCode) => exits.push(exitCode),
    ...overrides,
  });
  return { code, exits, lines, order, server };
}

describe("shutDown", () => {
  it("stops cleanly: listener closed, database released, 'stopped' logged last, exit 0", async () => {
    const { code, exits, lines, order, server } = await run({});
    expect(code).toBe(0);
    expect(exits).toEqual([0]);
    expect(order).toEqual(["abandon", "release"]);
    expect(server.listening).toBe(false);
    expect(lines.map((l) => l.msg)).toEqual(["shutting down: finishing requests in flight", "stopped"]);
  });

  it("logs a database close() that rejects and exits 1, without an unhandled rejection", async () => {
    const { code, exits, lines } = await run({
      release: () => Promise.reject(new Error("database is locked")),
    });
    expect(code).toBe(1);
    expect(exits).toEqual([1]);
    const failure = lines.find((l) => l.msg === "shutting down: closing the database failed");
    expect(failure?.err?.message).toBe("database is locked");
    expect(failure?.level).toBe(50);
    expect(lines.at(-1)?.msg).toBe("stopped after an error");
  });

  it("logs a renderer close() that rejects, still releases the database, and exits 1", async () => {
    const released: boolean[] = [];
    const { code, lines } = await run({
      abandon: () => Promise.reject(new Error("worker would not stop")),
      release: async () => {
        released.push(true);
      },
    });
    expect(code).toBe(1);
    expect(released).toEqual([true]);
    expect(lines.some((l) => l.err?.message === "worker would not stop")).toBe(true);
  });

  it("releases the database only after the request in flight has been answered", async () => {
    const events: string[] = [];
    let answer: () => void = () => {};
    let received: () => void = () => {};
    const requestArrived = new Promise<void>((resolve) => {
      received = resolve;
    });
    const { server, closer, port } = await listening((_req, res) => {
      res.on("finish", () => events.push("answered"));
      answer = () => res.end("late but whole");
      received();
    });
    const { logger } = captured();
    const response = new Promise<string>((resolve, reject) => {
      http
        .get({ port, host: "127.0.0.1", agent: false }, (res) => {
          let body = "";
          res.on("data", (chunk) => {
            body += chunk;
          });
          res.on("end", () => resolve(body));
        })
        .on("error", reject);
    });
    await requestArrived;
    const stopping = shutDown("SIGTERM", {
      server,
      closer,
      logger,
      abandon: async () => {},
      release: async () => {
        events.push("release");
      },
      forceAfterMs: 5000,
      exit: () => {},
    });
    // The signal came while the request was in flight: the database must wait for its answer.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toEqual([]);
    answer();
    expect(await response).toBe("late but whole");
    expect(await stopping).toBe(0);
    expect(events).toEqual(["answered", "release"]);
  });
});

describe("exitOnStrayRejection", () => {
  it("logs the reason as fatal, then exits 1", async () => {
    const { logger, lines } = captured();
    const exited = new Promise<number>((resolve) => {
      exitOnStrayRejection(logger, resolve)(new Error("nobody awaited me"));
    });
    expect(await exited).toBe(1);
    expect(lines).toEqual([
      expect.objectContaining({ level: 60, msg: expect.stringContaining("unhandled promise rejection") }),
    ]);
    expect(lines[0]?.err?.message).toBe("nobody awaited me");
  });
});
