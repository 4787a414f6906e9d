// The project page at scale (docs/usage.md, "Data lists"): the huge preset's
// project page (2,000 entities, 20,000 communications) through the built
// server, cold and warm, with the server's peak RSS; the large preset's page
// size and the first page of its communications list alongside. Budgets: the
// huge page under 1 s and 300 MB RSS, the large page under 300 KB of HTML.
//
//   npm run build && npx tsx bench/project-page.ts [--preset large|huge]...
import { datasetDatabase, login, machine, startServer, table } from "./support.js";

const args = process.argv.slice(2);
const presets = args.flatMap((arg, i) => (args[i - 1] === "--preset" ? [arg] : []));
const cases = presets.length > 0 ? presets : ["large", "huge"];

async function timed(url: string, cookie: string): Promise<{ ms: number; bytes: number; status: number }> {
  const start = performance.now();
  const res = await fetch(url, { headers: { cookie } });
  const text = await res.text();
  return { ms: performance.now() - start, bytes: Buffer.byteLength(text), status: res.status };
}

const rows: (string | number)[][] = [
  ["preset", "page", "status", "cold ms", "warm ms (best of 5)", "KB", "peak RSS MiB"],
];
for (const preset of cases) {
  const database = await datasetDatabase(["--preset", preset, "--projects", "1"]);
  const server = await startServer(database);
  try {
    const cookie = await login(server.url);
    for (const [name, path] of [
      ["project", "/projects/1"],
      ["communications list", "/communications?project=1"],
      ["diagram page", "/projects/1/diagram"],
    ] as const) {
      const cold = await timed(`${server.url}${path}`, cookie);
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 5; i++) best = Math.min(best, (await timed(`${server.url}${path}`, cookie)).ms);
      rows.push([
        preset,
        name,
        cold.status,
        cold.ms.toFixed(0),
        best.toFixed(0),
        (cold.bytes / 1024).toFixed(0),
        server.peakMiB().toFixed(0),
      ]);
    }
  } finally {
    await server.stop();
  }
}
console.log(machine());
console.log(table(rows));
