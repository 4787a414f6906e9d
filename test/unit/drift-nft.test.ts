// The drift check's nftables readers: `nft -j list ruleset` JSON
// (src/domain/drift/nft-json.ts, nft-rule.ts), the generated file's subset
// (nft-text.ts) and the nft renderer (nft-render.ts). Fixtures in
// test/fixtures/drift/ were captured from a kernel (capture.sh there).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readNftJsonRuleset } from "../../src/domain/drift/nft-json.js";
import { renderNftRule } from "../../src/domain/drift/nft-render.js";
import { readNftExpressions } from "../../src/domain/drift/nft-rule.js";
import { readNftFileRuleset } from "../../src/domain/drift/nft-text.js";
import { expandRule } from "../../src/domain/drift/normalise.js";
import { generateEntityNftRules } from "../../src/domain/nftables.js";
import { CASES } from "../support/firewall-v2.js";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/drift/${name}`, import.meta.url), "utf8");

const payload = (protocol: string, field: string) => ({ payload: { protocol, field } });
const match = (left: unknown, right: unknown, op = "==") => ({ match: { op, left, right } });

/** The normalised rules of one expression list, in nft syntax. */
function rendered(expressions: unknown[]): string[] {
  const reading = readNftExpressions(expressions, "handle 1");
  if ("unread" in reading) throw new Error(`unread: ${reading.unread}`);
  return expandRule("input", reading.matches, reading.verdict).map(renderNftRule);
}

describe("readNftExpressions", () => {
  it("reads a rule without family matches as one rule per family, counters skipped", () => {
    expect(
      rendered([match({ meta: { key: "iif" } }, "lo"), { counter: { packets: 3, bytes: 9 } }, { accept: null }]),
    ).toEqual(['meta nfproto ipv4 iif "lo" accept', 'meta nfproto ipv6 iif "lo" accept']);
    expect(
      rendered([
        match({ meta: { key: "nfproto" } }, "ipv6"),
        match({ meta: { key: "iifname" } }, "eth0"),
        { drop: null },
      ]),
    ).toEqual(['meta nfproto ipv6 iifname "eth0" drop']);
  });

  it("reads values, prefixes, ranges and sets, each element its own rule, ::/0 as no address match", () => {
    expect(
      rendered([
        match(payload("ip", "saddr"), {
          set: [{ prefix: { addr: "10.0.0.7", len: 8 } }, "192.168.1.5", { range: ["10.1.0.0", "10.1.0.9"] }],
        }),
        match(payload("tcp", "dport"), { set: [22, { range: [8000, 8100] }] }),
        { accept: null },
      ]),
    ).toEqual([
      "ip saddr 10.0.0.0/8 tcp dport 22 accept",
      "ip saddr 10.0.0.0/8 tcp dport 8000-8100 accept",
      "ip saddr 192.168.1.5 tcp dport 22 accept",
      "ip saddr 192.168.1.5 tcp dport 8000-8100 accept",
      "ip saddr 10.1.0.0-10.1.0.9 tcp dport 22 accept",
      "ip saddr 10.1.0.0-10.1.0.9 tcp dport 8000-8100 accept",
    ]);
    expect(
      rendered([
        match(payload("ip6", "saddr"), { prefix: { addr: "::", len: 0 } }),
        match(payload("udp", "dport"), 53),
        { accept: null },
      ]),
    ).toEqual(["meta nfproto ipv6 udp dport 53 accept"]);
    expect(rendered([match(payload("ip", "saddr"), { range: ["10.0.0.0", "10.0.0.255"] }), { accept: null }])).toEqual([
      "ip saddr 10.0.0.0/24 accept",
    ]);
  });

  it("reads icmp types by name or number, ct states as a list, set or word, and protocols", () => {
    expect(rendered([match(payload("icmpv6", "type"), { set: ["nd-router-solicit", 143] }), { accept: null }])).toEqual(
      ["icmpv6 type nd-router-solicit accept", "icmpv6 type mld2-listener-report accept"],
    );
    expect(rendered([match(payload("icmp", "type"), "echo-request"), { accept: null }])).toEqual([
      "icmp type echo-request accept",
    ]);
    const states = ["ct state established accept", "ct state related accept"];
    expect(rendered([match({ ct: { key: "state" } }, ["established", "related"], "in"), { accept: null }])).toEqual([
      "meta nfproto ipv4 ct state established accept",
      "meta nfproto ipv4 ct state related accept",
      "meta nfproto ipv6 ct state established accept",
      "meta nfproto ipv6 ct state related accept",
    ]);
    expect(
      rendered([
        match({ meta: { key: "nfproto" } }, "ipv4"),
        match({ ct: { key: "state" } }, { set: ["established", "related"] }),
        { accept: null },
      ]),
    ).toEqual(states.map((s) => `meta nfproto ipv4 ${s}`));
    expect(rendered([match(payload("ip", "protocol"), "udp"), { drop: null }])).toEqual([
      "meta nfproto ipv4 meta l4proto udp drop",
    ]);
    expect(
      rendered([match({ meta: { key: "l4proto" } }, "tcp"), match(payload("tcp", "dport"), 22), { accept: null }]),
    ).toEqual(["meta nfproto ipv4 tcp dport 22 accept", "meta nfproto ipv6 tcp dport 22 accept"]);
  });

  it("leaves anything else unread, naming it", () => {
    const unread = (expressions: unknown[]) => readNftExpressions(expressions, "handle 1");
    expect(unread([match(payload("tcp", "dport"), 22, "!="), { accept: null }])).toEqual({ unread: "the operator !=" });
    expect(unread([match(payload("ip", "saddr"), "@admins"), { accept: null }])).toEqual({
      unread: "sources in the named set @admins",
    });
    expect(unread([match(payload("th", "dport"), 53), { accept: null }])).toEqual({ unread: "a match on th dport" });
    expect(unread([match(payload("tcp", "sport"), 53), { accept: null }])).toEqual({ unread: "a match on tcp sport" });
    expect(unread([{ limit: { rate: 5, per: "second" } }, { accept: null }])).toEqual({ unread: "limit" });
    expect(unread([{ jump: { target: "x" } }])).toEqual({ unread: "jump" });
    expect(unread([match(payload("tcp", "dport"), 22)])).toEqual({ unread: "no accept or drop" });
    expect(unread([{ accept: null }, { counter: null }])).toEqual({ unread: "counter after the verdict" });
    expect(
      unread([match(payload("ip", "saddr"), "10.0.0.1"), match(payload("ip6", "daddr"), "fd00::1"), { accept: null }]),
    ).toEqual({
      unread: "IPv4 and IPv6 at once that no packet has",
    });
    expect(unread([match(payload("udp", "dport"), 53), match(payload("tcp", "dport"), 53), { accept: null }])).toEqual({
      unread: "two protocols that no packet has",
    });
    expect(
      unread([match(payload("ip", "saddr"), "10.0.0.1"), match(payload("ip", "saddr"), "10.0.0.2"), { accept: null }]),
    ).toEqual({
      unread: "sources matched twice",
    });
    expect(unread([match(payload("ip", "saddr"), "fd00::1"), { accept: null }])).toEqual({
      unread: 'sources: "fd00::1" is not an IPv4 address',
    });
  });

  it("refuses what is not a list of expressions", () => {
    expect(() => readNftExpressions({ accept: null }, "handle 4")).toThrow(
      "handle 4: the rule has no list of expressions",
    );
    expect(() => readNftExpressions(["accept"], "handle 4")).toThrow("handle 4: an expression is not an object");
  });
});

describe("readNftJsonRuleset", () => {
  it("reads only the inet conntrackt table of a host where iptables-nft made tables too", () => {
    const ruleset = readNftJsonRuleset(fixture("drifted.nft.json"));
    expect(ruleset.chains).toEqual([
      { name: "input", line: "chain input { type filter hook input priority filter; policy drop; }", hooked: true },
      {
        name: "forward",
        line: "chain forward { type filter hook forward priority filter; policy accept; }",
        hooked: true,
      },
      {
        name: "output",
        line: "chain output { type filter hook output priority filter; policy accept; }",
        hooked: true,
      },
      {
        name: "early",
        line: "chain early { type filter hook input priority filter - 10; policy accept; }",
        hooked: true,
      },
    ]);
    expect(ruleset.rules.map((r) => `${r.chain} ${r.where}: ${r.text}`)).toEqual([
      'input handle 4: iif "lo" accept',
      "input handle 5: ct state established,related accept",
      "input handle 7: icmpv6 type { mld-listener-query, mld-listener-report, mld-listener-done, nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, mld2-listener-report } accept",
      "input handle 8: ip saddr 10.10.4.0/24 ip daddr 192.168.1.1 tcp dport 22 accept",
      "input handle 9: ip6 saddr fd00:4::/64 ip6 daddr fd00:1::1 tcp dport 22 accept",
      "input handle 11: ip6 saddr ::/0 ip6 daddr fd00:1::1 tcp dport 443 accept",
      "input handle 12: ip6 saddr fd00:1::9 ip6 daddr fd00:1::9 udp dport 53 accept",
      "input handle 13: ip6 saddr fd00:1::10 ip6 daddr fd00:1::9 udp dport 53 accept",
      "input handle 14: ip saddr 10.10.4.0/24 ip daddr 192.168.1.1 udp dport 8000-8100 accept",
      "input handle 15: ip6 saddr fd00:1::2 ip6 daddr fd00:1::1 udp dport 8000-8100 accept",
      "input handle 16: ip saddr 192.168.1.2 ip daddr 192.168.1.1 icmp type echo-request accept",
      "input handle 17: ip6 saddr fd00:1::2 ip6 daddr fd00:1::1 icmpv6 type echo-request accept",
      "input handle 20: ip saddr { 10.0.0.0/8, 192.168.1.5 } tcp dport { 22, 443 } counter accept",
      "input handle 21: tcp dport 8080 accept",
      'input handle 22: ip6 saddr fd00::/8 ip6 daddr fd00:1::1 tcp dport 22 log prefix "ssh " accept',
      "input handle 24: ip saddr @admins accept",
      "early handle 26: meta nfproto ipv4 udp dport 53 drop",
    ]);
  });

  it("refuses what nft -j does not print, saying why", () => {
    expect(() => readNftJsonRuleset('{"nftables": [')).toThrow(/^the text is not valid JSON \(.*\): is it cut off\?$/);
    expect(() => readNftJsonRuleset('{"rules": []}')).toThrow(
      'the JSON has no "nftables" list, which nft -j list ruleset prints',
    );
    expect(() => readNftJsonRuleset('{"nftables": [{"table": {}, "chain": {}}]}')).toThrow(
      "nftables[0] is not an object with one key, as nft -j prints them",
    );
    const rule = { rule: { family: "inet", table: "conntrackt", chain: "input", handle: 9, expr: [{ accept: null }] } };
    expect(() => readNftJsonRuleset(JSON.stringify({ nftables: [rule] }))).toThrow(
      "handle 9: a rule of a chain the table does not list before it",
    );
    const chain = { chain: { family: "inet", table: "conntrackt", name: "input", hook: "input" } };
    expect(() => readNftJsonRuleset(JSON.stringify({ nftables: [chain] }))).toThrow(
      "nftables[0]: chain input has a hook without type, priority or policy",
    );
  });

  it("reads an unhooked chain as one that traffic enters only by a jump", () => {
    const chain = { chain: { family: "inet", table: "conntrackt", name: "mine", handle: 3 } };
    expect(readNftJsonRuleset(JSON.stringify({ nftables: [chain] })).chains).toEqual([
      { name: "mine", line: "chain mine { }", hooked: false },
    ]);
  });
});

describe("readNftFileRuleset (the generated file)", () => {
  for (const [name, input] of Object.entries(CASES)) {
    it(`reads every rule of ${name}.nft`, () => {
      const ruleset = readNftFileRuleset(generateEntityNftRules(input));
      expect(ruleset.chains.map((c) => c.name)).toEqual(["input", "forward", "output"]);
      expect(ruleset.rules.filter((r) => "unread" in r.reading)).toEqual([]);
      expect(ruleset.rules.length).toBeGreaterThanOrEqual(3);
    });
  }

  it("refuses a line outside the subset the generator writes, as a bug", () => {
    const text = "table inet conntrackt {\n    chain input {\n        tcp sport 1 accept\n    }\n}\n";
    expect(() => readNftFileRuleset(text)).toThrow(
      'generated nftables file, line 3: "tcp" is outside what the drift check reads',
    );
  });
});
