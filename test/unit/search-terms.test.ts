// What a search text means besides words (src/domain/search-terms.ts): an
// address in its stored form, an address fragment, a port or range.
import { describe, expect, it } from "vitest";
import { addressFragment, addressTerm, portTerm } from "../../src/domain/search-terms.js";

describe("addressTerm", () => {
  it("gives IPv6 addresses in RFC 5952 form, with a prefix when given", () => {
    expect(addressTerm("FD00:0077:0:0:0:0:0:21")).toEqual({ address: "fd00:77::21" });
    expect(addressTerm("fd00:77:9:0::/64")).toEqual({ address: "fd00:77:9::", netmask: "64" });
    expect(addressTerm("fd00::1//64")).toBeNull();
    expect(addressTerm("fd00::1/129")).toBeNull();
    expect(addressTerm("::ffff:10.0.0.1")).toBeNull();
  });

  it("gives IPv4 addresses with a dotted netmask from a prefix or a mask", () => {
    expect(addressTerm("10.20.0.0")).toEqual({ address: "10.20.0.0" });
    expect(addressTerm("10.20.0.0/24")).toEqual({ address: "10.20.0.0", netmask: "255.255.255.0" });
    expect(addressTerm("10.20.0.0/255.255.255.0")).toEqual({ address: "10.20.0.0", netmask: "255.255.255.0" });
    expect(addressTerm("10.20.0.0/33")).toBeNull();
    expect(addressTerm("010.20.0.0")).toBeNull();
  });

  it("is null for words and numbers", () => {
    for (const text of ["web", "22", "8000-8100", "", "/"]) expect(addressTerm(text), text).toBeNull();
  });
});

describe("addressFragment", () => {
  it("takes hexadecimal digits with a dot or a colon, lower-cased", () => {
    expect(addressFragment("FD00:77")).toBe("fd00:77");
    expect(addressFragment("10.20.")).toBe("10.20.");
    expect(addressFragment("::")).toBe("::");
  });

  it("refuses plain numbers, words and LIKE wildcards", () => {
    for (const text of ["22", "cafe", "10%", "fd00_77", "a b:c", "10.0.0.0/8"]) {
      expect(addressFragment(text), text).toBeNull();
    }
  });
});

describe("portTerm", () => {
  it("reads a port, a range and a protocol with either", () => {
    expect(portTerm("22")).toEqual({ port: 22 });
    expect(portTerm("8000-8100")).toEqual({ port: 8000, portEnd: 8100 });
    expect(portTerm("8000 - 8100")).toEqual({ port: 8000, portEnd: 8100 });
    expect(portTerm("TCP:8000-8100")).toEqual({ protocol: "TCP", port: 8000, portEnd: 8100 });
    expect(portTerm("udp 53")).toEqual({ protocol: "UDP", port: 53 });
    expect(portTerm("icmpv6:128")).toEqual({ protocol: "ICMPv6", port: 128 });
  });

  it("is null for what no flow can have", () => {
    for (const text of ["65536", "8100-8000", "22-22", "SCTP:22", "tcp:", "22a", "-22", "1-2-3"]) {
      expect(portTerm(text), text).toBeNull();
    }
  });
});
