// Structured logs (pino): one JSON line per event on stdout.
import { type Logger, pino } from "pino";

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "conntrackt" }, redact: ["req.headers.cookie", "res.headers['set-cookie']"] });
}
