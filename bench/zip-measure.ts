// What bench/zip.ts and bench/capirca.ts measure of a project ZIP (docs/benchmarks.md):
// downloads over HTTP from the built server, each read to the end, with the
// server's resident memory before, at its peak and after.
import { unzipSync } from "fflate";
import { datasetDatabase, login, startServer } from "./support.js";

export type ZipFormat = "iptables" | "nftables";

export interface ZipRun {
  preset: string;
  format: ZipFormat;
  /** Time of each download, in ms, first one first. */
  timings: number[];
  bytes: number;
  entries: number;
  rssBefore: number;
  /** Peak RSS once the first download is read (a fresh server's first archive). */
  peakFirst: number;
  /** Peak RSS once every download is read. */
  peak: number;
  rssAfter: number;
}

/** The generator's flags for a preset's dual-stack data set (IPv6, ranges, ICMPv6, restricted outgoing traffic). */
export const dualStack = (preset: string) => ["--preset", preset, "--dual-stack"];

/**
 * A database holding the preset's dual-stack data set, made once per preset and
 * run; `BENCH_DB_HUGE=file:/tmp/…/bench.db` (…_LARGE) reuses one made before
 * (the server migrates it at start), as importing the huge preset takes a while.
 */
const databases = new Map<string, Promise<string>>();
export function presetDatabase(preset: string): Promise<string> {
  let url = databases.get(preset);
  if (!url) {
    const given = process.env[`BENCH_DB_${preset.toUpperCase()}`];
    url = given ? Promise.resolve(given) : datasetDatabase(dualStack(preset));
    databases.set(preset, url);
  }
  return url;
}

/**
 * Downloads project 1's ZIP of `format` `times` times from a fresh server on
 * the preset's database (fresh, so its peak memory is this archive's).
 */
export async function measureZip(preset: string, format: ZipFormat, times = 3): Promise<ZipRun> {
  const server = await startServer(await presetDatabase(preset));
  try {
    const cookie = await login(server.url);
    const rssBefore = server.residentMiB();
    const timings: number[] = [];
    let peakFirst = 0;
    let body = new Uint8Array();
    for (let i = 0; i < times; i++) {
      const start = performance.now();
      const res = await fetch(`${server.url}/projects/1/${format}.zip`, { headers: { cookie } });
      body = new Uint8Array(await res.arrayBuffer());
      timings.push(performance.now() - start);
      if (res.status !== 200) throw new Error(`${format}.zip answered ${res.status}`);
      if (i === 0) peakFirst = server.peakMiB();
    }
    return {
      preset,
      format,
      timings,
      bytes: body.length,
      entries: Object.keys(unzipSync(body)).length,
      rssBefore,
      peakFirst,
      peak: server.peakMiB(),
      rssAfter: server.residentMiB(),
    };
  } finally {
    await server.stop();
  }
}

export const best = (run: ZipRun) => Math.min(...run.timings);
