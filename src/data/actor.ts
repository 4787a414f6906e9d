// Who is changing data, for the change history (docs/usage.md "Change
// history"). The web, the API and the command line each run their work
// inside `withActor`, so the data functions name the actor without every
// caller passing it: the web and the API the logged-in or token user (read
// when the write starts, so the API's token user counts), the command line
// `cli` or the operating-system user. Writes outside any of them (scripts,
// tests that call the data layer directly) record SYSTEM_ACTOR.
import { AsyncLocalStorage } from "node:async_hooks";

export const SYSTEM_ACTOR = "system";

const storage = new AsyncLocalStorage<() => string>();

/** Runs fn with `actor` (a name, or a function read at each write) as the actor of every write it makes. */
export function withActor<T>(actor: string | (() => string), fn: () => T): T {
  return storage.run(typeof actor === "string" ? () => actor : actor, fn);
}

/** The actor of the write about to start. */
export function currentActor(): string {
  const actor = storage.getStore();
  return actor ? actor() : SYSTEM_ACTOR;
}
