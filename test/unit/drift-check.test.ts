// checkDrift (src/domain/drift/check.ts, docs/drift.md): host output captured
// from a kernel (test/fixtures/drift/, capture.sh there) against the golden
// generated files it was loaded from, the differences of a drifted host, the
// refusals, and random inputs.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkDrift, type GeneratedFiles, MAX_HOST_RULES_BYTES } from "../../src/domain/drift/check.js";
import { DriftInputError } from "../../src/domain/drift/types.js";
import { generateEntityIp6Rules } from "../../src/domain/ip6tables.js";
import { generateEntityRules } from "../../src/domain/iptables.js";
import { generateEntityNftRules } from "../../src/domain/nftables.js";
import type { FirewallInput } from "../../src/domain/types.js";
import { inputArb } from "../support/firewall-v2.js";

const root = new URL("../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");
const goldenFiles = (name: string): GeneratedFiles => ({
  iptables: read(`golden/iptables-v2/${name}.rules`),
  ip6tables: read(`golden/ip6tables/${name}.rules`),
  nftables: read(`golden/nftables/${name}.nft`),
});
const generated = (input: FirewallInput): GeneratedFiles => ({
  iptables: generateEntityRules(input),
  ip6tables: generateEntityIp6Rules(input),
  nftables: generateEntityNftRules(input),
});
const inSync = (format: string) => ({ inSync: true, format, policies: [], missing: [], extra: [] });

describe("checkDrift against what a kernel printed", () => {
  const captured: [string, string, string][] = [];
  for (const name of ["dual-stack", "restrict-outgoing", "hostile", "no-flows"]) {
    captured.push(
      [name, `${name}.iptables-nft-save.txt`, "iptables"],
      [name, `${name}.ip6tables-nft-save.txt`, "ip6tables"],
      [name, `${name}.nft.json`, "nftables"],
    );
  }
  captured.push(
    ["dual-stack", "dual-stack.iptables-legacy-save.txt", "iptables"],
    ["dual-stack", "dual-stack.ip6tables-legacy-save.txt", "ip6tables"],
  );
  it.each(captured)("%s: %s is in sync", (name, fixture, format) => {
    expect(checkDrift(goldenFiles(name), read(`fixtures/drift/${fixture}`))).toEqual(inSync(format));
  });

  it("a drifted IPv4 host: the changed policy, the deleted rule and every added one, unread ones named", () => {
    expect(checkDrift(goldenFiles("dual-stack"), read("fixtures/drift/drifted.iptables-nft-save.txt"))).toEqual({
      inSync: false,
      format: "iptables",
      policies: [{ chain: "OUTPUT", model: ":OUTPUT ACCEPT", host: ":OUTPUT DROP" }],
      missing: [
        {
          chain: "INPUT",
          where: "line 14",
          rule: "-A INPUT -s 192.168.1.2 -d 192.168.1.1 -p tcp -m tcp --dport 22:23 -j ACCEPT",
        },
      ],
      extra: [
        { chain: "INPUT", where: "line 9", rule: "-A INPUT -p tcp -m multiport --dports 22,80,8000:8100 -j ACCEPT" },
        {
          chain: "INPUT",
          where: "line 13",
          rule: '-A INPUT -s 10.9.9.9/32 -p tcp -m tcp --dport 8080 -m comment --comment "say \\"hi\\" \\\\ -j DROP" -j ACCEPT',
        },
        {
          chain: "INPUT",
          where: "line 14",
          rule: "-A INPUT -p icmp -m icmp --icmp-type 8 -m limit --limit 5/sec -j ACCEPT",
          unread: "-m limit",
        },
        {
          chain: "INPUT",
          where: "line 15",
          rule: "-A INPUT -j REJECT --reject-with icmp-host-prohibited",
          unread: "-j REJECT",
        },
        { chain: "FORWARD", where: "line 16", rule: "-A FORWARD -j audit", unread: "-j audit" },
      ],
    });
  });

  it("a drifted IPv6 host: one missing and one extra rule", () => {
    expect(checkDrift(goldenFiles("dual-stack"), read("fixtures/drift/drifted.ip6tables-nft-save.txt"))).toEqual({
      inSync: false,
      format: "ip6tables",
      policies: [],
      missing: [
        { chain: "INPUT", where: "line 18", rule: "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 143 -j ACCEPT" },
      ],
      extra: [{ chain: "INPUT", where: "line 21", rule: "-A INPUT -s fd00:9::/64 -p tcp -m tcp --dport 22 -j ACCEPT" }],
    });
  });

  it("a drifted nft host: policies, an extra base chain, the deleted rule, added rules as nft shows them", () => {
    expect(checkDrift(goldenFiles("dual-stack"), read("fixtures/drift/drifted.nft.json"))).toEqual({
      inSync: false,
      format: "nftables",
      policies: [
        {
          chain: "forward",
          model: "chain forward { type filter hook forward priority filter; policy drop; }",
          host: "chain forward { type filter hook forward priority filter; policy accept; }",
        },
        {
          chain: "early",
          model: null,
          host: "chain early { type filter hook input priority filter - 10; policy accept; }",
        },
      ],
      missing: [
        { chain: "input", where: "line 19", rule: "ip saddr 192.168.1.2 ip daddr 192.168.1.1 tcp dport 22-23 accept" },
      ],
      extra: [
        {
          chain: "input",
          where: "handle 20",
          rule: "ip saddr { 10.0.0.0/8, 192.168.1.5 } tcp dport { 22, 443 } counter accept",
        },
        { chain: "input", where: "handle 21", rule: "tcp dport 8080 accept" },
        {
          chain: "input",
          where: "handle 22",
          rule: 'ip6 saddr fd00::/8 ip6 daddr fd00:1::1 tcp dport 22 log prefix "ssh " accept',
          unread: "log",
        },
        {
          chain: "input",
          where: "handle 24",
          rule: "ip saddr @admins accept",
          unread: "sources in the named set @admins",
        },
        { chain: "early", where: "handle 26", rule: "meta nfproto ipv4 udp dport 53 drop" },
      ],
    });
  });
});

describe("checkDrift: spellings and parts", () => {
  const files = goldenFiles("dual-stack");
  const v4 = files.iptables;

  it("takes a model rule written as a list element on the host as that rule, and shows only the rest", () => {
    const host = v4
      .replace("-A INPUT -s 10.10.4.0/255.255.255.0 -d 192.168.1.1 -p tcp -m tcp --dport 22 -j ACCEPT\n", "")
      .replace(
        "COMMIT",
        "-A INPUT -s 10.10.4.0/24 -d 192.168.1.1/32 -p tcp -m multiport --dports 22,25 -j ACCEPT\nCOMMIT",
      );
    expect(checkDrift(files, `# Generated by iptables-save v1.8.9\n${host}`)).toEqual({
      ...inSync("iptables"),
      inSync: false,
      extra: [
        {
          chain: "INPUT",
          where: expect.stringMatching(/^line \d+$/),
          rule: "-A INPUT -s 10.10.4.0/24 -d 192.168.1.1/32 -p tcp -m tcp --dport 25 -j ACCEPT",
        },
      ],
    });
  });

  it("reports a model rule the host holds only in part as the missing part", () => {
    const host = v4.replace(
      "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
      "-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT",
    );
    expect(checkDrift(files, `# Generated by iptables-save\n${host}`).missing).toEqual([
      { chain: "INPUT", where: "line 9", rule: "-A INPUT -m state --state RELATED -j ACCEPT" },
    ]);
  });

  it("compares rules as sets: order and repetition are no difference", () => {
    const lines = v4.split("\n");
    const rules = lines.filter((l) => l.startsWith("-A "));
    const host = ["# Generated by iptables-save", "*filter", ...lines.filter((l) => l.startsWith(":"))];
    host.push(...[...rules].reverse(), rules[0] as string, "COMMIT", "");
    expect(checkDrift(files, host.join("\n"))).toEqual(inSync("iptables"));
  });

  it("reads a host with no filter table as one whose chains are missing", () => {
    const result = checkDrift(
      files,
      "# Generated by iptables-nft-save v1.8.9\n*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n",
    );
    expect(result.policies).toEqual([
      { chain: "INPUT", model: ":INPUT DROP", host: null },
      { chain: "FORWARD", model: ":FORWARD DROP", host: null },
      { chain: "OUTPUT", model: ":OUTPUT ACCEPT", host: null },
    ]);
    expect(result.missing.map((m) => m.rule)).toEqual(v4.split("\n").filter((l) => l.startsWith("-A ")));
  });

  it("reads a host without the conntrackt table as one missing every chain and rule", () => {
    const result = checkDrift(files, JSON.stringify({ nftables: [{ metainfo: { json_schema_version: 1 } }] }));
    expect(result.policies.map((p) => [p.chain, p.host])).toEqual([
      ["input", null],
      ["forward", null],
      ["output", null],
    ]);
    expect(result.missing[0]).toEqual({ chain: "input", where: "line 9", rule: 'iif "lo" accept' });
    expect(result.extra).toEqual([]);
  });
});

describe("checkDrift: refusals", () => {
  const files = goldenFiles("dual-stack");
  const refusal = (text: string) => {
    try {
      checkDrift(files, text);
    } catch (error) {
      expect(error).toBeInstanceOf(DriftInputError);
      return (error as Error).message;
    }
    throw new Error("not refused");
  };

  it("says what to paste instead of text that is none of the three formats", () => {
    expect(refusal(" \n\t\n")).toBe(
      "the host rules are empty: paste the output of iptables-save, ip6tables-save or nft -j list ruleset as the host prints it",
    );
    expect(refusal("table inet conntrackt {\n\tchain input {\n\t}\n}\n")).toBe(
      "this is nft list ruleset text: paste the JSON that nft -j list ruleset prints",
    );
    expect(refusal("-P INPUT DROP\n-A INPUT -i lo -j ACCEPT\n")).toBe(
      "this looks like iptables -S output: paste what iptables-save (or ip6tables-save) prints",
    );
    expect(refusal("Chain INPUT (policy DROP)\ntarget prot opt source destination\n")).toBe(
      'this is not the output of iptables-save, ip6tables-save or nft -j list ruleset: it starts with "Chain INPUT (policy DROP)"',
    );
  });

  it("does not guess the family of save output that does not say it", () => {
    expect(refusal("*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n")).toBe(
      "the text does not say whether it is iptables-save or ip6tables-save output: keep its first line (# Generated by …)",
    );
    expect(
      refusal(
        "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.1/32 -j ACCEPT\n-A INPUT -s fd00::1/128 -j ACCEPT\nCOMMIT\n",
      ),
    ).toBe("the text has both IPv4 and IPv6 rules: paste the output of iptables-save or of ip6tables-save, not both");
    expect(
      refusal(
        `# Generated by iptables-save v1.8.9\n${files.iptables}# Generated by ip6tables-save v1.8.9\n${files.ip6tables}`,
      ),
    ).toBe("the text has both IPv4 and IPv6 rules: paste the output of iptables-save or of ip6tables-save, not both");
    const v6 = checkDrift(files, "*filter\n:INPUT DROP [0:0]\n-A INPUT -s fd00::1/128 -j ACCEPT\nCOMMIT\n");
    expect(v6.format).toBe("ip6tables");
  });

  it("refuses more than 2 MiB with the size, and reads 2 MiB", () => {
    const header = "# Generated by iptables-save\n";
    const padding = (bytes: number) => `${header}${"#".repeat(bytes - header.length - files.iptables.length)}\n`;
    expect(refusal(`${padding(MAX_HOST_RULES_BYTES)}${files.iptables}`)).toBe(
      "the host rules are 2,097,153 bytes; at most 2 MiB can be checked at once",
    );
    expect(checkDrift(files, `${padding(MAX_HOST_RULES_BYTES - 1)}${files.iptables}`).inSync).toBe(true);
  });
});

describe("checkDrift: rules standing for many", () => {
  const files = goldenFiles("no-flows");
  const table = [
    { table: { family: "inet", name: "conntrackt" } },
    {
      chain: {
        family: "inet",
        table: "conntrackt",
        name: "input",
        type: "filter",
        hook: "input",
        prio: 0,
        policy: "drop",
      },
    },
  ];
  /** An nft rule matching every pair of `sources` addresses and `ports` ports. */
  const product = (handle: number, sources: number, ports: number) => ({
    rule: {
      family: "inet",
      table: "conntrackt",
      chain: "input",
      handle,
      expr: [
        {
          match: {
            op: "==",
            left: { payload: { protocol: "ip", field: "saddr" } },
            right: { set: Array.from({ length: sources }, (_, i) => `10.${handle}.${i >> 8}.${i & 255}`) },
          },
        },
        {
          match: {
            op: "==",
            left: { payload: { protocol: "tcp", field: "dport" } },
            right: { set: Array.from({ length: ports }, (_, i) => i + 1) },
          },
        },
        { accept: null },
      ],
    },
  });

  it("leaves a rule standing for more than 10,000 rules unread, and reads one of 10,000", () => {
    const result = checkDrift(
      files,
      JSON.stringify({ nftables: [...table, product(1, 101, 100), product(2, 100, 100)] }),
    );
    expect(result.extra[0]).toEqual({
      chain: "input",
      where: "handle 1",
      rule: expect.stringMatching(/^ip saddr \{ 10\.1\.0\.0, .* \} tcp dport \{ 1, 2, .* \} accept$/),
      unread: "it stands for 10100 single rules, more than 10000",
    });
    expect(result.extra[1]).toEqual({ chain: "input", where: "handle 2", rule: expect.stringMatching(/^ip saddr/) });
  });

  it("refuses a text standing for more than 200,000 rules", () => {
    const rules = Array.from({ length: 21 }, (_, i) => product(i + 1, 100, 100));
    expect(() => checkDrift(files, JSON.stringify({ nftables: [...table, ...rules] }))).toThrow(
      new DriftInputError("the rules stand for more than 200000 single rules, too many to compare"),
    );
  });
});

describe("checkDrift on random inputs (property)", () => {
  it("finds each generated file in sync with itself, and exactly a removed and an added rule", () => {
    fc.assert(
      fc.property(inputArb, fc.nat(), (input, pick) => {
        const files = generated(input);
        for (const [format, family] of [
          ["iptables", ""],
          ["ip6tables", "6"],
        ] as const) {
          const text = `# Generated by ip${family}tables-save v1.8.9\n${files[format]}`;
          expect(checkDrift(files, text)).toEqual(inSync(format));
          const lines = text.split("\n");
          const rules = lines.flatMap((line, index) => (line.startsWith("-A ") ? [index] : []));
          const removed = rules[pick % rules.length] as number;
          const added = "-A INPUT -p udp -m udp --dport 9 -j DROP";
          const drifted = lines.map((line, index) => (index === removed ? added : line)).join("\n");
          const result = checkDrift(files, drifted);
          expect(result.missing).toEqual([
            { chain: expect.any(String), where: `line ${removed}`, rule: lines[removed] },
          ]);
          expect(result.extra).toEqual([{ chain: "INPUT", where: `line ${removed + 1}`, rule: added }]);
          expect(result.policies).toEqual([]);
        }
      }),
      { numRuns: 40 },
    );
  });
});
