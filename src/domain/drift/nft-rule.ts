// The expressions of one nft rule, in the form `nft -j` prints them, read into
// its matches (docs/drift.md, nftables): `==` matches on interfaces
// (iif, oif, iifname, oifname), `meta nfproto`, `meta l4proto`, ip and ip6
// addresses, tcp and udp destination ports, icmp and icmpv6 types and ct state,
// each a value, a prefix, a range or a set; counters skipped; accept or drop.
// Anything else (another operator, `th`, a named set, log, jump …) leaves the
// rule unread, with the reason, and it is compared as written.
// The generated file's rules (src/domain/drift/nft-text.ts) are read here too.
import {
  type AddressSpan,
  CT_STATES,
  type CtState,
  DriftInputError,
  type Family,
  type PortSpan,
  type RuleMatches,
  type RuleReading,
  type Verdict,
} from "./types.js";
import {
  ICMP,
  ICMPV6,
  isWholeFamily,
  prefixSpan,
  readAddress,
  readNftIcmpType,
  readProtocol,
  TCP,
  UDP,
} from "./values.js";

type Json = unknown;

const isObject = (value: Json): value is Record<string, Json> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The only key of a one-key object (how nft -j writes an expression), or null. */
export function onlyKey(value: Json): string | null {
  if (!isObject(value)) return null;
  const keys = Object.keys(value);
  return keys.length === 1 ? (keys[0] ?? null) : null;
}

/** A thrown Unread leaves the rule unread with its reason. */
class Unread {
  constructor(readonly reason: string) {}
}

/** The alternatives of a right-hand side: the elements of a set, else the value itself. */
function alternatives(right: Json, what: string): Json[] {
  if (typeof right === "string" && right.startsWith("@")) throw new Unread(`${what} in the named set ${right}`);
  if (isObject(right) && Array.isArray(right.set)) return right.set;
  if (onlyKey(right) === "set") throw new Unread(`${what} in a set the drift check does not read`);
  return [right];
}

function readSpan(value: Json, family: Family, what: string): AddressSpan {
  const address = (text: Json): bigint => {
    const read = typeof text === "string" ? readAddress(text, family) : `${JSON.stringify(text)} is not an address`;
    if (typeof read === "string") throw new Unread(`${what}: ${read}`);
    return read;
  };
  const bits = family === "ipv4" ? 32 : 128;
  if (typeof value === "string") return prefixSpan(family, address(value), bits);
  if (isObject(value) && isObject(value.prefix)) {
    const { addr, len } = value.prefix;
    if (typeof len !== "number" || !Number.isInteger(len) || len < 0 || len > bits) {
      throw new Unread(`${what} with the prefix length ${JSON.stringify(len)}`);
    }
    return prefixSpan(family, address(addr), len);
  }
  if (isObject(value) && Array.isArray(value.range) && value.range.length === 2) {
    const first = address(value.range[0]);
    const last = address(value.range[1]);
    if (first > last) throw new Unread(`${what} with an empty range`);
    return { family, first, last };
  }
  throw new Unread(`${what} ${JSON.stringify(value)}`);
}

function readPortSpan(value: Json, what: string): PortSpan {
  const port = (v: Json): number => {
    if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 65535) return v;
    throw new Unread(`${what} ${JSON.stringify(v)}`);
  };
  if (isObject(value) && Array.isArray(value.range) && value.range.length === 2) {
    const span = { first: port(value.range[0]), last: port(value.range[1]) };
    if (span.first > span.last) throw new Unread(`${what} with an empty range`);
    return span;
  }
  const single = port(value);
  return { first: single, last: single };
}

/** Where each matched field goes, and which family or protocol it implies. */
type Field =
  | { key: "inInterface" | "outInterface"; byIndex: boolean }
  | { key: "families" }
  | { key: "protocols"; family?: Family }
  | { key: "sources" | "destinations"; family: Family }
  | { key: "ports"; protocol: number }
  | { key: "icmpTypes"; protocol: number; family: Family }
  | { key: "states" };

function fieldOf(left: Json): Field | string {
  const kind = onlyKey(left);
  const inner = kind === null || !isObject(left) ? null : left[kind];
  if (!isObject(inner)) return `${JSON.stringify(left)}`;
  if (kind === "meta") {
    const interfaces: Record<string, Field> = {
      iif: { key: "inInterface", byIndex: true },
      iifname: { key: "inInterface", byIndex: false },
      oif: { key: "outInterface", byIndex: true },
      oifname: { key: "outInterface", byIndex: false },
      nfproto: { key: "families" },
      l4proto: { key: "protocols" },
    };
    return interfaces[String(inner.key)] ?? `meta ${String(inner.key)}`;
  }
  if (kind === "ct" && inner.key === "state" && inner.dir === undefined) return { key: "states" };
  if (kind === "payload") {
    const name = `${String(inner.protocol)} ${String(inner.field)}`;
    const fields: Record<string, Field> = {
      "ip saddr": { key: "sources", family: "ipv4" },
      "ip daddr": { key: "destinations", family: "ipv4" },
      "ip6 saddr": { key: "sources", family: "ipv6" },
      "ip6 daddr": { key: "destinations", family: "ipv6" },
      "ip protocol": { key: "protocols", family: "ipv4" },
      "tcp dport": { key: "ports", protocol: TCP },
      "udp dport": { key: "ports", protocol: UDP },
      "icmp type": { key: "icmpTypes", protocol: ICMP, family: "ipv4" },
      "icmpv6 type": { key: "icmpTypes", protocol: ICMPV6, family: "ipv6" },
    };
    return fields[name] ?? name;
  }
  return kind === "ct" ? `ct ${String(inner.key)}` : `${kind}`;
}

/** Narrows a list of alternatives (families, protocols) by another match on the same thing. */
function narrow<T>(current: T[] | undefined, next: T[], what: string): T[] {
  const result = current === undefined ? next : current.filter((value) => next.includes(value));
  if (result.length === 0) throw new Unread(`${what} that no packet has`);
  return result;
}

/** Reads one match expression into matches. */
function readMatch(matches: RuleMatches, match: Record<string, Json>): void {
  const field = fieldOf(match.left);
  if (typeof field === "string") throw new Unread(`a match on ${field}`);
  const op = match.op;
  if (op !== "==" && !(op === "in" && field.key === "states")) throw new Unread(`the operator ${String(op)}`);
  const what = field.key;
  const values = Array.isArray(match.right) && field.key === "states" ? match.right : alternatives(match.right, what);
  const setOnce = <K extends keyof RuleMatches>(key: K, list: NonNullable<RuleMatches[K]>) => {
    if (matches[key] !== undefined) throw new Unread(`${key} matched twice`);
    matches[key] = list;
  };
  if ("family" in field && field.family !== undefined) {
    matches.families = narrow(matches.families, [field.family], "IPv4 and IPv6 at once");
  }
  switch (field.key) {
    case "inInterface":
    case "outInterface":
      setOnce(
        field.key,
        values.map((v) => {
          if (typeof v !== "string") throw new Unread(`an interface ${JSON.stringify(v)}`);
          return { name: v, byIndex: field.byIndex };
        }),
      );
      return;
    case "families":
      matches.families = narrow(
        matches.families,
        values.map((v) => {
          if (v !== "ipv4" && v !== "ipv6") throw new Unread(`meta nfproto ${JSON.stringify(v)}`);
          return v;
        }),
        "IPv4 and IPv6 at once",
      );
      return;
    case "protocols": {
      const protocols = values.map((v) => {
        const protocol = typeof v === "string" || typeof v === "number" ? readProtocol(v) : null;
        if (protocol === null) throw new Unread(`the protocol ${JSON.stringify(v)}`);
        return protocol;
      });
      matches.protocols = narrow(matches.protocols, protocols, "two protocols");
      return;
    }
    case "sources":
    case "destinations": {
      const spans = values.map((v) => readSpan(v, field.family, what));
      // `ip saddr 0.0.0.0/0` only says the packet is IPv4, which the family already says.
      if (!spans.some(isWholeFamily)) setOnce(field.key, spans);
      return;
    }
    case "ports":
      matches.protocols = narrow(matches.protocols, [field.protocol], "two protocols");
      setOnce(
        "ports",
        values.map((v) => readPortSpan(v, "a port")),
      );
      return;
    case "icmpTypes":
      matches.protocols = narrow(matches.protocols, [field.protocol], "two protocols");
      setOnce(
        "icmpTypes",
        values.map((v) => {
          const type = typeof v === "string" || typeof v === "number" ? readNftIcmpType(v, field.protocol) : null;
          if (type === null) throw new Unread(`the type ${JSON.stringify(v)}`);
          return type;
        }),
      );
      return;
    case "states":
      setOnce(
        "states",
        values.map((v) => {
          if (!CT_STATES.includes(v as CtState)) throw new Unread(`ct state ${JSON.stringify(v)}`);
          return v as CtState;
        }),
      );
      return;
  }
}

/** Reads a rule's expressions; throws DriftInputError when they are not a list of expressions at all. */
export function readNftExpressions(expressions: Json, where: string): RuleReading {
  if (!Array.isArray(expressions)) throw new DriftInputError(`${where}: the rule has no list of expressions`);
  const matches: RuleMatches = { families: ["ipv4", "ipv6"] };
  let verdict: Verdict | undefined;
  try {
    for (const expression of expressions) {
      const kind = onlyKey(expression);
      if (kind === null || !isObject(expression)) throw new DriftInputError(`${where}: an expression is not an object`);
      if (verdict !== undefined) throw new Unread(`${kind} after the verdict`);
      const body = expression[kind];
      if (kind === "counter") continue;
      if (kind === "accept" || kind === "drop") verdict = kind;
      else if (kind === "match" && isObject(body)) readMatch(matches, body);
      else throw new Unread(kind);
    }
  } catch (error) {
    if (error instanceof Unread) return { unread: error.reason };
    throw error;
  }
  if (verdict === undefined) return { unread: "no accept or drop" };
  return { matches, verdict };
}
