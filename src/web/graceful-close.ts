// Stops an HTTP server without cutting any response short. Node's own
// `server.close()` (v19+) first destroys every connection whose request has
// been read and whose response has *ended*, even when part of that response is
// still queued for a slow client: a page or ZIP download then arrives silently
// truncated. Here the listener closes at once (new connections are refused),
// idle keep-alive connections are ended, and every other connection is ended
// only once its last response has been handed to the operating system.
// `shutDown` is the whole stop sequence of src/server.ts around it, written so
// that no step can reject unobserved: a failure is logged and turns into a
// non-zero exit status instead of an unhandled rejection.
import type { Server } from "node:http";
import { Server as NetServer, type Socket } from "node:net";
import type { Logger } from "../logger.js";

export interface GracefulClose {
  /** Stops listening; resolves when every connection has closed. */
  close(): Promise<void>;
}

/** Call right after `listen`, before any connection arrives. */
export function gracefulClose(server: Server): GracefulClose {
  const sockets = new Set<Socket>();
  /** Responses not yet fully handed to the OS, per connection. */
  const sending = new Map<Socket, number>();
  let closing = false;

  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      sending.delete(socket);
    });
  });
  server.on("request", (req, res) => {
    const socket = req.socket;
    sending.set(socket, (sending.get(socket) ?? 0) + 1);
    // A request that arrives on an open connection while closing: the client must not send another.
    if (closing && !res.headersSent) res.setHeader("Connection", "close");
    // `close` follows `finish`, which comes once the last byte has left for the OS (or the client went away).
    res.once("close", () => {
      const left = (sending.get(socket) ?? 1) - 1;
      if (left > 0) {
        sending.set(socket, left);
        return;
      }
      sending.delete(socket);
      if (closing) socket.end();
    });
  });

  return {
    close() {
      closing = true;
      return new Promise<void>((resolve) => {
        // net.Server's close: stop listening and wait for the connections, without http.Server's eager destroy.
        NetServer.prototype.close.call(server, () => resolve());
        for (const socket of sockets) if (!sending.has(socket)) socket.end();
      });
    },
  };
}

export interface ShutdownSteps {
  server: Server;
  closer: GracefulClose;
  logger: Pick<Logger, "info" | "warn" | "error" | "flush">;
  /** Work abandoned at once rather than awaited (the diagram renderer's layouts). */
  abandon: () => Promise<void>;
  /** Runs once every connection has closed (the database). */
  release: () => Promise<void>;
  /** Connections still open this long after the signal are closed by force. */
  forceAfterMs: number;
  /** Ends the process; given 0, or 1 when a step failed. */
  exit: (code: number) => void;
}

/**
 * Stops the server: refuses new connections, lets requests in flight finish
 * (closing them by force after `forceAfterMs`), then releases the database,
 * logs, and exits. Resolves with the exit code it passed to `exit`.
 */
export async function shutDown(signal: string, steps: ShutdownSteps): Promise<number> {
  const { server, closer, logger } = steps;
  const force = setTimeout(() => {
    logger.warn(`requests still running after ${Math.round(steps.forceAfterMs / 1000)} s; closing anyway`);
    server.closeAllConnections();
  }, steps.forceAfterMs);
  force.unref();
  const closed = closer.close();
  // Logged once the listener is closed: from here on new connections are refused.
  logger.info({ signal }, "shutting down: finishing requests in flight");
  let code = 0;
  const attempt = async (what: string, step: () => Promise<void>) => {
    try {
      await step();
    } catch (err) {
      code = 1;
      logger.error({ err }, `shutting down: ${what} failed`);
    }
  };
  await Promise.all([attempt("abandoning background work", steps.abandon), closed]);
  clearTimeout(force);
  await attempt("closing the database", steps.release);
  if (code === 0) logger.info("stopped");
  else logger.warn({ exitCode: code }, "stopped after an error");
  // pino writes asynchronously: let every line reach stdout, in order, before exiting.
  await new Promise<void>((resolve) => {
    logger.flush(() => resolve());
  });
  steps.exit(code);
  return code;
}

/**
 * The process's `unhandledRejection` listener: a promise nobody awaited failed,
 * which is a bug (every known path handles its errors). It does not keep the
 * process running in a state nobody planned for: like Node's default it exits
 * with status 1, but first writes the reason to the structured log, where
 * operators look, rather than only to standard error.
 */
export function exitOnStrayRejection(
  logger: Pick<Logger, "fatal" | "flush">,
  exit: (code: number) => void,
): (reason: unknown) => void {
  return (reason) => {
    logger.fatal({ err: reason }, "unhandled promise rejection (a bug); exiting");
    logger.flush(() => exit(1));
  };
}
