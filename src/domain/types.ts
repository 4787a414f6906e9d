// Plain data the domain works on. The data layer maps database rows to these;
// nothing here knows about Prisma or HTTP.
import type { Protocol } from "./constants.js";

export interface Endpoint {
  /** Dotted IPv4 address, e.g. `192.168.1.1`. */
  address: string;
  /** Dotted contiguous IPv4 netmask, e.g. `255.255.255.0`. */
  netmask: string;
}

/** One communication that ends at the entity whose rules are generated. */
export interface IncomingFlow {
  protocol: Protocol;
  /** TCP/UDP port, or ICMP type. */
  port: number;
  description: string;
  source: Endpoint;
  destination: Endpoint;
}

/** Everything the iptables generator needs for one entity (docs/rules.md). */
export interface EntityRulesInput {
  entity: { name: string; project: string; location: string };
  incoming: IncomingFlow[];
}

/** Everything the diagram builder needs for one project (docs/usage.md). */
export interface DiagramInput {
  entities: { id: number; name: string; location: { id: number; name: string } }[];
  communications: {
    id: number;
    sourceEntityId: number;
    destinationEntityId: number;
    protocol: Protocol;
    port: number;
  }[];
}
