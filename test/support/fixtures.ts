// Small data sets built through the data layer, for route tests.
import { createCommunication } from "../../src/data/communications.js";
import type { Database } from "../../src/data/engine.js";
import { createEntity } from "../../src/data/entities.js";
import { createInterface } from "../../src/data/interfaces.js";
import { createLocation } from "../../src/data/locations.js";
import { createProject } from "../../src/data/projects.js";

let counter = 0;

/** A project with two entities in one location, an interface each and one TCP:22 flow from a to b. */
export async function seedProject(db: Database, prefix = `P${++counter}`) {
  const project = await createProject(db, { name: `${prefix} project`, description: "Test project" });
  const location = await createLocation(db, { name: `${prefix} site`, description: "" });
  const a = await createEntity(db, { name: "alpha", description: "", projectId: project.id, locationId: location.id });
  const b = await createEntity(db, { name: "beta", description: "", projectId: project.id, locationId: location.id });
  const ia = await createInterface(db, {
    name: "eth0",
    description: "",
    entityId: a.id,
    address: "10.0.0.1",
    netmask: "255.255.255.255",
  });
  const ib = await createInterface(db, {
    name: "eth0",
    description: "",
    entityId: b.id,
    address: "10.0.0.2",
    netmask: "255.255.255.255",
  });
  const communication = await createCommunication(db, project.id, {
    sourceId: ia.id,
    destinationId: ib.id,
    protocol: "TCP",
    port: 22,
    description: "SSH",
  });
  return { project, location, a, b, ia, ib, communication };
}
