// Serves the real application (createApp on a fresh SQLite file, as in
// test/support/app.ts) over HTTP for tests that need a real client: a browser,
// or any tool that cannot use supertest's in-process agent.
import type { AddressInfo } from "node:net";
import { createTestContext, type TestContext, type TestContextOptions } from "./app.js";

export interface TestServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234 */
  url: string;
  ctx: TestContext;
  /** Stops accepting connections, drops open ones, then closes the app and its database. */
  close(): Promise<void>;
}

export async function startTestServer(options: TestContextOptions = {}): Promise<TestServer> {
  const ctx = await createTestContext(options);
  // Port 0: the kernel picks a free port, so parallel test files never collide.
  const server = await new Promise<ReturnType<typeof ctx.app.listen>>((resolve, reject) => {
    const s = ctx.app.listen(0, "127.0.0.1", (error?: Error) => (error ? reject(error) : resolve(s)));
    s.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  let closed = false;
  return {
    url: `http://127.0.0.1:${port}`,
    ctx,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Browsers keep idle keep-alive connections; without this close() waits for them.
        server.closeAllConnections();
      });
      await ctx.close();
    },
  };
}
