// The dual-stack, port-range and flow-owner rules of docs/usage.md as the
// shared field functions give them (src/validation/fields.ts): what each
// accepts, how it stores it, and the one message for each refusal.
import { describe, expect, it } from "vitest";
import { addressText, communicationLabel, interfaceLabel } from "../../src/domain/display.js";
import { type FormResult, parseForm } from "../../src/validation/common.js";
import { communicationForm, entityForm, interfaceForm } from "../../src/validation/entities.js";
import {
  addressFamily,
  expiresRule,
  flowFamilyIssue,
  isCalendarDate,
  portsIssue,
  readInterfaceAddress,
  readPorts,
  referenceRule,
  requestedByRule,
} from "../../src/validation/fields.js";

describe("readInterfaceAddress", () => {
  it.each([
    ["10.0.0.1", "", "ipv4", "10.0.0.1", "255.255.255.255"],
    [" 10.0.0.0 ", " /24 ", "ipv4", "10.0.0.0", "255.255.255.0"],
    ["10.0.0.0", "255.255.0.0", "ipv4", "10.0.0.0", "255.255.0.0"],
    ["10.0.0.0/24", "", "ipv4", "10.0.0.0", "255.255.255.0"],
    ["10.0.0.0/24", "24", "ipv4", "10.0.0.0", "255.255.255.0"],
    ["10.0.0.0/24", "255.255.255.0", "ipv4", "10.0.0.0", "255.255.255.0"],
    ["0.0.0.0", "/0", "ipv4", "0.0.0.0", "0.0.0.0"],
    ["FD00:0077:0:0:0:0:0:21", "", "ipv6", "fd00:77::21", "128"],
    ["fd00:77::21", "128", "ipv6", "fd00:77::21", "128"],
    ["fd00:77:9::", "64", "ipv6", "fd00:77:9::", "64"],
    ["fd00:77:9::", "/64", "ipv6", "fd00:77:9::", "64"],
    ["fd00:77:9::/64", "", "ipv6", "fd00:77:9::", "64"],
    ["fd00:77:9::/64", "/64", "ipv6", "fd00:77:9::", "64"],
    ["2001:DB8:0:0:1:0:0:1", "", "ipv6", "2001:db8::1:0:0:1", "128"],
    ["::", "0", "ipv6", "::", "0"],
  ] as const)("accepts %j with netmask %j", (address, netmask, family, stored, storedNetmask) => {
    expect(readInterfaceAddress(address, netmask)).toEqual({
      ok: true,
      family,
      address: stored,
      netmask: storedNetmask,
    });
  });

  it.each([
    ["", "", "address", "Address is required."],
    [
      "192.168.1.300",
      "",
      "address",
      'Address must be an IPv4 address such as 192.168.1.10 or an IPv6 address such as fd00::10, not "192.168.1.300".',
    ],
    [
      "192.168.1.1",
      "/24",
      "address",
      "Address 192.168.1.1 has host bits set for the prefix /24: the network is 192.168.1.0/24 (a single host is /32).",
    ],
    [
      "192.168.1.1/24",
      "",
      "address",
      "Address 192.168.1.1 has host bits set for the prefix /24: the network is 192.168.1.0/24 (a single host is /32).",
    ],
    [
      "fd77:9::5",
      "64",
      "address",
      "Address fd77:9::5 has host bits set for the prefix /64: the network is fd77:9::/64 (a single host is /128).",
    ],
    [
      "FD77:9::5/64",
      "",
      "address",
      "Address fd77:9::5 has host bits set for the prefix /64: the network is fd77:9::/64 (a single host is /128).",
    ],
    [
      "::ffff:10.0.0.1",
      "",
      "address",
      "Address is an IPv4-mapped IPv6 address (::ffff:10.0.0.1): use the IPv4 form 10.0.0.1.",
    ],
    [
      "::FFFF:a00:1",
      "",
      "address",
      "Address is an IPv4-mapped IPv6 address (::ffff:10.0.0.1): use the IPv4 form 10.0.0.1.",
    ],
    ["fd00:::1", "", "address", /^Address "fd00:::1" is not a valid IPv6 address: it has an empty group/],
    ["fe80::1%eth0", "", "address", /is not a valid IPv6 address: it has a zone index/],
    [
      "fd00::1",
      "255.255.255.0",
      "netmask",
      'Netmask of an IPv6 address must be a prefix length such as 64 or /64, not the IPv4 netmask "255.255.255.0".',
    ],
    [
      "fd00::",
      "129",
      "netmask",
      'Netmask of an IPv6 address must be a prefix length from 0 to 128 such as 64 or /64, not "129".',
    ],
    ["10.0.0.0", "64", "netmask", /^Netmask must be a contiguous netmask such as 255\.255\.255\.0/],
    ["10.0.0.0/24", "/16", "netmask", 'Netmask "/16" differs from the prefix /24 given in Address: give it once.'],
    ["fd00::/64", "48", "netmask", 'Netmask "48" differs from the prefix /64 given in Address: give it once.'],
    ["10.0.0.0/33", "", "address", 'Address "10.0.0.0/33" must end in a prefix length from 0 to 32, such as /24.'],
    ["fd00::/", "", "address", 'Address "fd00::/" must end in a prefix length from 0 to 128, such as /64.'],
  ] as const)("refuses %j with netmask %j", (address, netmask, field, message) => {
    const result = readInterfaceAddress(address, netmask);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.field).toBe(field);
    if (typeof message === "string") expect(result.message).toBe(message);
    else expect(result.message).toMatch(message);
  });

  it("names the fields with the labels given (a CSV row's ends)", () => {
    const labels = { address: "Source address", netmask: "Source netmask" };
    expect(readInterfaceAddress("192.168.1.1", "24", labels)).toMatchObject({
      field: "address",
      message: expect.stringMatching(/^Source address 192\.168\.1\.1 has host bits/),
    });
    expect(readInterfaceAddress("fd00::", "x", labels)).toMatchObject({
      field: "netmask",
      message: expect.stringMatching(/^Source netmask of an IPv6 address/),
    });
  });

  it("gives the family of a stored address", () => {
    expect(addressFamily("10.0.0.1")).toBe("ipv4");
    expect(addressFamily("fd00:77::21")).toBe("ipv6");
  });
});

describe("readPorts", () => {
  it.each([
    ["TCP", "22", 22, 22],
    ["TCP", " 8000-8100 ", 8000, 8100],
    ["UDP", "10000 - 20000", 10000, 20000],
    ["TCP", "1-65535", 1, 65535],
    ["ICMP", "8", 8, 8],
    ["ICMPv6", "128", 128, 128],
    ["ICMPv6", "0", 0, 0],
  ] as const)("%s %j is %i-%i", (protocol, text, port, portEnd) => {
    expect(readPorts(protocol, text)).toEqual({ ok: true, port, portEnd });
  });

  it.each([
    ["TCP", "", "Port is required."],
    ["TCP", "x", 'Port must be a port such as 22 or a range such as 8000-8100, not "x".'],
    ["TCP", "8000:8100", 'Port must be a port such as 22 or a range such as 8000-8100, not "8000:8100".'],
    [
      "TCP",
      "8100-8000",
      'Port range must go from a lower to a higher port, not "8100-8000"; for one port, give it alone.',
    ],
    ["TCP", "80-80", 'Port range must go from a lower to a higher port, not "80-80"; for one port, give it alone.'],
    ["TCP", "0-10", "TCP port must be between 1 and 65535."],
    ["UDP", "100-65536", "UDP port must be between 1 and 65535."],
    ["TCP", "65536", "TCP port must be between 1 and 65535."],
    ["ICMP", "x", 'Port must be a whole number, not "x".'],
    ["ICMP", "0-8", 'ICMP takes one ICMP type, not a range such as "0-8": record one communication per type.'],
    [
      "ICMPv6",
      "133-136",
      'ICMPv6 takes one ICMPv6 type, not a range such as "133-136": record one communication per type.',
    ],
    ["ICMPv6", "256", "ICMPv6 type must be between 0 and 255 (for ICMPv6, the port is the ICMPv6 type)."],
  ] as const)("%s %j is refused", (protocol, text, message) => {
    expect(readPorts(protocol, text)).toEqual({ ok: false, message });
  });

  it("checks numbers from a JSON document the same way, naming the field", () => {
    expect(portsIssue("TCP", 8000, 8100)).toBeNull();
    expect(portsIssue("TCP", 8100, 8000)).toEqual({
      field: "portEnd",
      message: 'Port range must go from a lower to a higher port, not "8100-8000"; for one port, give it alone.',
    });
    expect(portsIssue("ICMP", 0, 8)?.field).toBe("portEnd");
    expect(portsIssue("UDP", 0, 10)?.field).toBe("port");
    expect(portsIssue("UDP", 10, 70000)?.field).toBe("portEnd");
  });
});

describe("flowFamilyIssue", () => {
  it("joins two ends of one family, ICMP IPv4 only and ICMPv6 IPv6 only", () => {
    expect(flowFamilyIssue("TCP", "ipv4", "ipv4")).toBeNull();
    expect(flowFamilyIssue("UDP", "ipv6", "ipv6")).toBeNull();
    expect(flowFamilyIssue("ICMP", "ipv4", "ipv4")).toBeNull();
    expect(flowFamilyIssue("ICMPv6", "ipv6", "ipv6")).toBeNull();
    expect(flowFamilyIssue("TCP", "ipv4", "ipv6")).toBe("Source and destination must both be IPv4 or both IPv6.");
    expect(flowFamilyIssue("ICMPv6", "ipv6", "ipv4")).toBe("Source and destination must both be IPv4 or both IPv6.");
    expect(flowFamilyIssue("ICMP", "ipv6", "ipv6")).toBe("ICMP needs IPv4 ends: for IPv6 ends, choose ICMPv6.");
    expect(flowFamilyIssue("ICMPv6", "ipv4", "ipv4")).toBe("ICMPv6 needs IPv6 ends: for IPv4 ends, choose ICMP.");
  });
});

describe("expires, requested by, reference", () => {
  it("Expires: empty is never, else a calendar date", () => {
    expect(expiresRule().parse("")).toBeNull();
    expect(expiresRule().parse(" 2027-03-31 ")).toBe("2027-03-31");
    expect(expiresRule().parse("2028-02-29")).toBe("2028-02-29");
    for (const bad of [
      "2027-02-29",
      "2027-13-01",
      "2027-00-10",
      "2027-04-31",
      "31/03/2027",
      "2027-3-1",
      "0000-01-01",
    ]) {
      const result = expiresRule().safeParse(bad);
      expect(result.success, bad).toBe(false);
      expect(result.error?.issues[0]?.message).toBe(
        `Expires must be a calendar date written YYYY-MM-DD, such as 2027-03-31, not "${bad}".`,
      );
    }
    expect(isCalendarDate("2024-02-29")).toBe(true);
    expect(isCalendarDate("2100-02-29")).toBe(false);
  });

  it("Requested by and Reference: empty allowed, else the name rules", () => {
    expect(requestedByRule().parse("  ")).toBe("");
    expect(requestedByRule().parse(" Ana Müller ")).toBe("Ana Müller");
    expect(referenceRule().parse("CHG-1234")).toBe("CHG-1234");
    expect(requestedByRule().safeParse("a\tb").error?.issues[0]?.message).toBe(
      "Requested by must not contain control characters (line breaks, tabs…).",
    );
    expect(referenceRule().safeParse("x".repeat(101)).error?.issues[0]?.message).toBe(
      "Reference must be at most 100 characters.",
    );
    expect(referenceRule().safeParse("CHG\u200B1").error?.issues[0]?.message).toMatch(
      /^Reference must not contain invisible/,
    );
  });
});

const errorsOf = (result: FormResult<unknown>) => (result.ok ? {} : result.errors);

describe("the forms", () => {
  it("interface form stores the canonical address and puts each message on its field", () => {
    const parsed = parseForm(interfaceForm, { entity: "1", address: "FD00:0077:0:0:0:0:0:21", netmask: "" });
    expect(parsed.ok && parsed.data).toMatchObject({ address: "fd00:77::21", netmask: "128", name: "eth0" });
    expect(errorsOf(parseForm(interfaceForm, { entity: "1", address: "fd00::", netmask: "255.255.255.0" }))).toEqual({
      netmask: expect.stringMatching(/not the IPv4 netmask/),
    });
    // Every bad field at once: the address rule does not hide the name's message.
    expect(
      Object.keys(errorsOf(parseForm(interfaceForm, { name: "a\tb", entity: "1", address: "1.2.3.4/8" }))),
    ).toEqual(["name", "address"]);
  });

  it("communication form reads ranges and the optional fields", () => {
    const parsed = parseForm(communicationForm, {
      source: "1",
      destination: "2",
      protocol: "tcp",
      port: "8000-8100",
      requestedBy: " Ana ",
      reference: "CHG-7",
      expires: "2027-03-31",
    });
    expect(parsed.ok && parsed.data).toMatchObject({
      protocol: "TCP",
      port: 8000,
      portEnd: 8100,
      requestedBy: "Ana",
      reference: "CHG-7",
      expires: "2027-03-31",
      description: "",
    });
    const bare = parseForm(communicationForm, { source: "1", destination: "2", protocol: "icmpv6", port: "128" });
    expect(bare.ok && bare.data).toMatchObject({
      protocol: "ICMPv6",
      port: 128,
      portEnd: 128,
      requestedBy: "",
      expires: null,
    });
    expect(
      errorsOf(
        parseForm(communicationForm, {
          source: "1",
          destination: "1",
          protocol: "ICMP",
          port: "0-8",
          expires: "2027-02-30",
          reference: "a\nb",
        }),
      ),
    ).toEqual({
      destination: "Source and destination must differ.",
      port: 'ICMP takes one ICMP type, not a range such as "0-8": record one communication per type.',
      expires: 'Expires must be a calendar date written YYYY-MM-DD, such as 2027-03-31, not "2027-02-30".',
      reference: "Reference must not contain control characters (line breaks, tabs…).",
    });
  });

  it("entity form: Restrict outgoing traffic is off unless ticked", () => {
    const base = { name: "web", project: "1", location: "1" };
    const off = parseForm(entityForm, base);
    const on = parseForm(entityForm, { ...base, restrictOutgoing: "on" });
    expect(off.ok && off.data.restrictOutgoing).toBe(false);
    expect(on.ok && on.data.restrictOutgoing).toBe(true);
  });
});

describe("display strings", () => {
  it("shows hosts alone, IPv4 networks with their mask, IPv6 networks with their prefix, ranges with a dash", () => {
    expect(interfaceLabel({ entity: "db1", address: "fd00:77::21", netmask: "128" })).toBe("db1 (fd00:77::21)");
    expect(interfaceLabel({ entity: "admins", address: "fd00:77:9::", netmask: "64" })).toBe("admins (fd00:77:9::/64)");
    expect(interfaceLabel({ entity: "lan", address: "10.0.0.0", netmask: "255.255.255.0" })).toBe(
      "lan (10.0.0.0/255.255.255.0)",
    );
    expect(addressText({ address: "10.0.0.1", netmask: "255.255.255.255" })).toBe("10.0.0.1");
    expect(communicationLabel({ source: "a", destination: "b", protocol: "TCP", port: 8000, portEnd: 8100 })).toBe(
      "a -> b (TCP:8000-8100)",
    );
    expect(communicationLabel({ source: "a", destination: "b", protocol: "UDP", port: 53, portEnd: 53 })).toBe(
      "a -> b (UDP:53)",
    );
  });
});
