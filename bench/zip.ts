// Benchmark (docs/benchmarks.md): time to stream a project's iptables and
// nftables ZIP archives over HTTP from the built server, and the server's
// memory, for the large and huge presets' dual-stack data sets. Memory must
// not grow with the archive (it is streamed, its rows read a batch of entities
// at a time): the budget is the huge preset's peak within 30 MiB of the large
// preset's, and the nftables archive within 1.3× of the iptables one's time.
// Each preset and format runs on BENCH_ROUNDS fresh servers (default 3), three
// downloads each; a shared machine moves single figures by tens of MiB, so the
// table shows medians of the rounds (peaks) and the best download (time).
import { machine, table } from "./support.js";
import { best, measureZip, type ZipRun } from "./zip-measure.js";

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

interface Row {
  preset: string;
  format: string;
  runs: ZipRun[];
}

const rows: Row[] = [];
for (const preset of ["large", "huge"]) {
  for (const format of ["iptables", "nftables"] as const) {
    const runs: ZipRun[] = [];
    for (let i = 0; i < rounds; i++) runs.push(await measureZip(preset, format));
    rows.push({ preset, format, runs });
  }
}

const time = (row: Row) => Math.min(...row.runs.map(best));
const first = (row: Row) => median(row.runs.map((r) => r.peakFirst));
const all = (row: Row) => median(row.runs.map((r) => r.peak));

console.log(`\nProject ZIP over HTTP (built server, SQLite, dual-stack data sets) on ${machine()}, ${rounds} rounds`);
console.log(
  table([
    [
      "preset",
      "format",
      "entries",
      "first (ms, median)",
      "best (ms)",
      "ZIP size (KiB)",
      "RSS before (MiB)",
      "peak RSS, 1st download (MiB)",
      "peak RSS, 3 downloads (MiB)",
    ],
    ...rows.map((row) => {
      const r = row.runs[0] as ZipRun;
      return [
        row.preset,
        row.format,
        r.entries,
        median(row.runs.map((run) => run.timings[0] ?? 0)).toFixed(0),
        time(row).toFixed(0),
        (r.bytes / 1024).toFixed(0),
        median(row.runs.map((run) => run.rssBefore)).toFixed(0),
        first(row).toFixed(0),
        all(row).toFixed(0),
      ];
    }),
  ]),
);

const find = (preset: string, format: string) => rows.find((r) => r.preset === preset && r.format === format) as Row;
const ratio = time(find("huge", "nftables")) / time(find("huge", "iptables"));
console.log(`\nhuge: nftables / iptables time (best): ${ratio.toFixed(2)} (budget ≤ 1.3)`);
for (const format of ["iptables", "nftables"]) {
  const [huge, large] = [find("huge", format), find("large", format)];
  console.log(
    `${format}: peak RSS huge − large: 1st download ${(first(huge) - first(large)).toFixed(1)} MiB,` +
      ` 3 downloads ${(all(huge) - all(large)).toFixed(1)} MiB (budget ≤ 30)`,
  );
}
