// IPv4 maths used by validation and the rules generator: strict parsing,
// contiguous netmasks, prefix forms and numeric ordering.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compareEndpoints,
  compareIpv4,
  formatIpv4,
  isAddressInNetwork,
  isIpv4,
  isNetmask,
  maskValuePrefixLength,
  parseIpv4,
  parseNetmask,
  prefixLength,
  prefixToMaskValue,
  prefixToNetmask,
  requireIpv4,
} from "../../src/domain/ipv4.js";

describe("parseIpv4", () => {
  it.each([
    ["0.0.0.0", 0],
    ["255.255.255.255", 0xffffffff],
    ["192.168.1.1", 0xc0a80101],
    ["10.10.4.0", 0x0a0a0400],
    ["1.2.3.4", 0x01020304],
    ["128.0.0.0", 0x80000000],
    ["100.200.250.99", 0x64c8fa63],
  ])("reads %s", (text, value) => {
    expect(parseIpv4(text)).toBe(value);
    expect(isIpv4(text)).toBe(true);
  });

  it.each([
    "",
    "1.2.3",
    "1.2.3.4.5",
    "256.0.0.0",
    "1.2.3.256",
    "300.1.1.1",
    "010.0.0.1",
    "1.02.3.4",
    "1.2.3.00",
    "00.0.0.0",
    " 1.2.3.4",
    "1.2.3.4 ",
    "1.2.3.4\n",
    "1. 2.3.4",
    "1.2.3.4/32",
    "+1.2.3.4",
    "-1.2.3.4",
    "1.2.3.-4",
    "1..2.3",
    "1.2.3.",
    ".1.2.3",
    "0x1.2.3.4",
    "1e2.1.1.1",
    "a.b.c.d",
    "١.٢.٣.٤",
    "１.2.3.4",
    "16909060",
    "::1",
  ])("rejects %j", (text) => {
    expect(parseIpv4(text)).toBeNull();
    expect(isIpv4(text)).toBe(false);
  });

  it("round-trips every 32-bit value through formatIpv4", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
        expect(parseIpv4(formatIpv4(value))).toBe(value);
      }),
    );
  });

  it("returns unsigned numbers, so high addresses compare above low ones", () => {
    expect(parseIpv4("200.0.0.0")).toBeGreaterThan(parseIpv4("100.0.0.0") ?? Number.POSITIVE_INFINITY);
  });
});

describe("formatIpv4", () => {
  it("writes dotted quads without leading zeros", () => {
    expect(formatIpv4(0)).toBe("0.0.0.0");
    expect(formatIpv4(0x0a000001)).toBe("10.0.0.1");
    expect(formatIpv4(0xffffffff)).toBe("255.255.255.255");
  });

  it.each([-1, 0x100000000, 1.5, Number.NaN, Number.POSITIVE_INFINITY])("refuses %s", (value) => {
    expect(() => formatIpv4(value)).toThrow(RangeError);
  });
});

describe("netmasks", () => {
  it("maps every prefix length to its dotted mask and back", () => {
    for (let prefix = 0; prefix <= 32; prefix++) {
      const mask = prefixToNetmask(prefix);
      expect(prefixLength(mask)).toBe(prefix);
      expect(maskValuePrefixLength(prefixToMaskValue(prefix))).toBe(prefix);
      expect(parseNetmask(mask)).toBe(mask);
      expect(parseNetmask(String(prefix))).toBe(mask);
      expect(parseNetmask(`/${prefix}`)).toBe(mask);
      expect(isNetmask(mask)).toBe(true);
    }
  });

  it("knows the usual masks", () => {
    expect(prefixToNetmask(0)).toBe("0.0.0.0");
    expect(prefixToNetmask(8)).toBe("255.0.0.0");
    expect(prefixToNetmask(24)).toBe("255.255.255.0");
    expect(prefixToNetmask(25)).toBe("255.255.255.128");
    expect(prefixToNetmask(32)).toBe("255.255.255.255");
    expect(parseNetmask("/24")).toBe("255.255.255.0");
    expect(parseNetmask("24")).toBe("255.255.255.0");
    expect(parseNetmask("0")).toBe("0.0.0.0");
    expect(parseNetmask("/0")).toBe("0.0.0.0");
    expect(parseNetmask("255.255.252.0")).toBe("255.255.252.0");
  });

  it.each([
    "",
    "/",
    "33",
    "/33",
    "-1",
    "/-1",
    "024",
    "/08",
    "00",
    " 24",
    "/24 ",
    "//24",
    "24/",
    "2 4",
    "255.255.255.1",
    "255.0.255.0",
    "0.255.255.255",
    "255.255.255.254.0",
    "255.255.256.0",
    "255.255.255.00",
    "1.2.3.4",
    "128.0.0.1",
    "/255.255.255.0",
  ])("rejects %j", (text) => {
    expect(parseNetmask(text)).toBeNull();
  });

  it("rejects every non-contiguous mask value", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
        const contiguous = Array.from({ length: 33 }, (_, prefix) => prefixToMaskValue(prefix)).includes(value);
        expect(maskValuePrefixLength(value) !== null).toBe(contiguous);
        expect(parseNetmask(formatIpv4(value)) !== null).toBe(contiguous);
      }),
    );
  });

  it("returns null for a prefix length of something that is not an address", () => {
    expect(prefixLength("24")).toBeNull();
    expect(prefixLength("255.255.255.1")).toBeNull();
    expect(maskValuePrefixLength(-1)).toBeNull();
    expect(maskValuePrefixLength(0x100000000)).toBeNull();
  });

  it.each([-1, 33, 1.5, Number.NaN])("refuses prefix length %s", (prefix) => {
    expect(() => prefixToNetmask(prefix)).toThrow(RangeError);
  });
});

describe("comparison helpers", () => {
  it("compares addresses as numbers, not as text", () => {
    expect(compareIpv4("10.10.4.0", "192.168.1.2")).toBeLessThan(0);
    expect(compareIpv4("9.0.0.0", "10.0.0.0")).toBeLessThan(0);
    expect(compareIpv4("192.168.1.10", "192.168.1.9")).toBeGreaterThan(0);
    expect(compareIpv4("255.255.255.255", "0.0.0.0")).toBeGreaterThan(0);
    expect(compareIpv4("1.2.3.4", "1.2.3.4")).toBe(0);
  });

  it("sorts a list the way docs/rules.md orders sources", () => {
    const sorted = ["192.168.1.3", "10.10.4.0", "192.168.1.2", "9.9.9.9", "192.168.1.20"].sort(compareIpv4);
    expect(sorted).toEqual(["9.9.9.9", "10.10.4.0", "192.168.1.2", "192.168.1.3", "192.168.1.20"]);
  });

  it("compares endpoints by address, then netmask", () => {
    const a = { address: "10.0.0.0", netmask: "255.255.255.0" };
    const b = { address: "10.0.0.0", netmask: "255.255.255.255" };
    const c = { address: "10.0.0.1", netmask: "255.0.0.0" };
    expect(compareEndpoints(a, b)).toBeLessThan(0);
    expect(compareEndpoints(b, c)).toBeLessThan(0);
    expect(compareEndpoints(c, a)).toBeGreaterThan(0);
    expect(compareEndpoints(a, { ...a })).toBe(0);
  });

  it("throws on input that is not an address instead of sorting it somewhere", () => {
    expect(() => compareIpv4("10.0.0.1", "x")).toThrow(RangeError);
    expect(() => compareEndpoints({ address: "1.2.3.4", netmask: "" }, { address: "1.2.3.4", netmask: "" })).toThrow(
      /not a dotted IPv4 address/,
    );
    expect(() => requireIpv4("1.2.3")).toThrow('"1.2.3"');
  });

  it("tells whether an address lies in a network", () => {
    const office = { address: "10.203.2.0", netmask: "255.255.255.0" };
    expect(isAddressInNetwork("10.203.2.11", office)).toBe(true);
    expect(isAddressInNetwork("10.203.2.255", office)).toBe(true);
    expect(isAddressInNetwork("10.203.3.1", office)).toBe(false);
    expect(isAddressInNetwork("1.2.3.4", { address: "0.0.0.0", netmask: "0.0.0.0" })).toBe(true);
    expect(isAddressInNetwork("1.2.3.4", { address: "1.2.3.4", netmask: "255.255.255.255" })).toBe(true);
    expect(isAddressInNetwork("1.2.3.5", { address: "1.2.3.4", netmask: "255.255.255.255" })).toBe(false);
  });
});
