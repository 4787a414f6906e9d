// Plain data the domain works on. The data layer maps database rows to these;
// nothing here knows about Prisma or HTTP.
import type { Protocol } from "./constants.js";

export interface Endpoint {
  /** Dotted IPv4 address, e.g. `192.168.1.1`; for the firewall generators also an IPv6 address, e.g. `fd00:1::1`. */
  address: string;
  /** Dotted contiguous IPv4 netmask, e.g. `255.255.255.0`; for an IPv6 address its prefix length 0–128, e.g. `64`. */
  netmask: string;
}

/** One communication, as the generators read it (incoming or outgoing). */
export interface IncomingFlow {
  protocol: Protocol;
  /** TCP/UDP port (the first of a range), or ICMP type. */
  port: number;
  /** Last TCP/UDP port of a range `port..portEnd`; absent, or equal to port, for one port or type. */
  portEnd?: number;
  description: string;
  source: Endpoint;
  destination: Endpoint;
}

/** What the iptables, ip6tables and nftables generators read for one entity (docs/rules.md). */
export interface EntityRulesInput {
  entity: { name: string; project: string; location: string };
  /** Flows whose destination interface belongs to the entity, of both families. */
  incoming: IncomingFlow[];
  /** Filter what the entity sends too (OUTPUT policy DROP); absent means false. */
  restrictOutgoing?: boolean;
  /** Flows whose source interface belongs to the entity; written only with restrictOutgoing. */
  outgoing?: IncomingFlow[];
}

/** A flow as the generators read it: any protocol, between two IPv4 or two IPv6 ends. */
export type FirewallFlow = IncomingFlow;
/** The generators' input; the same as EntityRulesInput. */
export type FirewallInput = EntityRulesInput;

/** Everything the diagram builder needs for one project (docs/usage.md). */
export interface DiagramInput {
  entities: { id: number; name: string; location: { id: number; name: string } }[];
  communications: {
    id: number;
    sourceEntityId: number;
    destinationEntityId: number;
    protocol: Protocol;
    port: number;
    /** Last port of a range; absent, or equal to port, for one port or type. */
    portEnd?: number;
  }[];
}
