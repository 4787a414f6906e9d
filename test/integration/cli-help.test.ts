// The help texts of `conntrackt` (docs/cli.md) byte for byte against
// test/golden/cli/: the overview and every command's --help. The list comes
// from the command table, so a new command without a golden file fails.
// Refresh on purpose: UPDATE_GOLDEN=1 npx vitest run test/integration/cli-help.test.ts
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands/index.js";
import { runCli } from "../support/cli.js";
import { expectGolden } from "../support/golden.js";

// Help needs no database: a path that does not exist proves none is opened.
const env = { DATABASE_URL: "file:/nonexistent/conntrackt-help.db" };

describe("conntrackt help (golden files)", () => {
  it("conntrackt --help", async () => {
    const r = await runCli(["--help"], { env });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expectGolden("cli/conntrackt.txt", r.stdout);
  });

  it.each(COMMANDS.map((c) => [c.name]))("conntrackt %s --help", async (name) => {
    const r = await runCli([...name.split(" "), "--help"], { env });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expectGolden(`cli/${name.replace(" ", "-")}.txt`, r.stdout);
    // The other spelling prints the same text.
    expect((await runCli(["help", ...name.split(" ")], { env })).stdout).toBe(r.stdout);
  });
});
