// Golden files: generated text compared byte for byte with a file under
// test/golden/. A missing golden file fails the test. One switch refreshes them
// on purpose: `UPDATE_GOLDEN=1 npx vitest run …` writes the actual text instead
// of comparing; review `git diff test/golden` like code before committing.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

// Computed here, not imported from src/data: unit tests stay free of the database layer.
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export const goldenRoot = path.join(projectRoot, "test", "golden");
export const updatingGoldens = process.env.UPDATE_GOLDEN === "1";

/** Compares `actual` with test/golden/<name> (e.g. "export/small.json"), or writes it under UPDATE_GOLDEN=1. */
export function expectGolden(name: string, actual: string): void {
  const file = path.join(goldenRoot, name);
  if (updatingGoldens) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) {
    throw new Error(
      `missing golden file ${path.relative(projectRoot, file)}: create it on purpose with UPDATE_GOLDEN=1`,
    );
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}
