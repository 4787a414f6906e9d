// The worked examples of docs/rules.md are the generators' output, byte for
// byte: the dual-stack example's input (test/golden/rules-doc/worked-example.json)
// gives the three files of test/golden/rules-doc/, and each fenced block that
// follows a `<!-- golden: PATH -->` line in docs/rules.md equals the golden
// file it names (the IPv4 example of the first version included). Refresh the
// goldens on purpose with
//   UPDATE_GOLDEN=1 npx vitest run --project unit test/unit/rules-doc.test.ts
// and copy the new text into docs/rules.md.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { generateEntityIp6Rules } from "../../src/domain/ip6tables.js";
import { generateEntityRules } from "../../src/domain/iptables.js";
import { generateEntityNftRules } from "../../src/domain/nftables.js";
import type { EntityRulesInput } from "../../src/domain/types.js";
import { expectGolden, goldenRoot } from "../support/golden.js";

const docsFile = path.join(goldenRoot, "..", "..", "docs", "rules.md");
const input = JSON.parse(
  readFileSync(path.join(goldenRoot, "rules-doc", "worked-example.json"), "utf8"),
) as EntityRulesInput;

/** Every `<!-- golden: PATH -->` marker of docs/rules.md with the fenced block right after it. */
function markedBlocks(docs: string): { golden: string; block: string | null }[] {
  const found: { golden: string; block: string | null }[] = [];
  for (const marker of docs.matchAll(/^<!-- golden: test\/golden\/(\S+) -->$/gm)) {
    const rest = docs.slice((marker.index ?? 0) + marker[0].length);
    // The fenced block must follow the marker line directly; its info string (```text) is free.
    const block = /^\n```[^\n]*\n([\s\S]*?)^```$/m.exec(rest);
    found.push({
      golden: marker[1] as string,
      block: block !== null && block.index === 0 ? (block[1] as string) : null,
    });
  }
  return found;
}

describe("docs/rules.md worked examples", () => {
  it.each([
    ["web_1-iptables.conf", generateEntityRules],
    ["web_1-ip6tables.conf", generateEntityIp6Rules],
    ["web_1.nft", generateEntityNftRules],
  ])("the dual-stack example's %s is the generator's output", (file, generate) => {
    expectGolden(`rules-doc/${file}`, generate(input));
  });

  it("shows each golden file byte for byte after its marker, one example per file", () => {
    const blocks = markedBlocks(readFileSync(docsFile, "utf8"));
    expect(blocks.map((b) => b.golden).sort()).toEqual([
      "iptables/worked-example.rules",
      "rules-doc/web_1-ip6tables.conf",
      "rules-doc/web_1-iptables.conf",
      "rules-doc/web_1.nft",
    ]);
    for (const { golden, block } of blocks) {
      if (block === null) expect.fail(`docs/rules.md: no fenced block directly after the marker of ${golden}`);
      expect(block, golden).toBe(readFileSync(path.join(goldenRoot, golden), "utf8"));
    }
  });
});
