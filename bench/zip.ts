// Benchmark (docs/benchmarks.md, issue 4): time to stream a project's ZIP archive over
// HTTP from the built server, and the server's memory, for the large and huge
// presets. Memory must not grow with the archive (it is streamed).
import { datasetDatabase, login, machine, startServer, table } from "./support.js";

async function measure(preset: string) {
  const url = await datasetDatabase(["--preset", preset]);
  const server = await startServer(url);
  try {
    const cookie = await login(server.url);
    const before = server.residentMiB();
    const timings: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      const res = await fetch(`${server.url}/projects/1/iptables.zip`, { headers: { cookie } });
      const body = new Uint8Array(await res.arrayBuffer());
      timings.push(performance.now() - start);
      bytes = body.length;
      if (res.status !== 200) throw new Error(`ZIP answered ${res.status}`);
    }
    return {
      preset,
      best: Math.min(...timings),
      first: timings[0] ?? 0,
      bytes,
      rssBefore: before,
      peak: server.peakMiB(),
      rssAfter: server.residentMiB(),
    };
  } finally {
    await server.stop();
  }
}

const results = [await measure("large"), await measure("huge")];
console.log(`\nProject ZIP over HTTP (built server, SQLite) on ${machine()}`);
console.log(
  table([
    [
      "preset",
      "first (ms)",
      "best of 3 (ms)",
      "ZIP size (KiB)",
      "RSS before (MiB)",
      "peak RSS (MiB)",
      "RSS after (MiB)",
    ],
    ...results.map((r) => [
      r.preset,
      r.first.toFixed(0),
      r.best.toFixed(0),
      (r.bytes / 1024).toFixed(0),
      r.rssBefore.toFixed(0),
      r.peak.toFixed(0),
      r.rssAfter.toFixed(0),
    ]),
  ]),
);
