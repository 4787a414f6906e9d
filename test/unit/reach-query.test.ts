// The "Can it reach?" question as typed (docs/usage.md): what the page and the
// command accept for From, To, Protocol and Port, and the one message per
// field for everything else.
import { describe, expect, it } from "vitest";
import { parseReachQuery } from "../../src/validation/analysis.js";

const valid = { from: "10.0.0.1", to: "10.0.0.2", protocol: "TCP", port: "22" };

describe("a valid question", () => {
  it("reads both families as numbers, any case of protocol, spaces around", () => {
    expect(parseReachQuery({ ...valid, from: " 10.0.0.1 ", protocol: "tcp", port: " 22 " })).toEqual({
      ok: true,
      query: { family: "ipv4", from: 0x0a000001n, to: 0x0a000002n, protocol: "TCP", port: 22 },
    });
    const v6 = parseReachQuery({ from: "FD00::1", to: "fd00:0:0:0:0:0:0:2", protocol: "icmpv6", port: "128" });
    expect(v6).toEqual({
      ok: true,
      query: {
        family: "ipv6",
        from: (0xfd00n << 112n) | 1n,
        to: (0xfd00n << 112n) | 2n,
        protocol: "ICMPv6",
        port: 128,
      },
    });
    expect(parseReachQuery({ ...valid, protocol: "ICMP", port: "0" }).ok).toBe(true);
  });
});

describe("refusals name their field", () => {
  it.each([
    [{ ...valid, from: "" }, "from", "From is required."],
    [{ ...valid, to: undefined }, "to", "To is required."],
    [{ ...valid, from: "10.0.0.256" }, "from", "From must be an IPv4 address such as 192.168.1.10"],
    [
      { ...valid, to: "db1" },
      "to",
      'To must be an IPv4 address such as 192.168.1.10 or an IPv6 address such as fd00::10, not "db1".',
    ],
    [{ ...valid, to: "fd00::1::2" }, "to", 'To "fd00::1::2" is not a valid IPv6 address'],
    [{ ...valid, from: "::ffff:10.0.0.1" }, "from", "use the IPv4 form 10.0.0.1"],
    [{ ...valid, from: "10.0.0.0/24" }, "from", "From must be one address, not a network"],
    [{ ...valid, from: ["10.0.0.1", "10.0.0.3"] }, "from", "From must be a single text value."],
    [{ ...valid, protocol: "SCTP" }, "protocol", "Protocol must be one of TCP, UDP, ICMP, ICMPv6"],
    [{ ...valid, port: "" }, "port", "Port is required."],
    [{ ...valid, port: "22/tcp" }, "port", "Port must be a whole number"],
    [{ ...valid, port: "20-30" }, "port", "Port must be one port or ICMP type, not a range."],
    [{ ...valid, port: "0" }, "port", "TCP port must be between 1 and 65535."],
    [{ ...valid, protocol: "ICMP", port: "256" }, "port", "ICMP type must be between 0 and 255"],
    [{ ...valid, to: "fd00::2" }, "to", "From and To must both be IPv4 or both be IPv6."],
    [{ ...valid, protocol: "ICMPv6", port: "128" }, "protocol", "ICMPv6 needs IPv6 ends"],
    [{ from: "fd00::1", to: "fd00::2", protocol: "ICMP", port: "8" }, "protocol", "ICMP needs IPv4 ends"],
  ])("%j: %s", (input, field, message) => {
    const result = parseReachQuery(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[field]).toContain(message);
  });

  it("reports every bad field at once", () => {
    const result = parseReachQuery({ from: "x", to: "", protocol: "", port: "y" });
    expect(result.ok ? [] : Object.keys(result.errors).sort()).toEqual(["from", "port", "protocol", "to"]);
  });
});
