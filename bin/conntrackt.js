#!/usr/bin/env node
// Launcher of the `conntrackt` command (package.json "bin"). Runs the compiled
// CLI (dist/, from `npm run build`) when it is there and not older than the
// sources; otherwise the TypeScript sources through tsx, so a fresh clone
// works right after `npm install`.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const built = path.join(root, "dist", "src", "cli", "index.js");
const source = path.join(root, "src", "cli", "index.ts");

/** Newest modification time of the TypeScript sources (0 when there are none). */
function newestSource(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

async function tsxAvailable() {
  try {
    await import("tsx/esm/api");
    return true;
  } catch {
    return false;
  }
}

const builtIsCurrent = existsSync(built) && statSync(built).mtimeMs >= newestSource(path.join(root, "src"));
let entry = built;
if (!builtIsCurrent && existsSync(source) && (await tsxAvailable())) {
  const { register } = await import("tsx/esm/api");
  register();
  entry = source;
} else if (!existsSync(built)) {
  process.stderr.write("conntrackt: not built and tsx is not installed; run `npm install` or `npm run build`\n");
  process.exit(1);
}
const { runCli } = await import(pathToFileURL(entry).href);
await runCli();
