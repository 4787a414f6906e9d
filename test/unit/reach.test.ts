// "Can it reach?" on hand-made projects (docs/usage.md): the verdict, the
// flows that allow it, and when denied the end that denies and the nearest
// flows; networks, ranges, expiry, type 255, outgoing rules, both families.
import { describe, expect, it } from "vitest";
import type { Protocol } from "../../src/domain/constants.js";
import { parseIpv4 } from "../../src/domain/ipv4.js";
import { parseIpv6 } from "../../src/domain/ipv6.js";
import { buildReachIndex, type ReachAnswer, type ReachIndex, reach } from "../../src/domain/reach.js";
import { ModelBuilder } from "../support/analysis-model.js";

const TODAY = "2026-12-02";

function ask(index: ReachIndex, from: string, to: string, protocol: Protocol, port: number): ReachAnswer {
  const outcome = askOutcome(index, from, to, protocol, port);
  if (!outcome.ok) throw new Error(`${outcome.field}: ${outcome.message}`);
  return outcome.answer;
}

function askOutcome(index: ReachIndex, from: string, to: string, protocol: Protocol, port: number) {
  const v4 = parseIpv4(from) !== null;
  const value = (text: string) => (v4 ? BigInt(parseIpv4(text) ?? -1) : (parseIpv6(text) ?? -1n));
  return reach(index, { family: v4 ? "ipv4" : "ipv6", from: value(from), to: value(to), protocol, port });
}

/** The first project: admins 10.77.9.0/24 -> db1 TCP 22. */
function adminsProject() {
  const b = new ModelBuilder("Go-live");
  const admins = b.entity("admins");
  const adminsNet = b.iface(admins, "10.77.9.0", "255.255.255.0");
  const db1 = b.host("db1", "10.77.1.10");
  const ssh = b.flow(adminsNet, db1.iface, "TCP", 22, { description: "SSH" });
  const web = b.host("web1", "10.77.2.20");
  const pg = b.flow(web.iface, db1.iface, "TCP", 5432);
  const ranges = b.flow(web.iface, db1.iface, "TCP", 8000, { portEnd: 8100 });
  return { b, admins, adminsNet, db1, web, ssh, pg, ranges, index: buildReachIndex(b.model, TODAY) };
}

describe("a source inside a recorded network", () => {
  it("is allowed by that network's flow", () => {
    const p = adminsProject();
    const answer = ask(p.index, "10.77.9.5", "10.77.1.10", "TCP", 22);
    expect(answer.verdict).toBe("allowed");
    expect(answer.destinations).toHaveLength(1);
    expect(answer.destinations[0]?.entity.name).toBe("db1");
    expect(answer.destinations[0]?.allowedBy.map((f) => f.id)).toEqual([p.ssh.id]);
    expect(answer.destinations[0]?.allowedBy[0]?.source.network).toBe("10.77.9.0/255.255.255.0");
    // admins does not restrict outgoing traffic: only db1's INPUT decides.
    expect(answer.sourceEntities.map((e) => e.name)).toEqual(["admins"]);
    expect(answer.sources).toEqual([]);
  });

  it("outside it is denied at the destination, naming that flow as the nearest", () => {
    const p = adminsProject();
    const answer = ask(p.index, "10.77.8.5", "10.77.1.10", "TCP", 22);
    expect(answer.verdict).toBe("denied");
    expect(answer.sourceEntities).toEqual([]);
    const input = answer.destinations[0];
    expect(input?.chain).toBe("INPUT");
    expect(input?.allowed).toBe(false);
    expect(input?.allowedBy).toEqual([]);
    expect(input?.nearest[0]?.id).toBe(p.ssh.id);
    // Every TCP flow into db1 is near; the one on the asked port comes first.
    expect(input?.nearest.map((f) => f.id).sort()).toEqual([p.ssh.id, p.pg.id, p.ranges.id].sort());
  });
});

describe("ports", () => {
  it("a port inside a range is allowed by the range, both ends of it included", () => {
    const p = adminsProject();
    for (const port of [8000, 8050, 8100]) {
      const answer = ask(p.index, "10.77.2.20", "10.77.1.10", "TCP", port);
      expect(answer.verdict, String(port)).toBe("allowed");
      expect(answer.destinations[0]?.allowedBy[0]?.ports).toBe("TCP:8000-8100");
    }
  });

  it("a port just outside is denied; the right source's flows come first, the closest port first", () => {
    const p = adminsProject();
    const answer = ask(p.index, "10.77.2.20", "10.77.1.10", "TCP", 8101);
    expect(answer.verdict).toBe("denied");
    expect(answer.destinations[0]?.nearest.map((f) => f.id)).toEqual([p.ranges.id, p.pg.id, p.ssh.id]);
  });

  it("another protocol on the same port is denied with no nearest flow", () => {
    const p = adminsProject();
    const answer = ask(p.index, "10.77.2.20", "10.77.1.10", "UDP", 5432);
    expect(answer.verdict).toBe("denied");
    expect(answer.destinations[0]?.nearest).toEqual([]);
  });
});

describe("expiry and type 255", () => {
  it("a flow counts on its Expires day and not the day after", () => {
    const b = new ModelBuilder();
    const a = b.host("a", "192.168.1.1");
    const d = b.host("d", "192.168.1.2");
    const flow = b.flow(a.iface, d.iface, "UDP", 53, { expires: TODAY });
    expect(ask(buildReachIndex(b.model, TODAY), "192.168.1.1", "192.168.1.2", "UDP", 53).verdict).toBe("allowed");
    const later = ask(buildReachIndex(b.model, "2026-12-03"), "192.168.1.1", "192.168.1.2", "UDP", 53);
    expect(later.verdict).toBe("denied");
    expect(later.destinations[0]?.notEnforced.map((f) => [f.id, f.state])).toEqual([[flow.id, "expired"]]);
    expect(later.destinations[0]?.nearest).toEqual([]);
  });

  it("ICMP type 255 is denied although recorded (left out of every file); type 8 is allowed", () => {
    const b = new ModelBuilder();
    const a = b.host("a", "192.168.1.1");
    const d = b.host("d", "192.168.1.2");
    const any = b.flow(a.iface, d.iface, "ICMP", 255);
    b.flow(a.iface, d.iface, "ICMP", 8);
    const index = buildReachIndex(b.model, TODAY);
    const answer = ask(index, "192.168.1.1", "192.168.1.2", "ICMP", 255);
    expect(answer.verdict).toBe("denied");
    expect(answer.destinations[0]?.notEnforced.map((f) => [f.id, f.leftOut])).toEqual([[any.id, true]]);
    expect(ask(index, "192.168.1.1", "192.168.1.2", "ICMP", 8).verdict).toBe("allowed");
    expect(ask(index, "192.168.1.1", "192.168.1.2", "ICMP", 0).verdict).toBe("denied");
  });
});

describe("outgoing rules", () => {
  function restricted() {
    const b = new ModelBuilder();
    const lan = b.entity("lan");
    const lanNet = b.iface(lan, "10.1.0.0", "255.255.0.0");
    const app = b.host("app", "10.1.5.5", true);
    const db = b.host("db", "10.2.0.1");
    const cache = b.host("cache", "10.2.0.2");
    // The whole LAN may reach db: db's INPUT accepts app too, but app's OUTPUT does not.
    const wide = b.flow(lanNet, db.iface, "TCP", 5432);
    const own = b.flow(app.iface, cache.iface, "TCP", 6379);
    return { b, app, db, cache, wide, own, index: buildReachIndex(b.model, TODAY) };
  }

  it("a host restricting outgoing traffic is denied by its own OUTPUT without a flow of its own", () => {
    const p = restricted();
    const answer = ask(p.index, "10.1.5.5", "10.2.0.1", "TCP", 5432);
    expect(answer.verdict).toBe("denied");
    expect(answer.destinations[0]?.allowed).toBe(true);
    expect(answer.destinations[0]?.allowedBy.map((f) => f.id)).toEqual([p.wide.id]);
    expect(answer.sources).toHaveLength(1);
    expect(answer.sources[0]?.chain).toBe("OUTPUT");
    expect(answer.sources[0]?.entity.name).toBe("app");
    expect(answer.sources[0]?.allowed).toBe(false);
    expect(answer.sources[0]?.nearest.map((f) => f.id)).toEqual([p.own.id]);
  });

  it("its own flow opens both ends", () => {
    const p = restricted();
    const answer = ask(p.index, "10.1.5.5", "10.2.0.2", "TCP", 6379);
    expect(answer.verdict).toBe("allowed");
    expect(answer.sources[0]?.allowedBy.map((f) => f.id)).toEqual([p.own.id]);
    expect(answer.destinations[0]?.allowedBy.map((f) => f.id)).toEqual([p.own.id]);
  });

  it("another LAN address does not restrict and is allowed", () => {
    const p = restricted();
    const answer = ask(p.index, "10.1.5.6", "10.2.0.1", "TCP", 5432);
    expect(answer.verdict).toBe("allowed");
    expect(answer.sourceEntities.map((e) => e.name)).toEqual(["lan"]);
  });
});

describe("IPv6", () => {
  function v6() {
    const b = new ModelBuilder();
    const admins = b.entity("admins");
    const net = b.iface(admins, "fd00:77:9::", "64");
    const db = b.host("db6", "fd00:77:1::10");
    const ssh = b.flow(net, db.iface, "TCP", 22);
    const ping = b.flow(net, db.iface, "ICMPv6", 128);
    return { b, ssh, ping, index: buildReachIndex(b.model, TODAY) };
  }

  it("a source inside a /64 is allowed, in any spelling; outside it denied", () => {
    const p = v6();
    const answer = ask(p.index, "fd00:77:9:0:0:0:0:abcd", "FD00:77:1::10", "TCP", 22);
    expect(answer.verdict).toBe("allowed");
    expect(answer.query.to).toBe("fd00:77:1::10");
    expect(answer.destinations[0]?.allowedBy[0]?.source.network).toBe("fd00:77:9::/64");
    expect(ask(p.index, "fd00:77:a::1", "fd00:77:1::10", "TCP", 22).verdict).toBe("denied");
    expect(ask(p.index, "fd00:77:9::1", "fd00:77:1::10", "ICMPv6", 128).verdict).toBe("allowed");
  });

  it("neighbour discovery is accepted by the standing rule from anywhere", () => {
    const p = v6();
    const answer = ask(p.index, "2001:db8::1", "fd00:77:1::10", "ICMPv6", 135);
    expect(answer.verdict).toBe("allowed");
    expect(answer.destinations[0]?.standing).toMatch(/neighbour discovery/);
    expect(answer.destinations[0]?.allowedBy).toEqual([]);
  });
});

describe("which host holds the address", () => {
  it("a host recorded inside a subnet entity is that host, not the subnet", () => {
    const b = new ModelBuilder();
    const servers = b.entity("servers");
    const net = b.iface(servers, "10.5.0.0", "255.255.255.0");
    b.host("db", "10.5.0.7");
    const client = b.host("client", "10.9.0.1");
    b.flow(client.iface, net, "TCP", 443);
    const index = buildReachIndex(b.model, TODAY);
    const toDb = ask(index, "10.9.0.1", "10.5.0.7", "TCP", 443);
    expect(toDb.destinations.map((d) => d.entity.name)).toEqual(["db"]);
    expect(toDb.verdict).toBe("denied");
    const toOther = ask(index, "10.9.0.1", "10.5.0.8", "TCP", 443);
    expect(toOther.destinations.map((d) => d.entity.name)).toEqual(["servers"]);
    expect(toOther.verdict).toBe("allowed");
  });

  it("a shared address asks every entity holding it; allowed only if all accept", () => {
    const b = new ModelBuilder();
    const one = b.host("one", "10.0.0.5");
    const two = b.host("two", "10.0.0.5");
    const client = b.host("client", "10.0.0.1");
    b.flow(client.iface, one.iface, "TCP", 22);
    const index = buildReachIndex(b.model, TODAY);
    const answer = ask(index, "10.0.0.1", "10.0.0.5", "TCP", 22);
    expect(answer.destinations.map((d) => [d.entity.name, d.allowed])).toEqual([
      ["one", true],
      ["two", false],
    ]);
    expect(answer.verdict).toBe("denied");
    b.flow(client.iface, two.iface, "TCP", 22);
    expect(ask(buildReachIndex(b.model, TODAY), "10.0.0.1", "10.0.0.5", "TCP", 22).verdict).toBe("allowed");
  });

  it("one host talking to itself goes over loopback: allowed; two hosts of a subnet are not one", () => {
    const b = new ModelBuilder();
    const dual = b.entity("dual", true);
    b.iface(dual, "10.0.0.1");
    b.iface(dual, "10.0.1.1");
    const lan = b.entity("lan");
    b.iface(lan, "10.7.0.0", "255.255.255.0");
    const index = buildReachIndex(b.model, TODAY);
    const self = ask(index, "10.0.0.1", "10.0.1.1", "TCP", 22);
    expect([self.verdict, self.sameHost]).toEqual(["allowed", true]);
    expect(ask(index, "10.0.0.1", "10.0.0.1", "UDP", 53).sameHost).toBe(true);
    const peers = ask(index, "10.7.0.1", "10.7.0.2", "TCP", 22);
    expect([peers.verdict, peers.sameHost]).toEqual(["denied", false]);
  });
});

describe("questions it cannot answer", () => {
  it("names the field: To outside the project, ICMP with IPv6, a port out of range", () => {
    const p = adminsProject();
    expect(askOutcome(p.index, "10.77.9.5", "10.99.0.1", "TCP", 22)).toEqual({
      ok: false,
      field: "to",
      message: "To: 10.99.0.1 is not an address of any interface of project Go-live.",
    });
    expect(askOutcome(p.index, "fd00::1", "fd00::2", "ICMP", 8)).toMatchObject({ ok: false, field: "protocol" });
    expect(askOutcome(p.index, "10.77.9.5", "10.77.1.10", "TCP", 0)).toMatchObject({ ok: false, field: "port" });
    expect(askOutcome(p.index, "10.77.9.5", "10.77.1.10", "ICMP", 256)).toMatchObject({ ok: false, field: "port" });
    expect(reach(p.index, { family: "ipv4", from: 1n << 40n, to: 0n, protocol: "TCP", port: 1 })).toMatchObject({
      ok: false,
      field: "from",
    });
  });
});
