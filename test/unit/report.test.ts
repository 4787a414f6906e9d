// The project report (docs/usage.md): every finding kind on hand-made
// projects, which are errors and which warnings, coverage and overlap decided
// on numbers (networks, ranges, both families) rather than text.
import { describe, expect, it } from "vitest";
import { buildReport, FINDING_KINDS, FINDING_SEVERITY, type FindingKind } from "../../src/domain/report.js";
import { ModelBuilder } from "../support/analysis-model.js";

const TODAY = "2026-12-02";

const kinds = (b: ModelBuilder) => buildReport(b.model, TODAY).findings.map((f) => f.kind);
const ofKind = (b: ModelBuilder, kind: FindingKind) =>
  buildReport(b.model, TODAY).findings.filter((f) => f.kind === kind);
const ids = (f: { communications: { id: number }[] }) => f.communications.map((c) => c.id);

describe("the go-live project of the issue", () => {
  function project() {
    const b = new ModelBuilder("Go-live");
    const admins = b.entity("admins");
    const adminsNet = b.iface(admins, "10.77.9.0", "255.255.255.0");
    const ops = b.host("ops1", "10.77.9.5");
    const db1 = b.host("db1", "10.77.1.10");
    const wide = b.flow(adminsNet, db1.iface, "TCP", 22);
    const narrow = b.flow(ops.iface, db1.iface, "TCP", 22);
    // Another entity recorded with the same address as ops1: the same rule twice in db1's file.
    const twin = b.host("ops1-old", "10.77.9.5");
    const dupA = b.flow(ops.iface, db1.iface, "TCP", 5432);
    const dupB = b.flow(twin.iface, db1.iface, "TCP", 5432);
    b.entity("printer");
    const servers = b.entity("servers");
    b.iface(servers, "10.77.0.0", "255.255.0.0");
    return { b, wide, narrow, dupA, dupB, twin };
  }

  it("lists the duplicate, the covered flow, the entity without interfaces and the overlapping networks", () => {
    const p = project();
    const report = buildReport(p.b.model, TODAY);
    const duplicate = report.findings.find((f) => f.kind === "duplicate");
    expect(duplicate && ids(duplicate)).toEqual([p.dupA.id, p.dupB.id]);
    expect(duplicate?.message).toContain("INPUT rules of db1");
    const covered = report.findings.filter((f) => f.kind === "covered");
    expect(covered.map(ids)).toEqual([[p.narrow.id, p.wide.id]]);
    expect(covered[0]?.message).toMatch(
      /ops1 \(10\.77\.9\.5\) -> db1 \(10\.77\.1\.10\) TCP:22 .* is covered by admins \(10\.77\.9\.0\/255\.255\.255\.0\)/,
    );
    expect(report.findings.find((f) => f.kind === "no-interfaces")?.entities.map((e) => e.name)).toEqual(["printer"]);
    const overlap = report.findings.filter((f) => f.kind === "overlap");
    expect(overlap.map((f) => f.interfaces.map((i) => i.network))).toEqual([
      ["10.77.0.0/255.255.0.0", "10.77.9.0/255.255.255.0"],
    ]);
    const shared = report.findings.find((f) => f.kind === "shared-address");
    expect(shared?.entities.map((e) => e.name)).toEqual(["ops1", "ops1-old"]);
    expect(shared?.message).toBe(
      "The address 10.77.9.5 is used by 2 entities: ops1 (eth0 10.77.9.5) and ops1-old (eth0 10.77.9.5).",
    );
    expect(report.findings.filter((f) => f.kind === "unused-interface").map((f) => f.interfaces[0]?.entity)).toEqual([
      "servers",
    ]);
  });

  it("counts errors (duplicate, shared address) apart from warnings and lists errors first", () => {
    const report = buildReport(project().b.model, TODAY);
    expect([report.errors, report.warnings]).toEqual([2, 4]);
    expect(report.findings.map((f) => f.severity)).toEqual([
      "error",
      "error",
      "warning",
      "warning",
      "warning",
      "warning",
    ]);
    expect(report.counts).toMatchObject({ duplicate: 1, "shared-address": 1, covered: 1, overlap: 1 });
    expect(FINDING_KINDS.filter((k) => FINDING_SEVERITY[k] === "error")).toEqual(["duplicate", "shared-address"]);
  });
});

describe("coverage is exact", () => {
  it("a port inside a range is covered; a range reaching past it is not", () => {
    const b = new ModelBuilder();
    const a = b.host("a", "10.0.0.1");
    const d = b.host("d", "10.0.0.2");
    const range = b.flow(a.iface, d.iface, "TCP", 8000, { portEnd: 8100 });
    const inside = b.flow(a.iface, d.iface, "TCP", 8100);
    // Overlapping 8000-8100 without lying inside it: not covered, but it holds 8100 too.
    const across = b.flow(a.iface, d.iface, "TCP", 8050, { portEnd: 8200 });
    b.flow(a.iface, d.iface, "UDP", 8050);
    expect(ofKind(b, "covered").map(ids)).toEqual([[inside.id, range.id, across.id]]);
  });

  it("networks are compared as numbers, not text: 10.1.10.5 is not in 10.1.1.0/24", () => {
    const b = new ModelBuilder();
    const lan = b.entity("lan");
    const net = b.iface(lan, "10.1.1.0", "255.255.255.0");
    const far = b.host("far", "10.1.10.5");
    const near = b.host("near", "10.1.1.254");
    const d = b.host("d", "10.9.0.1");
    const wide = b.flow(net, d.iface, "TCP", 443);
    b.flow(far.iface, d.iface, "TCP", 443);
    const inside = b.flow(near.iface, d.iface, "TCP", 443);
    expect(ofKind(b, "covered").map(ids)).toEqual([[inside.id, wide.id]]);
  });

  it("IPv6 networks cover hosts however they are written", () => {
    const b = new ModelBuilder();
    const lan = b.entity("lan6");
    const net = b.iface(lan, "fd00:1:2::", "48");
    const host = b.host("h6", "fd00:1:2:3:0:0:0:1");
    const other = b.host("o6", "fd00:1:3::1");
    const d = b.host("d6", "fd00:9::1");
    const wide = b.flow(net, d.iface, "ICMPv6", 128);
    const inside = b.flow(host.iface, d.iface, "ICMPv6", 128);
    b.flow(other.iface, d.iface, "ICMPv6", 128);
    expect(ofKind(b, "covered").map(ids)).toEqual([[inside.id, wide.id]]);
    // Not across families: an IPv4 flow of the same port is never covered by an IPv6 one.
    expect(kinds(b)).not.toContain("duplicate");
  });

  it("a flow to another entity, an expired or type 255 broader flow, covers nothing", () => {
    const b = new ModelBuilder();
    const lan = b.entity("lan");
    const net = b.iface(lan, "10.1.1.0", "255.255.255.0");
    const host = b.host("h", "10.1.1.7");
    const servers = b.entity("servers");
    const serversNet = b.iface(servers, "10.2.0.0", "255.255.255.0");
    const d = b.host("d", "10.2.0.5");
    b.flow(net, serversNet, "TCP", 22);
    b.flow(host.iface, d.iface, "TCP", 22);
    b.flow(net, d.iface, "UDP", 53, { expires: "2026-12-01" });
    b.flow(host.iface, d.iface, "UDP", 53);
    b.flow(net, d.iface, "ICMP", 255);
    b.flow(host.iface, d.iface, "ICMP", 255);
    expect(ofKind(b, "covered")).toEqual([]);
  });

  it("a host that restricts outgoing traffic still needs its own flow: not covered by a subnet's", () => {
    const b = new ModelBuilder();
    const lan = b.entity("lan");
    const net = b.iface(lan, "10.1.1.0", "255.255.255.0");
    const strict = b.host("strict", "10.1.1.7", true);
    const d = b.host("d", "10.2.0.5");
    b.flow(net, d.iface, "TCP", 22);
    const own = b.flow(strict.iface, d.iface, "TCP", 22);
    expect(ofKind(b, "covered")).toEqual([]);
    // Its own broader flow does cover it: both OUTPUT rules are in its file.
    const both = b.flow(strict.iface, d.iface, "TCP", 20, { portEnd: 30 });
    expect(ofKind(b, "covered").map(ids)).toEqual([[own.id, both.id]]);
  });
});

describe("duplicates", () => {
  it("first-version addresses with host bits give the rule of their network", () => {
    const b = new ModelBuilder();
    const one = b.entity("one");
    const a = b.iface(one, "10.5.5.9", "255.255.255.0");
    const two = b.entity("two");
    const c = b.iface(two, "10.5.5.0", "255.255.255.0");
    const d = b.host("d", "10.6.0.1");
    const f1 = b.flow(a, d.iface, "UDP", 123);
    const f2 = b.flow(c, d.iface, "UDP", 123);
    expect(ofKind(b, "duplicate").map(ids)).toEqual([[f1.id, f2.id]]);
    expect(ofKind(b, "shared-address")[0]?.message).toMatch(
      /^The network 10\.5\.5\.0\/255\.255\.255\.0 is used by 2 entities/,
    );
  });

  it("the same rule in a restricting source's OUTPUT (two destinations sharing an address)", () => {
    const b = new ModelBuilder();
    const s = b.host("s", "10.0.0.1", true);
    const d1 = b.host("d1", "10.0.0.9");
    const d2 = b.host("d2", "10.0.0.9");
    const f1 = b.flow(s.iface, d1.iface, "TCP", 80);
    const f2 = b.flow(s.iface, d2.iface, "TCP", 80);
    const [group] = ofKind(b, "duplicate");
    expect(group && ids(group)).toEqual([f1.id, f2.id]);
    expect(group?.message).toContain("OUTPUT rules of s");
  });

  it("an expired copy is in no file: no duplicate, but an expired finding", () => {
    const b = new ModelBuilder();
    const s = b.host("s", "10.0.0.1");
    const twin = b.host("twin", "10.0.0.1");
    const d = b.host("d", "10.0.0.9");
    b.flow(s.iface, d.iface, "TCP", 80);
    const old = b.flow(twin.iface, d.iface, "TCP", 80, { expires: "2026-11-30" });
    expect(kinds(b)).not.toContain("duplicate");
    const [expired] = ofKind(b, "expired");
    expect(expired && ids(expired)).toEqual([old.id]);
    expect(expired?.message).toContain("expired after 2026-11-30");
  });
});

describe("addresses, networks and expiry", () => {
  it("overlap is between networks of different entities; a host in a subnet is normal", () => {
    const b = new ModelBuilder();
    const big = b.entity("big");
    b.iface(big, "10.0.0.0", "255.0.0.0");
    b.iface(big, "10.1.0.0", "255.255.0.0");
    const mid = b.entity("mid");
    b.iface(mid, "10.1.2.0", "255.255.255.0");
    b.iface(mid, "fd00::", "16");
    const v6 = b.entity("v6");
    b.iface(v6, "fd00:1::", "32");
    b.iface(v6, "11.0.0.0", "255.0.0.0");
    b.host("server", "10.1.2.3");
    const pairs = ofKind(b, "overlap").map((f) => f.interfaces.map((i) => `${i.entity} ${i.network}`));
    expect(pairs).toEqual([
      ["big 10.0.0.0/255.0.0.0", "mid 10.1.2.0/255.255.255.0"],
      ["big 10.1.0.0/255.255.0.0", "mid 10.1.2.0/255.255.255.0"],
      ["mid fd00::/16", "v6 fd00:1::/32"],
    ]);
  });

  it("IPv6 shared addresses are found whatever the spelling", () => {
    const b = new ModelBuilder();
    b.host("a", "fd00::1");
    b.host("b", "fd00:0:0:0::1");
    b.host("c", "fd00::2");
    expect(ofKind(b, "shared-address").map((f) => f.entities.map((e) => e.name))).toEqual([["a", "b"]]);
  });

  it("expired before today, expiring from today to 14 days ahead, nothing after", () => {
    const b = new ModelBuilder();
    const s = b.host("s", "10.0.0.1");
    const d = b.host("d", "10.0.0.2");
    const expired = b.flow(s.iface, d.iface, "TCP", 1, { expires: "2026-12-01" });
    const today = b.flow(s.iface, d.iface, "TCP", 2, { expires: TODAY });
    const last = b.flow(s.iface, d.iface, "TCP", 3, { expires: "2026-12-16" });
    b.flow(s.iface, d.iface, "TCP", 4, { expires: "2026-12-17" });
    expect(ofKind(b, "expired").map(ids)).toEqual([[expired.id]]);
    expect(ofKind(b, "expiring").map(ids)).toEqual([[today.id], [last.id]]);
  });

  it("an empty project has nothing to report", () => {
    const report = buildReport(new ModelBuilder().model, TODAY);
    expect([report.findings, report.errors, report.warnings]).toEqual([[], 0, 0]);
  });
});
