// One `-A CHAIN …` line of iptables-save / ip6tables-save output (or of a
// generated restore file, the same syntax) read into its matches
// (docs/drift.md, iptables): options in any order, `-m tcp` present or not,
// `-m multiport` lists, `-m state` and `-m conntrack --ctstate`, comments
// skipped. An option outside that subset (a negation, `--sport`, `-m limit`,
// `-j REJECT` …) leaves the rule unread, with the reason: it is then compared as
// written, never guessed at. A line iptables itself would refuse is an error.
import {
  type AddressSpan,
  CT_STATES,
  type CtState,
  DriftInputError,
  type Family,
  type InterfaceMatch,
  type PortSpan,
  type RuleMatches,
  type RuleReading,
} from "./types.js";
import {
  ICMP,
  ICMPV6,
  isAllPorts,
  isWholeFamily,
  readPort,
  readProtocol,
  readXtablesNetwork,
  readXtablesPorts,
  TCP,
  UDP,
} from "./values.js";

/**
 * Splits a line as iptables-restore does: white space separates words; `"…"`
 * or `'…'` quote, and inside quotes `\` takes the next character as it is.
 */
export function tokenizeXtables(line: string, where: string): string[] {
  // Most lines quote nothing: split them at once.
  if (!line.includes('"') && !line.includes("'")) return line.split(/[ \t]+/).filter((word) => word !== "");
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (quote !== "") {
      if (char === "\\" && i + 1 < line.length) word += line[++i];
      else if (char === quote) quote = "";
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === " " || char === "\t") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote !== "") throw new DriftInputError(`${where}: a quote (${quote}) is not closed`);
  if (inWord) words.push(word);
  return words;
}

/** Modules the drift check reads, and the options each gives. */
const MODULE_OPTIONS: Record<string, readonly string[]> = {
  tcp: ["--dport", "--destination-port"],
  udp: ["--dport", "--destination-port"],
  multiport: ["--dports", "--destination-ports"],
  icmp: ["--icmp-type"],
  icmp6: ["--icmpv6-type"],
  state: ["--state"],
  conntrack: ["--ctstate"],
  comment: ["--comment"],
};

/** The modules that give each module option. */
const OPTION_MODULES = new Map<string, string[]>();
for (const [module, options] of Object.entries(MODULE_OPTIONS)) {
  for (const option of options) OPTION_MODULES.set(option, [...(OPTION_MODULES.get(option) ?? []), module]);
}

/** The match each protocol loads by itself with -p. */
const PROTOCOL_MODULES = new Map([
  [TCP, "tcp"],
  [UDP, "udp"],
  [ICMP, "icmp"],
  [ICMPV6, "icmp6"],
]);

/** Options of the rule itself, with their long names. */
const RULE_OPTIONS: Record<string, string> = {
  "-s": "-s",
  "--source": "-s",
  "--src": "-s",
  "-d": "-d",
  "--destination": "-d",
  "--dst": "-d",
  "-p": "-p",
  "--protocol": "-p",
  "-i": "-i",
  "--in-interface": "-i",
  "-o": "-o",
  "--out-interface": "-o",
  "-m": "-m",
  "--match": "-m",
  "-j": "-j",
  "--jump": "-j",
};

const unread = (reason: string): RuleReading => ({ unread: reason });

/** Reads the words after `-A CHAIN` for one family; throws DriftInputError where iptables would refuse the line. */
export function readXtablesOptions(words: readonly string[], family: Family, where: string): RuleReading {
  const fail = (message: string) => new DriftInputError(`${where}: ${message}`);
  const modules = new Set<string>();
  const matches: RuleMatches = { families: [family] };
  let verdict: "accept" | "drop" | undefined;
  let i = 0;
  const value = (option: string): string => {
    const next = words[i++];
    if (next === undefined) throw fail(`${option} needs a value`);
    return next;
  };
  const once = <K extends keyof RuleMatches>(key: K, option: string, values: RuleMatches[K]): string | null => {
    if (matches[key] !== undefined) return `${option} matched twice`;
    matches[key] = values;
    return null;
  };
  while (i < words.length) {
    const option = words[i++] as string;
    if (option === "!") return unread("a negation (!)");
    const short = RULE_OPTIONS[option];
    let problem: string | null = null;
    if (short === "-s" || short === "-d") {
      const spans: AddressSpan[] = [];
      for (const part of value(option).split(",")) {
        const span = readXtablesNetwork(part, family);
        if ("unread" in span) return unread(`${option} ${part}, ${span.unread}`);
        if ("error" in span) throw fail(`${option} ${span.error}`);
        spans.push(span);
      }
      // `-s 0.0.0.0/0` matches every address, as no -s does (iptables-save leaves it out).
      if (!spans.some(isWholeFamily)) problem = once(short === "-s" ? "sources" : "destinations", option, spans);
    } else if (short === "-p") {
      const name = value(option);
      if (name === "all" || name === "0") continue;
      const protocol = readProtocol(name);
      if (protocol === null) return unread(`-p ${name}`);
      problem = once("protocols", option, [protocol]);
      // As iptables does, -p loads the protocol's own match, so `-m tcp` may be left out.
      const implicit = PROTOCOL_MODULES.get(protocol);
      if (implicit !== undefined) modules.add(implicit);
    } else if (short === "-i" || short === "-o") {
      const match: InterfaceMatch = { name: value(option), byIndex: false };
      problem = once(short === "-i" ? "inInterface" : "outInterface", option, [match]);
    } else if (short === "-m") {
      const name = value(option);
      if (MODULE_OPTIONS[name] === undefined) return unread(`-m ${name}`);
      modules.add(name);
    } else if (short === "-j") {
      const target = value(option);
      if (target !== "ACCEPT" && target !== "DROP") return unread(`-j ${target}`);
      if (verdict !== undefined) throw fail("has two targets");
      verdict = target === "ACCEPT" ? "accept" : "drop";
    } else if (option === "-c" || option === "--set-counters") {
      value(option);
      value(option);
    } else {
      const givers = OPTION_MODULES.get(option);
      const module = givers?.find((m) => modules.has(m));
      if (module === undefined) {
        // iptables knows a module's options only once the module is loaded (by -m or -p).
        if (givers !== undefined) {
          throw fail(`${option} comes before the -m or -p that gives it`);
        }
        if (option.startsWith("-")) return unread(option);
        throw fail(`${JSON.stringify(option)} is not an option`);
      }
      const text = value(option);
      problem = readModuleOption(matches, module, option, text, family, fail);
    }
    if (problem !== null) return unread(problem);
  }
  if (verdict === undefined) return unread("no -j ACCEPT or -j DROP");
  // iptables refuses a port or type match without its protocol, whatever the order of the options.
  const protocol = matches.protocols?.[0];
  if (matches.ports !== undefined && protocol !== TCP && protocol !== UDP) throw fail("--dport needs -p tcp or -p udp");
  if (matches.icmpTypes !== undefined && protocol !== (family === "ipv4" ? ICMP : ICMPV6)) {
    throw fail(family === "ipv4" ? "--icmp-type needs -p icmp" : "--icmpv6-type needs -p ipv6-icmp");
  }
  return { matches, verdict };
}

/** Reads one module option into matches; a reason when the rule stays unread, a thrown error when invalid. */
function readModuleOption(
  matches: RuleMatches,
  module: string,
  option: string,
  text: string,
  family: Family,
  fail: (message: string) => Error,
): string | null {
  const set = <K extends keyof RuleMatches>(key: K, values: RuleMatches[K]) => {
    if (matches[key] !== undefined) return `${option} matched twice`;
    matches[key] = values;
    return null;
  };
  if (module === "comment") return null;
  if (module === "tcp" || module === "udp" || module === "multiport") {
    const spans: PortSpan[] = [];
    for (const part of module === "multiport" ? text.split(",") : [text]) {
      const span = readXtablesPorts(part);
      if (span === null) throw fail(`${option} ${JSON.stringify(part)} is not a port or port range`);
      spans.push(span);
    }
    if (module !== "multiport" && spans.every(isAllPorts)) return null;
    return set("ports", spans);
  }
  if (module === "icmp" || module === "icmp6") {
    if ((module === "icmp") !== (family === "ipv4"))
      return `-m ${module} in an ${family === "ipv4" ? "IPv4" : "IPv6"} table`;
    // iptables reads ICMP type 255 as any type and prints it `any`; ip6tables has no such wildcard.
    if (module === "icmp" && (text === "any" || text === "255")) return null;
    const type = readPort(text);
    if (type === null || type > 255) return `${option} ${text}`;
    return set("icmpTypes", [type]);
  }
  const states: CtState[] = [];
  for (const part of text.split(",")) {
    const state = part.toLowerCase() as CtState;
    if (!CT_STATES.includes(state)) return `${option} ${part}`;
    states.push(state);
  }
  return set("states", states);
}
