// The checks between the items of a well-formed interchange document
// (docs/usage.md): names unique where they must be, one address and netmask
// once per entity, communications pointing at existing interfaces of two
// different entities of the same project, both ends of one address family
// and the protocol fitting it (./fields.ts flowFamilyIssue), and no flow twice.
// Checks that need the database are in src/data/interchange.ts.
import { type AddressFamily, addressFamily, flowFamilyIssue } from "./fields.js";
import type { InterchangeDocument } from "./interchange-schema.js";

/** One broken rule: where (JSON path) and what. */
export interface Problem {
  path: string;
  message: string;
}

/** Reports a second item with the same key, naming the first one. */
class Uniques {
  #seen = new Map<string, string>();
  constructor(
    private readonly problems: Problem[],
    private readonly message: (shown: string, first: string) => string,
  ) {}
  check(key: string, path: string, shown = ""): void {
    const first = this.#seen.get(key);
    if (first === undefined) this.#seen.set(key, path);
    else this.problems.push({ path, message: this.message(shown, first) });
  }
}

const usedBy = (what: string) => (shown: string, first: string) => `${what} ${shown} is already used by ${first}`;

/**
 * The rules between items (module header). Returns the problems and the
 * location names that entities use without the document declaring them:
 * those must exist in the database.
 */
export function checkInterchangeReferences(doc: InterchangeDocument): {
  problems: Problem[];
  undeclaredLocations: Map<string, string>;
} {
  const problems: Problem[] = [];
  const locationNames = new Uniques(problems, usedBy("location name"));
  doc.locations.forEach((l, i) => {
    locationNames.check(l.name, `locations[${i}].name`, JSON.stringify(l.name));
  });
  const declared = new Set(doc.locations.map((l) => l.name));
  /** Undeclared location name → path of the first entity naming it. */
  const undeclaredLocations = new Map<string, string>();

  const projectNames = new Uniques(problems, usedBy("project name"));
  doc.projects.forEach((project, p) => {
    const at = `projects[${p}]`;
    projectNames.check(project.name, `${at}.name`, JSON.stringify(project.name));

    const entityNames = new Uniques(problems, usedBy("entity name"));
    /** entity name → (interface name → address family), for the communication endpoints. */
    const interfacesOf = new Map<string, Map<string, AddressFamily>>();
    project.entities.forEach((entity, e) => {
      const ea = `${at}.entities[${e}]`;
      entityNames.check(entity.name, `${ea}.name`, JSON.stringify(entity.name));
      if (!declared.has(entity.location) && !undeclaredLocations.has(entity.location)) {
        undeclaredLocations.set(entity.location, `${ea}.location`);
      }
      const interfaceNames = new Uniques(problems, usedBy("interface name"));
      const interfaceAddresses = new Uniques(problems, usedBy("address and netmask"));
      const names = interfacesOf.get(entity.name) ?? new Map<string, AddressFamily>();
      interfacesOf.set(entity.name, names);
      entity.interfaces.forEach((iface, i) => {
        const ia = `${ea}.interfaces[${i}]`;
        interfaceNames.check(iface.name, `${ia}.name`, JSON.stringify(iface.name));
        const network = `${iface.address}/${iface.netmask}`;
        interfaceAddresses.check(network, `${ia}.address`, network);
        if (!names.has(iface.name)) names.set(iface.name, addressFamily(iface.address));
      });
    });

    const flows = new Uniques(
      problems,
      (_shown, first) =>
        `a communication with the same source, destination, protocol and port or range already exists at ${first}`,
    );
    project.communications.forEach((c, k) => {
      const ca = `${at}.communications[${k}]`;
      const families: AddressFamily[] = [];
      for (const side of ["source", "destination"] as const) {
        const end = c[side];
        const names = interfacesOf.get(end.entity);
        const family = names?.get(end.interface);
        if (names === undefined) {
          problems.push({
            path: `${ca}.${side}.entity`,
            message: `project ${JSON.stringify(project.name)} has no entity named ${JSON.stringify(end.entity)}`,
          });
        } else if (family === undefined) {
          problems.push({
            path: `${ca}.${side}.interface`,
            message: `entity ${JSON.stringify(end.entity)} has no interface named ${JSON.stringify(end.interface)}`,
          });
        } else {
          families.push(family);
        }
      }
      const [sourceFamily, destinationFamily] = families;
      if (sourceFamily === undefined || destinationFamily === undefined) return;
      if (c.source.entity === c.destination.entity) {
        problems.push({
          path: `${ca}.destination.entity`,
          message: `source and destination must be interfaces of two different entities (both are ${JSON.stringify(c.source.entity)})`,
        });
        return;
      }
      const familyIssue = flowFamilyIssue(c.protocol, sourceFamily, destinationFamily);
      if (familyIssue !== null) {
        // Two families: the destination is named; one family unfit for the protocol: the protocol.
        const field = sourceFamily === destinationFamily ? "protocol" : "destination.interface";
        problems.push({ path: `${ca}.${field}`, message: familyIssue });
        return;
      }
      const key = JSON.stringify([
        c.source.entity,
        c.source.interface,
        c.destination.entity,
        c.destination.interface,
        c.protocol,
        c.port,
        c.portEnd,
      ]);
      flows.check(key, ca);
    });
  });
  return { problems, undeclaredLocations };
}
