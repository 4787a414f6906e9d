// Stops an HTTP server without cutting any response short. Node's own
// `server.close()` (v19+) first destroys every connection whose request has
// been read and whose response has *ended*, even when part of that response is
// still queued for a slow client: a page or ZIP download then arrives silently
// truncated. Here the listener closes at once (new connections are refused),
// idle keep-alive connections are ended, and every other connection is ended
// only once its last response has been handed to the operating system.
import type { Server } from "node:http";
import { Server as NetServer, type Socket } from "node:net";

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
