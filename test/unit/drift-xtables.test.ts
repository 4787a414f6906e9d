// The drift check's iptables-save / ip6tables-save reader (src/domain/drift/xtables*.ts):
// the structure of a save text, one rule's options, and what it refuses.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expandRule } from "../../src/domain/drift/normalise.js";
import { DriftInputError, type NormalRule, type RuleReading } from "../../src/domain/drift/types.js";
import { readXtablesRuleset } from "../../src/domain/drift/xtables.js";
import { renderXtablesRule } from "../../src/domain/drift/xtables-render.js";
import { readXtablesOptions, tokenizeXtables } from "../../src/domain/drift/xtables-rule.js";

const words = (line: string) => tokenizeXtables(line, "line 1");
const read4 = (options: string) => readXtablesOptions(words(options), "ipv4", "line 1");
const read6 = (options: string) => readXtablesOptions(words(options), "ipv6", "line 1");

/** The normalised rules of a reading, written back as iptables-save prints them. */
function rendered(reading: RuleReading, chain = "INPUT"): string[] {
  if ("unread" in reading) throw new Error(`unread: ${reading.unread}`);
  return expandRule(chain, reading.matches, reading.verdict).map((rule: NormalRule) => renderXtablesRule(rule));
}

/** How iptables-save prints a comment: in double quotes, `\` and `"` escaped. */
const saveQuoted = (text: string) => `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

describe("tokenizeXtables", () => {
  it("splits on spaces and tabs and keeps quoted text whole, escapes taken literally", () => {
    expect(words('-A INPUT  -m comment\t--comment "say \\"hi\\" \\\\ -j DROP" -j ACCEPT')).toEqual([
      "-A",
      "INPUT",
      "-m",
      "comment",
      "--comment",
      'say "hi" \\ -j DROP',
      "-j",
      "ACCEPT",
    ]);
    expect(words("--comment 'single \\' quote'")).toEqual(["--comment", "single ' quote"]);
    expect(words('--comment ""')).toEqual(["--comment", ""]);
  });

  it("refuses a quote that is never closed, naming the line", () => {
    expect(() => tokenizeXtables('-A INPUT -m comment --comment "open', "line 7")).toThrow(
      new DriftInputError('line 7: a quote (") is not closed'),
    );
  });

  it("reads back any comment as iptables-save quotes it (hostile text included)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 40 }).map((s) => s.replace(/[\n\r]/g, " ")),
        (text) => {
          expect(words(`-A INPUT -m comment --comment ${saveQuoted(text)} -j ACCEPT`)[5]).toBe(text);
        },
      ),
    );
  });
});

describe("readXtablesOptions", () => {
  it("reads the same rule from either spelling: /32, dotted masks, host bits, -m tcp or not, any order", () => {
    const expected = ["-A INPUT -s 10.10.4.0/24 -d 192.168.1.1/32 -p tcp -m tcp --dport 22 -j ACCEPT"];
    expect(rendered(read4("-s 10.10.4.0/24 -d 192.168.1.1/32 -p tcp -m tcp --dport 22 -j ACCEPT"))).toEqual(expected);
    expect(rendered(read4("-s 10.10.4.7/255.255.255.0 -d 192.168.1.1 -p tcp -m tcp --dport 22 -j ACCEPT"))).toEqual(
      expected,
    );
    expect(rendered(read4("-j ACCEPT -d 192.168.1.1 -p tcp --dport 22 --source 10.10.4.0/24"))).toEqual(expected);
    expect(
      rendered(read4("-s 10.10.4.0/24 -d 192.168.1.1 -p 6 --destination-port 22 -j ACCEPT -m comment --comment x")),
    ).toEqual(expected);
  });

  it("leaves out what matches everything: -s 0.0.0.0/0, -p all, --dport 0:65535, --icmp-type any", () => {
    expect(rendered(read4("-s 0.0.0.0/0.0.0.0 -p all -j ACCEPT"))).toEqual(["-A INPUT -j ACCEPT"]);
    expect(rendered(read6("-s ::/0 -d fd00::1 -j DROP"))).toEqual(["-A INPUT -d fd00::1/128 -j DROP"]);
    expect(rendered(read4("-p tcp -m tcp --dport 0:65535 -j ACCEPT"))).toEqual(["-A INPUT -p tcp -j ACCEPT"]);
    // iptables reads type 255 as any type and prints it `any`.
    expect(rendered(read4("-p icmp -m icmp --icmp-type any -j ACCEPT"))).toEqual(["-A INPUT -p icmp -j ACCEPT"]);
    expect(rendered(read4("-p icmp -m icmp --icmp-type 255 -j ACCEPT"))).toEqual(["-A INPUT -p icmp -j ACCEPT"]);
    // ip6tables has no such wildcard: 255 is a type like any other.
    expect(rendered(read6("-p ipv6-icmp -m icmp6 --icmpv6-type 255 -j ACCEPT"))).toEqual([
      "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 255 -j ACCEPT",
    ]);
  });

  it("reads port ranges in every iptables form and multiport lists as one rule per element", () => {
    expect(rendered(read4("-p udp --dport :100 -j ACCEPT"))).toEqual([
      "-A INPUT -p udp -m udp --dport 0:100 -j ACCEPT",
    ]);
    expect(rendered(read4("-p udp --dport 100: -j ACCEPT"))).toEqual([
      "-A INPUT -p udp -m udp --dport 100:65535 -j ACCEPT",
    ]);
    expect(rendered(read4("-p tcp -m multiport --dports 22,80,8000:8100 -j ACCEPT"))).toEqual([
      "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT",
      "-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT",
      "-A INPUT -p tcp -m tcp --dport 8000:8100 -j ACCEPT",
    ]);
    expect(rendered(read4("-s 10.0.0.1,10.0.0.2 -j DROP"))).toEqual([
      "-A INPUT -s 10.0.0.1/32 -j DROP",
      "-A INPUT -s 10.0.0.2/32 -j DROP",
    ]);
  });

  it("reads -m state and -m conntrack alike, one rule per state", () => {
    const expected = [
      "-A OUTPUT -m state --state RELATED -j ACCEPT",
      "-A OUTPUT -m state --state ESTABLISHED -j ACCEPT",
    ];
    expect(rendered(read4("-m state --state RELATED,ESTABLISHED -j ACCEPT"), "OUTPUT")).toEqual(expected);
    expect(rendered(read4("-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"), "OUTPUT")).toEqual(expected);
    expect(rendered(read6("-o lo -j ACCEPT"), "OUTPUT")).toEqual(["-A OUTPUT -o lo -j ACCEPT"]);
  });

  it("leaves a rule with anything else unread, naming it", () => {
    expect(read4("! -s 1.2.3.4/32 -j ACCEPT")).toEqual({ unread: "a negation (!)" });
    expect(read4("-p tcp -m tcp --sport 5 -j ACCEPT")).toEqual({ unread: "--sport" });
    expect(read4("-p tcp -m tcp --dport 22 -m limit --limit 5/sec -j ACCEPT")).toEqual({ unread: "-m limit" });
    expect(read4("-j REJECT --reject-with icmp-host-prohibited")).toEqual({ unread: "-j REJECT" });
    expect(read4("-j audit")).toEqual({ unread: "-j audit" });
    expect(read4("-p gre -j ACCEPT")).toEqual({ unread: "-p gre" });
    expect(read4("-p icmp -m icmp --icmp-type 3/1 -j ACCEPT")).toEqual({ unread: "--icmp-type 3/1" });
    expect(read4("-p icmp -m icmp --icmp-type echo-request -j ACCEPT")).toEqual({
      unread: "--icmp-type echo-request",
    });
    expect(read4("-s 10.0.0.0/255.0.255.0 -j ACCEPT")).toEqual({
      unread: "-s 10.0.0.0/255.0.255.0, a netmask that is not contiguous",
    });
    expect(read6("-d ::ffff:1.2.3.4/128 -j ACCEPT")).toEqual({
      unread: "-d ::ffff:1.2.3.4/128, an IPv4-mapped address",
    });
    expect(read4("-p tcp --dport 22 -m multiport --dports 80 -j ACCEPT")).toEqual({ unread: "--dports matched twice" });
    expect(read4("-m state --state SNAT -j ACCEPT")).toEqual({ unread: "--state SNAT" });
    expect(read4("-p tcp")).toEqual({ unread: "no -j ACCEPT or -j DROP" });
  });

  it("refuses what iptables itself would refuse, naming the line", () => {
    expect(() => read4("-s 999.1.1.1 -j ACCEPT")).toThrow(/^line 1: -s "999.1.1.1" is not an IPv4 address$/);
    expect(() => read4("-s fd00::1 -j ACCEPT")).toThrow(/is not an IPv4 address/);
    expect(() => read6("-s 10.0.0.1 -j ACCEPT")).toThrow(/is not an IPv6 address/);
    expect(() => read4("-p tcp --dport 22:11 -j ACCEPT")).toThrow(/not a port or port range/);
    expect(() => read4("-m tcp --dport 22 -j ACCEPT")).toThrow("line 1: --dport needs -p tcp or -p udp");
    expect(() => read4("--dport 22 -p tcp -j ACCEPT")).toThrow(
      "line 1: --dport comes before the -m or -p that gives it",
    );
    expect(() => read6("-s 10.0.0.0/255.0.0.0 -j ACCEPT")).toThrow(/is not an IPv6 address/);
    expect(() => read6("-s fd00::/255.0.0.0 -j ACCEPT")).toThrow(/neither a prefix length nor a netmask/);
    expect(() => read4("-m icmp --icmp-type 8 -j ACCEPT")).toThrow("line 1: --icmp-type needs -p icmp");
    expect(() => read4("-j ACCEPT -j DROP")).toThrow("line 1: has two targets");
    expect(() => read4("-s")).toThrow("line 1: -s needs a value");
    expect(() => read4("ACCEPT")).toThrow('line 1: "ACCEPT" is not an option');
  });
});

describe("readXtablesRuleset", () => {
  const save = [
    "# Generated by iptables-save v1.8.9 on Wed Dec  2 00:38:49 2026",
    "*nat",
    ":PREROUTING ACCEPT [0:0]",
    ":POSTROUTING ACCEPT [3:180]",
    "[3:180] -A POSTROUTING -o eth0 -j MASQUERADE",
    "COMMIT",
    "*filter",
    ":INPUT DROP [12:345]",
    ":FORWARD DROP [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":audit - [0:0]",
    "[7:420] -A INPUT -i lo -j ACCEPT",
    "-A FORWARD -j audit",
    "-A audit -j RETURN",
    "COMMIT",
    "# Completed on Wed Dec  2 00:38:49 2026",
    "",
  ].join("\r\n");

  it("reads the filter table's built-in chains and their rules; other tables and chains only for their shape", () => {
    const ruleset = readXtablesRuleset(save, "ipv4");
    expect(ruleset.format).toBe("iptables");
    expect(ruleset.chains).toEqual([
      { name: "INPUT", line: ":INPUT DROP", hooked: true },
      { name: "FORWARD", line: ":FORWARD DROP", hooked: true },
      { name: "OUTPUT", line: ":OUTPUT ACCEPT", hooked: true },
    ]);
    expect(ruleset.rules.map(({ chain, where, text }) => ({ chain, where, text }))).toEqual([
      { chain: "INPUT", where: "line 12", text: "-A INPUT -i lo -j ACCEPT" },
      { chain: "FORWARD", where: "line 13", text: "-A FORWARD -j audit" },
    ]);
    expect(readXtablesRuleset(save, "ipv6").format).toBe("ip6tables");
  });

  it("refuses text that is not whole save output, naming the line", () => {
    const refuse = (text: string) => () => readXtablesRuleset(text, "ipv4");
    expect(refuse("*filter\n:INPUT DROP [0:0]\n-A INPUT -j ACCEPT\n")).toThrow(
      "the text ends inside table *filter (line 1) without COMMIT: is it cut off?",
    );
    expect(refuse("*filter\n-A INPUT -j ACCEPT\nCOMMIT\n")).toThrow(
      "line 2: rule for chain INPUT, which the table *filter does not declare",
    );
    expect(refuse("-A INPUT -j ACCEPT\n")).toThrow(/^line 1: "-A INPUT -j ACCEPT" is outside a table/);
    expect(refuse("*filter\n:INPUT DROP [0:0]\n-I INPUT -j ACCEPT\nCOMMIT\n")).toThrow(
      'line 3: "-I INPUT -j ACCEPT" is not iptables-save output (a chain, a -A rule or COMMIT)',
    );
    expect(refuse("*filter\n*nat\n")).toThrow("line 2: table *nat starts before the COMMIT of *filter");
    expect(refuse("*filter\nCOMMIT\n*filter\nCOMMIT\n")).toThrow("line 3: table *filter appears twice");
    expect(refuse("*filter\n:INPUT REJECT [0:0]\nCOMMIT\n")).toThrow("line 2: chain INPUT has the policy REJECT");
    expect(refuse("*filter\n:INPUT DROP [0:0]\n:INPUT DROP [0:0]\nCOMMIT\n")).toThrow(
      "line 3: chain INPUT is declared twice",
    );
  });
});
