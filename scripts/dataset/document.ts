// The interchange documents the data set generator (scripts/dataset.ts) writes,
// every field present, keys in the order export writes them (docs/cli.md), so a
// generated document imported and exported again gives the same bytes.
import type { Protocol } from "../../src/domain/constants.js";

export interface DatasetInterface {
  name: string;
  description: string;
  address: string;
  /** Dotted for IPv4 (`255.255.255.255` for one host); a prefix length for IPv6 (`"64"`, `"128"` for one host). */
  netmask: string;
}
export interface DatasetEntity {
  name: string;
  description: string;
  location: string;
  /** Version 2 documents only. */
  restrictOutgoing?: boolean;
  interfaces: DatasetInterface[];
}
export interface DatasetEnd {
  entity: string;
  interface: string;
}
export interface DatasetCommunication {
  source: DatasetEnd;
  destination: DatasetEnd;
  protocol: Protocol;
  port: number;
  /** Version 2 documents only: the last port of a range, equal to port for one port or type. */
  portEnd?: number;
  description: string;
  /** Version 2 documents only. */
  requestedBy?: string;
  /** Version 2 documents only. */
  reference?: string;
  /** Version 2 documents only: the last day the flow is in the generated files, or null. */
  expires?: string | null;
}
export interface DatasetProject {
  name: string;
  description: string;
  entities: DatasetEntity[];
  communications: DatasetCommunication[];
}
/** A version 1 or 2 interchange document as written. */
export interface DatasetDocument {
  format: "conntrackt";
  version: 1 | 2;
  locations: { name: string; description: string }[];
  projects: DatasetProject[];
}

/** A version 2 entity: restrictOutgoing always present. */
export interface DualStackEntity extends DatasetEntity {
  restrictOutgoing: boolean;
}
/** A version 2 communication: every field present. */
export interface DualStackCommunication extends DatasetCommunication {
  portEnd: number;
  requestedBy: string;
  reference: string;
  expires: string | null;
}
export interface DualStackProject extends DatasetProject {
  entities: DualStackEntity[];
  communications: DualStackCommunication[];
}
/** What `generateDataset({ dualStack: true, … })` returns: a version 2 document. */
export interface DualStackDocument extends DatasetDocument {
  version: 2;
  projects: DualStackProject[];
}
