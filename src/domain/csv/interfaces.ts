// How a CSV import row's end finds its interface (docs/cli.md, import-csv),
// among the interfaces an entity has and those the import adds before it:
// 1. the same address and netmask: that interface;
// 2. no netmask given (empty cell, no CIDR text) and the entity has exactly one
//    interface with that address (a network such as 10.10.4.0/24, an IPv6
//    /64): that interface, so a row naming a network by its address alone
//    does not add a second, one-host interface to it; several: the row must
//    give the netmask;
// 3. otherwise a new interface, named after the first free `ethN`, unless one
//    of the entity's networks already holds the address (10.10.4.7 on an entity
//    whose interface is 10.10.4.0/24): a host inside a network is refused
//    rather than silently added to the network's entity.
// Networks are indexed by prefix length, so a check costs at most 129 lookups
// however many interfaces an entity has.
import { NAME_MAX } from "../constants.js";
import { parseIpv4, prefixLength, prefixToMaskValue } from "../ipv4.js";
import { ipv6NetworkAddress, parseIpv6 } from "../ipv6.js";

/** An interface identified the way the CSV does: entity name, address, netmask. */
export interface InterfaceKey {
  entity: string;
  address: string;
  netmask: string;
}

/** One end of a row, as validated (src/validation/csv-import.ts). */
export interface CsvEndpoint {
  entity: string;
  address: string;
  /** Dotted for IPv4, a prefix length for IPv6; one host when the row gave none. */
  netmask: string;
  /** Whether the row gave the netmask (its column or CIDR text), or it is the one-host default. */
  netmaskGiven: boolean;
  /** Location of the entity, when the row gives one. */
  location?: string;
}

interface Known {
  name: string;
  address: string;
  netmask: string;
  /** The line that adds it; absent for an interface in the database. */
  line?: number;
}

/** An address and netmask as numbers: family, prefix length and value. */
type Parsed = { family: 4; prefix: number; value: number } | { family: 6; prefix: number; value: bigint };

/** Dotted netmask → prefix length: a project holds few distinct netmasks, each parsed once. */
const prefixes = new Map<string, number>();

function parse(address: string, netmask: string): Parsed {
  const v4 = parseIpv4(address);
  if (v4 === null) return { family: 6, prefix: Number(netmask), value: parseIpv6(address) ?? 0n };
  let prefix = prefixes.get(netmask);
  if (prefix === undefined) {
    prefix = prefixLength(netmask) ?? 32;
    if (prefixes.size < 1000) prefixes.set(netmask, prefix);
  }
  return { family: 4, prefix, value: v4 };
}

/** The network of a parsed address at a prefix no longer than its own, as a map key. */
function networkAt(p: Parsed, prefix: number): number | bigint {
  return p.family === 4 ? (p.value & prefixToMaskValue(prefix)) >>> 0 : ipv6NetworkAddress(p.value, prefix);
}

/** `10.10.4.0/24`, `fd00:77::/64`; a single host as its address alone. */
export function networkText(i: { address: string; netmask: string }): string {
  const { family, prefix } = parse(i.address, i.netmask);
  return prefix === (family === 4 ? 32 : 128) ? i.address : `${i.address}/${prefix}`;
}

class EntityInterfaces {
  readonly names = new Set<string>();
  /** Where the search for a free `ethN` goes on: names are only ever added during a plan. */
  nextFree = 0;
  readonly byAddress = new Map<string, Known[]>();
  /** Per family: prefix length → network value → interface. */
  readonly networks = {
    4: new Map<number, Map<number | bigint, Known>>(),
    6: new Map<number, Map<number | bigint, Known>>(),
  };

  add(known: Known): void {
    this.names.add(known.name);
    const list = this.byAddress.get(known.address);
    if (list === undefined) this.byAddress.set(known.address, [known]);
    else list.push(known);
    const parsed = parse(known.address, known.netmask);
    const prefixes = this.networks[parsed.family];
    let networks = prefixes.get(parsed.prefix);
    if (networks === undefined) {
      networks = new Map();
      prefixes.set(parsed.prefix, networks);
    }
    if (!networks.has(parsed.value)) networks.set(parsed.value, known);
  }

  /** A network of the entity that holds the address at its prefix, if any. */
  holding(address: string, netmask: string): Known | undefined {
    const parsed = parse(address, netmask);
    for (const [shorter, networks] of this.networks[parsed.family]) {
      if (shorter > parsed.prefix) continue;
      const found = networks.get(networkAt(parsed, shorter));
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** The first `ethN` not in use. */
  freeName(): string {
    for (; ; this.nextFree++) {
      const name = `eth${this.nextFree}`;
      if (!this.names.has(name) && name.length <= NAME_MAX) return name;
    }
  }
}

export type ResolvedInterface =
  | { ok: true; key: InterfaceKey; added?: InterfaceKey & { name: string } }
  | { ok: false; message: string };

const described = (entity: string, i: Known) =>
  i.line === undefined
    ? `interface ${JSON.stringify(i.name)} of the existing entity ${JSON.stringify(entity)}`
    : `interface ${JSON.stringify(i.name)} that line ${i.line} adds to ${JSON.stringify(entity)}`;

/** The interfaces of the project's entities, existing and planned, for the rules of the module header. */
export class InterfaceIndex {
  #entities = new Map<string, EntityInterfaces>();

  /** Adds an interface the entity has in the database. */
  addExisting(entity: string, i: { name: string; address: string; netmask: string }): void {
    this.#of(entity).add({ name: i.name, address: i.address, netmask: i.netmask });
  }

  #of(entity: string): EntityInterfaces {
    let index = this.#entities.get(entity);
    if (index === undefined) {
      index = new EntityInterfaces();
      this.#entities.set(entity, index);
    }
    return index;
  }

  /** Finds or plans the interface of one end; `side` ("Source", "Destination") names it in messages. */
  resolve(end: CsvEndpoint, line: number, side: string): ResolvedInterface {
    const index = this.#of(end.entity);
    const keyOf = (i: { address: string; netmask: string }) => ({
      entity: end.entity,
      address: i.address,
      netmask: i.netmask,
    });
    const byAddress = index.byAddress.get(end.address) ?? [];
    const same = byAddress.find((i) => i.netmask === end.netmask);
    if (same !== undefined) return { ok: true, key: keyOf(same) };
    if (!end.netmaskGiven) {
      if (byAddress.length === 1) return { ok: true, key: keyOf(byAddress[0] as Known) };
      if (byAddress.length > 1) {
        const list = byAddress.map((i) => `${networkText(i)} (${JSON.stringify(i.name)})`).join(", ");
        return {
          ok: false,
          message: `${side} entity ${JSON.stringify(end.entity)} has several interfaces with the address ${end.address}: ${list}; give the ${side.toLowerCase()} netmask to choose one`,
        };
      }
    }
    const holder = index.holding(end.address, end.netmask);
    if (holder !== undefined) {
      return {
        ok: false,
        message: `${side} address ${networkText(end)} lies in the network ${networkText(holder)} of ${described(end.entity, holder)}, and a host is not added to a network's entity: for the whole network give ${holder.address} with an empty netmask; for one host, name an entity of its own`,
      };
    }
    const name = index.freeName();
    index.add({ name, address: end.address, netmask: end.netmask, line });
    return { ok: true, key: keyOf(end), added: { ...keyOf(end), name } };
  }
}
