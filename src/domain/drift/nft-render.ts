// Writing nft syntax for the drift check's results (docs/drift.md): a host
// rule from the expressions `nft -j` printed (any expression: those it has no
// words for are shown as their JSON), a chain's head, and one normalised rule.
import type { NormalRule } from "./types.js";
import { formatNftPorts, formatNftSpan, ICMP, nftIcmpTypeName, protocolName, TCP } from "./values.js";

type Json = unknown;

const isObject = (value: Json): value is Record<string, Json> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Meta keys nft writes without `meta`, whose values are quoted names. */
const INTERFACE_KEYS = ["iif", "oif", "iifname", "oifname"];

function left(value: Json): { text: string; quoted: boolean } {
  if (isObject(value) && isObject(value.payload)) {
    return { text: `${String(value.payload.protocol)} ${String(value.payload.field)}`, quoted: false };
  }
  if (isObject(value) && isObject(value.meta)) {
    const key = String(value.meta.key);
    return INTERFACE_KEYS.includes(key) ? { text: key, quoted: true } : { text: `meta ${key}`, quoted: false };
  }
  if (isObject(value) && isObject(value.ct)) {
    const dir = value.ct.dir === undefined ? "" : `${String(value.ct.dir)} `;
    return { text: `ct ${dir}${String(value.ct.key)}`, quoted: false };
  }
  return { text: JSON.stringify(value), quoted: false };
}

function right(value: Json, quoted: boolean): string {
  if (typeof value === "string") return quoted && !value.startsWith("@") ? JSON.stringify(value) : value;
  if (typeof value === "number") return `${value}`;
  if (Array.isArray(value)) return value.map((v) => right(v, quoted)).join(",");
  if (isObject(value) && isObject(value.prefix))
    return `${right(value.prefix.addr, quoted)}/${String(value.prefix.len)}`;
  if (isObject(value) && Array.isArray(value.range)) return value.range.map((v) => right(v, quoted)).join("-");
  if (isObject(value) && Array.isArray(value.set)) return `{ ${value.set.map((v) => right(v, quoted)).join(", ")} }`;
  return JSON.stringify(value);
}

function statement(expression: Json): string {
  if (!isObject(expression)) return JSON.stringify(expression);
  const [kind = ""] = Object.keys(expression);
  const body = expression[kind];
  if (kind === "match" && isObject(body)) {
    const l = left(body.left);
    const op = body.op === "==" || body.op === "in" ? "" : `${String(body.op)} `;
    return `${l.text} ${op}${right(body.right, l.quoted)}`;
  }
  if (["counter", "accept", "drop", "return", "continue"].includes(kind) && (body === null || kind === "counter")) {
    return kind;
  }
  if ((kind === "jump" || kind === "goto") && isObject(body)) return `${kind} ${String(body.target)}`;
  if (kind === "reject" && body === null) return "reject";
  if (kind === "log" && isObject(body) && Object.keys(body).join() === "prefix") {
    return `log prefix ${JSON.stringify(body.prefix)}`;
  }
  return JSON.stringify(expression);
}

/** A rule's expressions in nft syntax, as `nft list ruleset` would show them where it can. */
export function renderNftExpressions(expressions: Json): string {
  if (!Array.isArray(expressions)) return JSON.stringify(expressions);
  return expressions.map(statement).join(" ");
}

/** A priority as nft writes it in the inet family: `filter`, `filter + 10`, `filter - 5`. */
function priority(prio: number): string {
  if (prio === 0) return "filter";
  return prio > 0 ? `filter + ${prio}` : `filter - ${-prio}`;
}

/** A chain's head: `chain input { type filter hook input priority filter; policy drop; }`, or `chain NAME { }` unhooked. */
export function nftChainHead(chain: {
  name: string;
  base?: { type: string; hook: string; prio: number; policy: string };
}): string {
  if (chain.base === undefined) return `chain ${chain.name} { }`;
  const { type, hook, prio, policy } = chain.base;
  return `chain ${chain.name} { type ${type} hook ${hook} priority ${priority(prio)}; policy ${policy}; }`;
}

/** One normalised rule as an nft rule line, e.g. `ip saddr 10.0.0.0/24 tcp dport 22 accept`. */
export function renderNftRule(rule: NormalRule): string {
  const ip = rule.family === "ipv4" ? "ip" : "ip6";
  const parts: string[] = [];
  // Addresses and ICMP types say the family themselves; anything else needs it said.
  if (rule.source === undefined && rule.destination === undefined && rule.icmpType === undefined) {
    parts.push(`meta nfproto ${rule.family}`);
  }
  if (rule.inInterface)
    parts.push(`${rule.inInterface.byIndex ? "iif" : "iifname"} ${JSON.stringify(rule.inInterface.name)}`);
  if (rule.outInterface) {
    parts.push(`${rule.outInterface.byIndex ? "oif" : "oifname"} ${JSON.stringify(rule.outInterface.name)}`);
  }
  if (rule.state) parts.push(`ct state ${rule.state}`);
  if (rule.source) parts.push(`${ip} saddr ${formatNftSpan(rule.source)}`);
  if (rule.destination) parts.push(`${ip} daddr ${formatNftSpan(rule.destination)}`);
  if (rule.protocol !== undefined) {
    if (rule.ports) parts.push(`${rule.protocol === TCP ? "tcp" : "udp"} dport ${formatNftPorts(rule.ports)}`);
    else if (rule.icmpType !== undefined) {
      parts.push(`${rule.protocol === ICMP ? "icmp" : "icmpv6"} type ${nftIcmpTypeName(rule.icmpType, rule.protocol)}`);
    } else parts.push(`meta l4proto ${protocolName(rule.protocol)}`);
  }
  parts.push(rule.verdict);
  return parts.join(" ");
}
