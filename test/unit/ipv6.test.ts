// IPv6 parsing (every RFC 4291 text form), RFC 5952 canonical formatting,
// prefixes, host bits and 128-bit ordering, with property-based round trips.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compareIpv6,
  compareIpv6Networks,
  formatIpv6,
  formatIpv6Network,
  hasHostBits,
  IPV6_MAX,
  ipv6NetworkAddress,
  ipv6PrefixMask,
  isInIpv6Network,
  parseIpv6,
  parseIpv6PrefixLength,
  readIpv6,
  readIpv6Network,
} from "../../src/domain/ipv6.js";

/** The value of eight 16-bit groups, written independently of the parser. */
const fromGroups = (groups: readonly number[]): bigint =>
  BigInt(`0x${groups.map((g) => g.toString(16).padStart(4, "0")).join("")}`);
const toGroups = (value: bigint): number[] =>
  (value.toString(16).padStart(32, "0").match(/.{4}/g) ?? []).map((g) => Number.parseInt(g, 16));
const isMapped = (value: bigint) => value >> 32n === 0xffffn;

/** Eight groups, zero half the time, so that runs of zeros (and ties between them) are common. */
const groupsArb = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
  minLength: 8,
  maxLength: 8,
});
const valueArb = fc.oneof(groupsArb.map(fromGroups), fc.bigInt({ min: 0n, max: IPV6_MAX }));
const unmappedArb = valueArb.filter((v) => !isMapped(v));

const reasonOf = (text: unknown): string => {
  const result = readIpv6(text);
  if (result.ok) throw new Error(`${String(text)} was accepted as ${formatIpv6(result.value)}`);
  return result.reason;
};

describe("parseIpv6", () => {
  it.each([
    ["ABCD:EF01:2345:6789:ABCD:EF01:2345:6789", [0xabcd, 0xef01, 0x2345, 0x6789, 0xabcd, 0xef01, 0x2345, 0x6789]],
    ["2001:DB8:0:0:8:800:200C:417A", [0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a]],
    ["2001:DB8::8:800:200C:417A", [0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a]],
    ["2001:0db8:0000:0000:0008:0800:200c:417a", [0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a]],
    ["FF01::101", [0xff01, 0, 0, 0, 0, 0, 0, 0x101]],
    ["::1", [0, 0, 0, 0, 0, 0, 0, 1]],
    ["::", [0, 0, 0, 0, 0, 0, 0, 0]],
    ["1::", [1, 0, 0, 0, 0, 0, 0, 0]],
    ["1:2:3:4:5:6:7::", [1, 2, 3, 4, 5, 6, 7, 0]],
    ["::2:3:4:5:6:7:8", [0, 2, 3, 4, 5, 6, 7, 8]],
    ["0:0:0:0:0:0:13.1.68.3", [0, 0, 0, 0, 0, 0, 0x0d01, 0x4403]],
    ["::13.1.68.3", [0, 0, 0, 0, 0, 0, 0x0d01, 0x4403]],
    ["64:ff9b::192.0.2.33", [0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x0221]],
    ["1:2:3:4:5:6:255.255.255.255", [1, 2, 3, 4, 5, 6, 0xffff, 0xffff]],
    ["::fffe:1.2.3.4", [0, 0, 0, 0, 0, 0xfffe, 0x0102, 0x0304]],
  ])("reads the RFC 4291 form %s", (text, groups) => {
    expect(parseIpv6(text)).toBe(fromGroups(groups));
  });

  it.each([
    ["", "is empty"],
    [" ::1", "not 1–4 hexadecimal digits"],
    ["::1 ", "not 1–4 hexadecimal digits"],
    ["1::2::3", "`::` more than once"],
    ["::::", "`::` more than once"],
    [":::", "empty group"],
    [":1::", "empty group"],
    ["1::2:", "empty group"],
    ["1:2:3:4:5:6:7:", "empty group"],
    [":1:2:3:4:5:6:7", "empty group"],
    ["1:2:3:4:5:6:7", "has 7 groups"],
    ["1:2:3:4:5:6:7:8:9", "has 9 groups"],
    ["1:2:3:4:5:6:7:1.2.3.4", "has 9 groups"],
    ["1:2:3:4:5:6:1.2.3.4:8", "last 32 bits"],
    ["1:2:3:4:5:6:7::8", "8 groups besides `::`"],
    ["::1:2:3:4:5:6:7:8", "8 groups besides `::`"],
    ["12345::", "not 1–4 hexadecimal digits"],
    ["g::", "not 1–4 hexadecimal digits"],
    ["+1::", "not 1–4 hexadecimal digits"],
    ["0x1::", "not 1–4 hexadecimal digits"],
    ["１::", "not 1–4 hexadecimal digits"],
    ["::1.2.3", "invalid IPv4 part"],
    ["::1.2.3.256", "invalid IPv4 part"],
    ["::01.2.3.4", "invalid IPv4 part"],
    ["1.2.3.4::", "last 32 bits"],
    ["1.2.3.4", "is an IPv4 address, not an IPv6 address"],
    ["::1.2.3.4:1", "last 32 bits"],
    ["fe80::1%eth0", "zone index"],
    ["[::1]", "not 1–4 hexadecimal digits"],
    ["::1/128", "not 1–4 hexadecimal digits"],
    [`${"0".repeat(44)}::1`, "longer than 45"],
  ])("refuses %j (%s)", (text, reason) => {
    expect(reasonOf(text)).toContain(reason);
    expect(parseIpv6(text)).toBeNull();
  });

  it("refuses what is not text", () => {
    for (const value of [undefined, null, 1, 1n, ["::1"], { toString: () => "::1" }]) {
      expect(reasonOf(value)).toBe("is not text");
    }
  });

  it.each([
    ["::ffff:129.144.52.38", "129.144.52.38"],
    ["::FFFF:129.144.52.38", "129.144.52.38"],
    ["0:0:0:0:0:ffff:129.144.52.38", "129.144.52.38"],
    ["::ffff:8190:3426", "129.144.52.38"],
    ["0000:0000:0000:0000:0000:ffff:0:0", "0.0.0.0"],
    ["::ffff:255.255.255.255", "255.255.255.255"],
  ])("refuses the IPv4-mapped %s and names the IPv4 address", (text, ipv4) => {
    expect(reasonOf(text)).toBe(`is an IPv4-mapped address (::ffff:${ipv4}): record it as the IPv4 address ${ipv4}`);
  });

  it("accepts the neighbours of the IPv4-mapped block", () => {
    expect(parseIpv6("::fffe:ffff:ffff")).toBe(0xfffeffffffffn);
    expect(parseIpv6("::1:0:0:0")).toBe(0x1000000000000n);
    expect(parseIpv6("1::ffff:1.2.3.4")).not.toBeNull();
  });
});

describe("formatIpv6", () => {
  it.each([
    ["2001:db8:0:0:0:0:2:1", "2001:db8::2:1"],
    ["2001:0DB8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["1:0:0:0:0:0:0:0", "1::"],
    ["0:1:0:1:0:1:0:1", "0:1:0:1:0:1:0:1"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["0:0:1:0:0:0:0:0", "0:0:1::"],
    ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["::13.1.68.3", "::d01:4403"],
  ])("writes %s as %s (RFC 5952)", (text, canonical) => {
    const value = parseIpv6(text);
    expect(value).not.toBeNull();
    expect(formatIpv6(value as bigint)).toBe(canonical);
  });

  it("refuses values outside 128 bits and non-bigints", () => {
    for (const value of [-1n, IPV6_MAX + 1n, 1 as unknown as bigint, "::1" as unknown as bigint]) {
      expect(() => formatIpv6(value)).toThrow(RangeError);
    }
  });

  it("round-trips: parse(format(x)) = x for every address that is not IPv4-mapped", () => {
    fc.assert(
      fc.property(unmappedArb, (value) => {
        expect(parseIpv6(formatIpv6(value))).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });

  it("writes IPv4-mapped values too, which parse then refuses", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (ipv4) => {
        const text = formatIpv6((0xffffn << 32n) | BigInt(ipv4));
        expect(text).toMatch(/^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/);
        expect(reasonOf(text)).toContain("IPv4-mapped");
      }),
    );
  });

  it("is canonical: lower case, no leading zeros, the first longest run of 2+ zero groups compressed", () => {
    fc.assert(
      fc.property(valueArb, (value) => {
        const text = formatIpv6(value);
        const groups = toGroups(value);
        expect(text).toMatch(/^[0-9a-f:]+$/);
        expect(text.split("::").length).toBeLessThanOrEqual(2);
        for (const part of text.split(/::?/).filter((p) => p !== ""))
          expect(part).toMatch(/^(0|[1-9a-f][0-9a-f]{0,3})$/);

        // Maximal runs of zero groups, found without the formatter.
        const runs: { start: number; length: number }[] = [];
        for (let i = 0; i < 8; i++) {
          if (groups[i] !== 0) continue;
          const start = i;
          while (i < 8 && groups[i] === 0) i++;
          runs.push({ start, length: i - start });
        }
        const longest = Math.max(0, ...runs.map((r) => r.length));
        if (longest < 2) {
          expect(text).not.toContain("::");
          expect(text.split(":")).toHaveLength(8);
          return;
        }
        const first = runs.find((r) => r.length === longest);
        const [head = "", tail = ""] = text.split("::");
        const headCount = head === "" ? 0 : head.split(":").length;
        const tailCount = tail === "" ? 0 : tail.split(":").length;
        expect(headCount).toBe(first?.start);
        expect(8 - headCount - tailCount).toBe(longest);
      }),
      { numRuns: 2000 },
    );
  });

  it("reads every other spelling of an address back to the same value", () => {
    // Random case, random leading zeros, any run of zero groups (even one) as `::`, optional dotted tail.
    const spelling = fc.record({
      groups: groupsArb,
      upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      pad: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
      compressAt: fc.nat(),
      dotted: fc.boolean(),
    });
    fc.assert(
      fc.property(spelling, ({ groups, upper, pad, compressAt, dotted }) => {
        const value = fromGroups(groups);
        fc.pre(!isMapped(value));
        const words = groups.map((g, i) => {
          const hex = g.toString(16).padStart(Math.min(4, g.toString(16).length + (pad[i] ?? 0)), "0");
          return upper[i] ? hex.toUpperCase() : hex;
        });
        // With a dotted tail, the last two groups are written as an IPv4 address.
        const hexCount = dotted ? 6 : 8;
        const [g6 = 0, g7 = 0] = groups.slice(6);
        const tail = dotted ? [`${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`] : [];
        // Every run of one or more zero groups among the hex groups may be the one written `::`.
        const zeroRuns: [number, number][] = [];
        for (let i = 0; i < hexCount; i++) {
          for (let j = i; j < hexCount && groups[j] === 0; j++) zeroRuns.push([i, j + 1]);
        }
        const run = zeroRuns[compressAt % Math.max(1, zeroRuns.length)];
        const hex = words.slice(0, hexCount);
        const text =
          run === undefined
            ? [...hex, ...tail].join(":")
            : `${hex.slice(0, run[0]).join(":")}::${[...hex.slice(run[1]), ...tail].join(":")}`;
        expect(parseIpv6(text)).toBe(value);
        expect(formatIpv6(parseIpv6(text) as bigint)).toBe(formatIpv6(value));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("prefixes and networks", () => {
  it("reads prefix lengths 0–128 with or without a slash, without leading zeros", () => {
    expect(parseIpv6PrefixLength("0")).toBe(0);
    expect(parseIpv6PrefixLength("/64")).toBe(64);
    expect(parseIpv6PrefixLength("128")).toBe(128);
    for (let n = 0; n <= 128; n++) expect(parseIpv6PrefixLength(String(n))).toBe(n);
    for (const bad of ["", "/", "129", "01", "-1", "1.5", " 64", "64 ", "//64", "1e2", "٦٤"]) {
      expect(parseIpv6PrefixLength(bad)).toBeNull();
    }
  });

  it("gives the mask of a prefix length", () => {
    expect(ipv6PrefixMask(0)).toBe(0n);
    expect(ipv6PrefixMask(128)).toBe(IPV6_MAX);
    expect(formatIpv6(ipv6PrefixMask(64))).toBe("ffff:ffff:ffff:ffff::");
    expect(formatIpv6(ipv6PrefixMask(1))).toBe("8000::");
    for (const bad of [-1, 129, 1.5, Number.NaN]) expect(() => ipv6PrefixMask(bad)).toThrow(RangeError);
  });

  it("reads networks whose host bits are clear, a bare address as /128", () => {
    expect(readIpv6Network("2001:db8::/32")).toEqual({ ok: true, value: { address: 0x20010db8n << 96n, prefix: 32 } });
    expect(readIpv6Network("::/0")).toEqual({ ok: true, value: { address: 0n, prefix: 0 } });
    expect(readIpv6Network("::1")).toEqual({ ok: true, value: { address: 1n, prefix: 128 } });
    expect(readIpv6Network("2001:DB8:0:0:1::1/128")).toEqual({
      ok: true,
      value: { address: parseIpv6("2001:db8:0:0:1::1"), prefix: 128 },
    });
  });

  it.each([
    ["2001:db8::1/32", "has host bits set past the prefix: the network is 2001:db8::/32"],
    ["2001:db8:ffff::/31", "has host bits set past the prefix: the network is 2001:db8::/31"],
    ["::1/0", "has host bits set past the prefix: the network is ::/0"],
    ["2001:db8::/129", "prefix length that is not a whole number"],
    ["2001:db8::/032", "prefix length that is not a whole number"],
    ["2001:db8::/", "prefix length that is not a whole number"],
    ["2001:db8:://32", "prefix length that is not a whole number"],
    ["2001:db8::/32/1", "prefix length that is not a whole number"],
    ["/32", "is empty"],
    ["::ffff:0:0/96", "IPv4-mapped"],
    ["fe80::1%eth0/64", "zone index"],
  ])("refuses the network %s", (text, reason) => {
    const result = readIpv6Network(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it("clears host bits to give the network address, which then has none", () => {
    fc.assert(
      fc.property(valueArb, fc.integer({ min: 0, max: 128 }), (value, prefix) => {
        const network = ipv6NetworkAddress(value, prefix);
        expect(hasHostBits(network, prefix)).toBe(false);
        expect(hasHostBits(value, prefix)).toBe(network !== value);
        expect(network <= value).toBe(true);
        expect(value - network < 1n << BigInt(128 - prefix)).toBe(true);
        expect(isInIpv6Network(value, { address: network, prefix })).toBe(true);
        if (!isMapped(network)) {
          const read = readIpv6Network(formatIpv6Network({ address: network, prefix }));
          expect(read).toEqual({ ok: true, value: { address: network, prefix } });
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("knows which addresses a network holds", () => {
    const net = { address: parseIpv6("2001:db8::") as bigint, prefix: 32 };
    expect(isInIpv6Network(parseIpv6("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff") as bigint, net)).toBe(true);
    expect(isInIpv6Network(parseIpv6("2001:db9::") as bigint, net)).toBe(false);
    expect(isInIpv6Network(parseIpv6("2001:db7:ffff::") as bigint, net)).toBe(false);
    expect(isInIpv6Network(IPV6_MAX, { address: 0n, prefix: 0 })).toBe(true);
  });
});

describe("compareIpv6", () => {
  it("compares as numbers, not as text", () => {
    const sorted = ["::10", "::a", "ffff::", "::1:0", "1::", "::"].map((t) => parseIpv6(t) as bigint).sort(compareIpv6);
    expect(sorted.map(formatIpv6)).toEqual(["::", "::a", "::10", "::1:0", "1::", "ffff::"]);
  });

  it("agrees with the order of zero-padded 32-digit hexadecimal text", () => {
    const padded = (v: bigint) => v.toString(16).padStart(32, "0");
    fc.assert(
      fc.property(valueArb, valueArb, (a, b) => {
        const expected = padded(a) < padded(b) ? -1 : padded(a) > padded(b) ? 1 : 0;
        expect(compareIpv6(a, b)).toBe(expected);
        // 0 - expected, not -expected: equal values give 0, and toBe(-0) fails on 0 (Object.is).
        expect(compareIpv6(b, a)).toBe(0 - expected);
      }),
      // Equal values always, not only when the random draw happens to give them.
      { numRuns: 1000, examples: [[0n, 0n]] },
    );
  });

  it("orders networks by address, then prefix length", () => {
    const a = { address: 0n, prefix: 0 };
    const b = { address: 0n, prefix: 64 };
    const c = { address: 1n, prefix: 128 };
    expect([c, b, a].sort(compareIpv6Networks)).toEqual([a, b, c]);
    expect(() => compareIpv6Networks({ address: 0n, prefix: 200 }, a)).toThrow(RangeError);
  });

  it("refuses values outside 128 bits", () => {
    expect(() => compareIpv6(-1n, 0n)).toThrow(RangeError);
    expect(() => compareIpv6(0n, IPV6_MAX + 1n)).toThrow(RangeError);
  });
});
