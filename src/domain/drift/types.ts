// The shapes the drift check works on (docs/drift.md): rules as a file has
// them (ReadRule), each standing for one or more normalised rules (NormalRule),
// and the result of a comparison (DriftResult).

export type Family = "ipv4" | "ipv6";

/** Which generated file a host text is compared with: what iptables-save, ip6tables-save or `nft -j list ruleset` printed. */
export type DriftFormat = "iptables" | "ip6tables" | "nftables";

export const DRIFT_FORMATS: readonly DriftFormat[] = ["iptables", "ip6tables", "nftables"];

/** Connection tracking states, lower case as nft writes them. */
export const CT_STATES = ["invalid", "new", "established", "related", "untracked"] as const;
export type CtState = (typeof CT_STATES)[number];

/** A block of addresses of one family, first to last inclusive (a network is one such block). */
export interface AddressSpan {
  family: Family;
  first: bigint;
  last: bigint;
}

/** Ports first to last inclusive; one port has first = last. */
export interface PortSpan {
  first: number;
  last: number;
}

/** An interface match: by name (`-i`, `iifname`) or by index (`iif`, the interface as it was when loaded). */
export interface InterfaceMatch {
  name: string;
  byIndex: boolean;
}

export type Verdict = "accept" | "drop";

/**
 * One normalised rule: every match has one value, an absent one matches
 * anything. Two rules mean the same when their keys (ruleKey) are equal.
 */
export interface NormalRule {
  chain: string;
  family: Family;
  inInterface?: InterfaceMatch;
  outInterface?: InterfaceMatch;
  state?: CtState;
  /** IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6). */
  protocol?: number;
  source?: AddressSpan;
  destination?: AddressSpan;
  /** Destination ports, with protocol TCP or UDP. */
  ports?: PortSpan;
  /** ICMP or ICMPv6 type, with protocol 1 or 58. */
  icmpType?: number;
  verdict: Verdict;
}

/**
 * The matches of a rule as written: each a list of alternatives (a multiport
 * list, an nft set, the two families of an inet rule), absent for "any". The
 * rule stands for one normalised rule per combination.
 */
export interface RuleMatches {
  families: Family[];
  inInterface?: InterfaceMatch[];
  outInterface?: InterfaceMatch[];
  states?: CtState[];
  protocols?: number[];
  sources?: AddressSpan[];
  destinations?: AddressSpan[];
  ports?: PortSpan[];
  icmpTypes?: number[];
}

/** What reading one rule gave: its matches and verdict, or why the drift check does not read it. */
export type RuleReading = { matches: RuleMatches; verdict: Verdict } | { unread: string };

/** One rule of a compared chain, as the text has it. */
export interface ReadRule {
  /** As the format writes it: `INPUT` for iptables, `input` for nft. */
  chain: string;
  /** Where it is: `line 12` (iptables, generated files) or `handle 7` (nft -j). */
  where: string;
  /** The rule in the file's own syntax, as written (nft -j: rendered from its expressions). */
  text: string;
  reading: RuleReading;
}

/** A chain and its head (policy line) in the file's syntax. */
export interface ChainHead {
  name: string;
  line: string;
  /** A chain that traffic enters by itself (a built-in chain, an nft base chain), not only by a jump. */
  hooked: boolean;
}

/** The part of one text the drift check compares: chains and their rules, in order. */
export interface ReadRuleset {
  format: DriftFormat;
  chains: ChainHead[];
  rules: ReadRule[];
}

/** A chain whose head differs; null where the chain is absent. */
export interface PolicyDifference {
  chain: string;
  model: string | null;
  host: string | null;
}

/** A rule one side has and the other lacks, in the file's own syntax. */
export interface RuleDifference {
  chain: string;
  rule: string;
  /** Where the rule is in its text: `line 12` or `handle 7`. */
  where: string;
  /** Why the drift check compared the host rule as written instead of reading it (`-m limit`, `-j REJECT` …). */
  unread?: string;
}

export interface DriftResult {
  inSync: boolean;
  format: DriftFormat;
  policies: PolicyDifference[];
  /** In the model's file, not on the host. */
  missing: RuleDifference[];
  /** On the host, not in the model's file. */
  extra: RuleDifference[];
}

/** Host text the drift check cannot read; the message says why and where. */
export class DriftInputError extends Error {
  override name = "DriftInputError";
}
