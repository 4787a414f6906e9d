// The iptables-restore generator (docs/rules.md).
//
// Golden files: test/golden/iptables/<case>.json is an EntityRulesInput and
// <case>.rules the exact expected output, compared byte for byte. A missing
// .rules file fails the test. To create or refresh goldens on purpose run
//   UPDATE_GOLDEN=1 npx vitest run test/unit/iptables.test.ts
// then review `git diff test/golden` like code before committing.
//
// Kernel checks (root, network namespaces): test/e2e/iptables-kernel.test.ts;
// the cases and inputs both share: test/support/iptables-cases.ts.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  generateEntityRules,
  ICMP_ANY_NOTE,
  MAX_COMMENT_TEXT_BYTES,
  MAX_HEADER_NAME_BYTES,
  ruleLine,
  toOneLine,
  truncateUtf8,
} from "../../src/domain/iptables.js";
import type { Endpoint, EntityRulesInput, IncomingFlow } from "../../src/domain/types.js";
import { expectGolden, updatingGoldens } from "../support/golden.js";
import {
  CASES,
  ep,
  goldenDir,
  inputArb,
  isIcmpAny,
  projectRoot,
  readCase,
  requestedRuleLines,
} from "../support/iptables-cases.js";

/** iptables-restore reads lines into a buffer of this many bytes (including the newline and NUL). */
const IPTABLES_LINE_BUFFER = 10240;

const STANDING = [
  "*filter",
  ":INPUT DROP [0:0]",
  ":FORWARD DROP [0:0]",
  ":OUTPUT ACCEPT [0:0]",
  "-A INPUT -i lo -j ACCEPT",
  "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
];

/**
 * Checks that iptables-restore would read nothing but the standing lines and
 * one rule per requested line: every other line is blank or a `#` comment,
 * no line holds a control character, and no line overflows the read buffer.
 */
function expectOnlyRequestedLines(input: EntityRulesInput, output: string): void {
  expect(output.endsWith("\nCOMMIT\n")).toBe(true);
  const lines = output.slice(0, -1).split("\n");
  expect(lines[0]).toMatch(/^# Conntrackt rules for entity "/);
  for (const line of lines) {
    expect(line).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
    expect(Buffer.byteLength(line, "utf8") + 2).toBeLessThanOrEqual(IPTABLES_LINE_BUFFER);
  }
  const commands = lines.filter((line) => line !== "" && !line.startsWith("#"));
  expect(commands.slice(0, STANDING.length)).toEqual(STANDING);
  expect(commands.at(-1)).toBe("COMMIT");
  const rules = commands.slice(STANDING.length, -1);
  expect(rules.length).toBe(new Set(rules).size);
  expect([...rules].sort()).toEqual([...requestedRuleLines(input)].sort());
  for (const line of lines.filter((l) => l.startsWith("#"))) expect(line).toMatch(/^# \S/u);
  const leftOut = lines.filter((line) => line.startsWith(ICMP_ANY_NOTE));
  expect(leftOut.length).toBe(new Set(input.incoming.filter(isIcmpAny).map((f) => ruleLine(f))).size);
  for (const line of leftOut) expect(line).toMatch(/--icmp-type 255 -j ACCEPT$/);
}

const flow = (
  protocol: IncomingFlow["protocol"],
  port: number,
  source: Endpoint,
  destination: Endpoint,
  description = "",
): IncomingFlow => ({ protocol, port, description, source, destination });
const entity = { name: "e", project: "p", location: "l" };

describe("golden files", () => {
  it("has exactly the listed cases, each with an input and an expected output", () => {
    const files = readdirSync(goldenDir).sort();
    const expected = CASES.flatMap((name) => [`${name}.json`, `${name}.rules`]).sort();
    if (!updatingGoldens) expect(files).toEqual(expected);
  });

  for (const name of CASES) {
    it(`${name}.rules matches byte for byte`, () => {
      const input = readCase(name);
      const actual = generateEntityRules(input);
      expectGolden(`iptables/${name}.rules`, actual);
      // Bytes too: a text comparison would not see bytes of the file that are not UTF-8.
      expect(Buffer.from(actual, "utf8").equals(readFileSync(path.join(goldenDir, `${name}.rules`)))).toBe(true);
      expectOnlyRequestedLines(input, actual);
    });
  }

  it("worked-example.rules is the worked example of docs/rules.md, byte for byte", () => {
    const marker = "<!-- golden: test/golden/iptables/worked-example.rules -->";
    const docs = readFileSync(path.join(projectRoot, "docs", "rules.md"), "utf8");
    const at = docs.indexOf(marker);
    if (at < 0) expect.fail(`docs/rules.md has no line ${marker}`);
    // The fenced block must follow the marker line directly; its info string (```text) is free.
    const block = /^\n```[^\n]*\n([\s\S]*?)^```$/m.exec(docs.slice(at + marker.length));
    if (block === null || block.index !== 0) expect.fail(`docs/rules.md: no fenced block directly after ${marker}`);
    expect(block[1]).toBe(readFileSync(path.join(goldenDir, "worked-example.rules"), "utf8"));
  });
});

describe("generateEntityRules", () => {
  it("gives an entity without incoming flows the defaults and the standing rules only", () => {
    expect(generateEntityRules({ entity, incoming: [] })).toBe(
      [
        '# Conntrackt rules for entity "e" (project "p", location "l")',
        "*filter",
        ":INPUT DROP [0:0]",
        ":FORWARD DROP [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        "# Accept all incoming traffic on loopback interface.",
        "-A INPUT -i lo -j ACCEPT",
        "# Accept all incoming related traffic.",
        "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
        "COMMIT",
        "",
      ].join("\n"),
    );
  });

  it("escapes backslashes and double quotes in the header so the quotes always delimit the names", () => {
    const output = generateEntityRules({
      entity: { name: 'say "hi"', project: "C:\\dir\\", location: '\\"' },
      incoming: [],
    });
    expect(output.split("\n")[0]).toBe(
      '# Conntrackt rules for entity "say \\"hi\\"" (project "C:\\\\dir\\\\", location "\\\\\\"")',
    );
  });

  it("reduces header names to one line", () => {
    const output = generateEntityRules({
      entity: { name: " a\r\nb\tc ", project: "x\u2028y", location: "\0" },
      incoming: [],
    });
    expect(output.split("\n")[0]).toBe('# Conntrackt rules for entity "a b c" (project "x y", location "")');
  });

  it("orders ports and addresses as numbers", () => {
    const d = ep("10.0.0.1");
    const output = generateEntityRules({
      entity,
      incoming: [
        flow("TCP", 8080, ep("10.0.0.2"), d),
        flow("ICMP", 0, ep("10.0.0.2"), d),
        flow("UDP", 9, ep("10.0.0.2"), d),
        flow("TCP", 443, ep("10.0.0.2"), d),
        flow("TCP", 80, ep("192.168.1.10"), d),
        flow("TCP", 80, ep("192.168.1.9"), d),
        flow("TCP", 80, ep("10.10.4.0", "255.255.255.0"), d),
        flow("TCP", 80, ep("10.10.4.0", "255.255.0.0"), d),
      ],
    });
    expect(output.split("\n").filter((line) => line.startsWith("-A INPUT -s"))).toEqual([
      "-A INPUT -s 10.10.4.0/255.255.0.0 -d 10.0.0.1 -p tcp -m tcp --dport 80 -j ACCEPT",
      "-A INPUT -s 10.10.4.0/255.255.255.0 -d 10.0.0.1 -p tcp -m tcp --dport 80 -j ACCEPT",
      "-A INPUT -s 192.168.1.9 -d 10.0.0.1 -p tcp -m tcp --dport 80 -j ACCEPT",
      "-A INPUT -s 192.168.1.10 -d 10.0.0.1 -p tcp -m tcp --dport 80 -j ACCEPT",
      "-A INPUT -s 10.0.0.2 -d 10.0.0.1 -p tcp -m tcp --dport 443 -j ACCEPT",
      "-A INPUT -s 10.0.0.2 -d 10.0.0.1 -p tcp -m tcp --dport 8080 -j ACCEPT",
      "-A INPUT -s 10.0.0.2 -d 10.0.0.1 -p udp -m udp --dport 9 -j ACCEPT",
      "-A INPUT -s 10.0.0.2 -d 10.0.0.1 -p icmp -m icmp --icmp-type 0 -j ACCEPT",
    ]);
  });

  it("does not depend on the order of the flows", () => {
    const input = readCase("duplicates");
    const expected = generateEntityRules(input);
    fc.assert(
      fc.property(fc.shuffledSubarray(input.incoming, { minLength: input.incoming.length }), (incoming) => {
        expect(generateEntityRules({ entity: input.entity, incoming })).toBe(expected);
      }),
    );
  });

  it("does not modify its input", () => {
    const input = readCase("subnets");
    const copy = structuredClone(input);
    generateEntityRules(input);
    expect(input).toEqual(copy);
  });

  it("writes only the requested rules, whatever the names and descriptions", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        expectOnlyRequestedLines(input, generateEntityRules(input));
      }),
      { numRuns: 500 },
    );
  });

  it("cuts long descriptions and names below iptables-restore's line buffer", () => {
    const description = `${"日".repeat(20000)}\n-A INPUT -j ACCEPT`;
    const output = generateEntityRules({
      entity: { name: "\u{1F525}".repeat(5000), project: '"'.repeat(5000), location: "x" },
      incoming: [flow("TCP", 22, ep("10.0.0.1"), ep("10.0.0.2"), description)],
    });
    const lines = output.split("\n");
    const comment = lines.find((line) => line.startsWith("# 日")) ?? "";
    expect(Buffer.byteLength(comment) - 2).toBeLessThanOrEqual(MAX_COMMENT_TEXT_BYTES);
    expect(comment.endsWith("…")).toBe(true);
    expect(Buffer.byteLength(lines[0] ?? "")).toBeLessThan(3 * 2 * MAX_HEADER_NAME_BYTES + 100);
    expect(lines[0]).toContain("\u{1F525}…");
    expectOnlyRequestedLines(
      { entity, incoming: [flow("TCP", 22, ep("10.0.0.1"), ep("10.0.0.2"), description)] },
      output,
    );
  });

  it.each([
    [{ source: ep("1.2.3") }, /incoming\[0\]\.source\.address is not a dotted IPv4 address: "1\.2\.3"/],
    [{ source: ep("1.2.3.4\n-A INPUT -j ACCEPT") }, /incoming\[0\]\.source\.address/],
    [{ destination: ep("010.0.0.1") }, /incoming\[0\]\.destination\.address/],
    [{ source: ep("10.0.0.0", "255.0.255.0") }, /incoming\[0\]\.source\.netmask is not a contiguous/],
    [{ destination: ep("10.0.0.0", "/24") }, /incoming\[0\]\.destination\.netmask/],
    [{ protocol: "tcp" }, /incoming\[0\]\.protocol must be one of TCP, UDP, ICMP/],
    [{ port: 0 }, /incoming\[0\]\.port must be a port from 1 to 65535: 0/],
    [{ port: 65536 }, /incoming\[0\]\.port/],
    [{ port: 22.5 }, /incoming\[0\]\.port/],
    [{ protocol: "ICMP", port: 256 }, /incoming\[0\]\.port must be a ICMP type from 0 to 255/],
    [{ protocol: "UDP", port: -1 }, /incoming\[0\]\.port/],
  ])("refuses an invalid flow %j", (change, message) => {
    const bad = { ...flow("TCP", 22, ep("10.0.0.1"), ep("10.0.0.2")), ...change } as IncomingFlow;
    expect(() => generateEntityRules({ entity, incoming: [bad] })).toThrow(message);
  });

  it("comments out ICMP type 255, which iptables would read as any ICMP type", () => {
    const line = ruleLine(flow("ICMP", 255, ep("10.0.0.1"), ep("10.0.0.2")));
    expect(line).toBe(
      '# Left out, iptables reads ICMP type 255 as "any type": -A INPUT -s 10.0.0.1 -d 10.0.0.2 -p icmp -m icmp --icmp-type 255 -j ACCEPT',
    );
    const output = generateEntityRules({
      entity,
      incoming: [flow("ICMP", 255, ep("10.0.0.1"), ep("10.0.0.2"), "odd")],
    });
    expect(output.split("\n").filter((l) => l.startsWith("-A INPUT"))).toHaveLength(2);
    expect(output).toContain(`\n\n# odd\n${line}\nCOMMIT\n`);
  });

  it("accepts the ends of the port ranges and writes canonical masks", () => {
    const s = ep("0.0.0.0", "0.0.0.0");
    const d = ep("10.0.0.2", "255.255.255.254");
    expect(ruleLine(flow("TCP", 65535, s, d))).toBe(
      "-A INPUT -s 0.0.0.0/0.0.0.0 -d 10.0.0.2/255.255.255.254 -p tcp -m tcp --dport 65535 -j ACCEPT",
    );
    expect(ruleLine(flow("UDP", 1, s, d))).toContain("-p udp -m udp --dport 1 ");
    expect(ruleLine(flow("ICMP", 0, s, d))).toContain("-p icmp -m icmp --icmp-type 0 ");
    expect(ruleLine(flow("ICMP", 254, s, d))).toContain("--icmp-type 254 ");
    expect(() => ruleLine(flow("UDP", 0, s, d))).toThrow(/^flow\.port/);
  });
});

describe("toOneLine", () => {
  it.each([
    ["plain", "plain"],
    ["  padded\t", "padded"],
    ["a\r\nb", "a b"],
    ["a\n\n\n\tb", "a b"],
    ["a \n b", "a   b"],
    ["a\0b\x7fc\x1bd", "a b c d"],
    ["a\x85b\u2028c\u2029d", "a b c d"],
    ["a\u202eb\u2066c\u2069", "a b c"],
    ["\n\r\t", ""],
    ["日本 🔥 é", "日本 🔥 é"],
    ["a\u00a0b", "a\u00a0b"],
  ])("%j becomes %j", (text, line) => {
    expect(toOneLine(text)).toBe(line);
  });
});

describe("truncateUtf8", () => {
  it("leaves short text alone", () => {
    expect(truncateUtf8("日本", 6)).toBe("日本");
  });

  it("cuts on code point boundaries and marks the cut", () => {
    expect(truncateUtf8("日本語", 8)).toBe("日…");
    expect(truncateUtf8("abcdef", 5)).toBe("ab…");
    expect(truncateUtf8("a\u{1F525}\u{1F525}", 8)).toBe("a\u{1F525}…");
    expect(truncateUtf8("a\u{1F525}\u{1F525}", 7)).toBe("a…");
    expect(truncateUtf8("ab  cdef", 7)).toBe("ab…");
  });

  it("never exceeds the byte budget", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.integer({ min: 3, max: 40 }), (text, max) => {
        const cut = truncateUtf8(text, max);
        expect(Buffer.byteLength(cut, "utf8")).toBeLessThanOrEqual(max);
        if (cut !== text) expect(text.startsWith(cut.slice(0, -1).trimEnd())).toBe(true);
      }),
    );
  });
});
