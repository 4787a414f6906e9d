// No change without its entry under concurrency (docs/usage.md "Change
// history"): communications added while their project is being deleted
// either fail or are recorded twice, created and then deleted. On PostgreSQL
// a deletion locks its scope first (src/data/history-locks.ts); without it,
// a flow committed between the deletion's read and its cascade went
// unrecorded. On SQLite the queue runs one transaction at a time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunication } from "../../src/data/communications.js";
import { createEntity, deleteEntity } from "../../src/data/entities.js";
import { createInterface } from "../../src/data/interfaces.js";
import { createLocation } from "../../src/data/locations.js";
import { createProject, deleteProject } from "../../src/data/projects.js";
import { createTestContext, type TestContext } from "../support/app.js";
import { storedEntries } from "../support/history.js";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

let counter = 0;

/** A project with `hosts` entities of one interface each. */
async function project(hosts: number) {
  const name = `Race ${++counter}`;
  const p = await createProject(ctx.db, { name, description: "" });
  const site = await createLocation(ctx.db, { name: `${name} site`, description: "" });
  const interfaces: { id: number; entityId: number }[] = [];
  for (let i = 0; i < hosts; i++) {
    const e = await createEntity(ctx.db, { name: `h${i}`, description: "", projectId: p.id, locationId: site.id });
    const iface = await createInterface(ctx.db, {
      name: "eth0",
      description: "",
      entityId: e.id,
      address: `10.${counter % 250}.0.${i + 1}`,
      netmask: "255.255.255.255",
    });
    interfaces.push({ id: iface.id, entityId: e.id });
  }
  return { project: p, interfaces };
}

/** Every communication ever recorded is either still there or has its deletion entry, and every one there has its creation. */
async function everyFlowAccountedFor(): Promise<void> {
  const flows = await storedEntries(ctx.db, { objectType: "communication" });
  const created = new Set(flows.filter((e) => e.action === "create").map((e) => e.objectId));
  const deleted = new Set(flows.filter((e) => e.action === "delete").map((e) => e.objectId));
  const existing = new Set(
    (await ctx.db.run((c) => c.communication.findMany({ select: { id: true } }))).map((c) => c.id),
  );
  const unrecordedDeletions = [...created].filter((id) => !existing.has(id) && !deleted.has(id));
  const unrecordedCreations = [...existing].filter((id) => !created.has(id));
  expect({ unrecordedDeletions, unrecordedCreations }).toEqual({ unrecordedDeletions: [], unrecordedCreations: [] });
}

describe("writes racing a deletion", () => {
  it("record every communication that the project's deletion takes along", async () => {
    for (let round = 0; round < 8; round++) {
      const { project: p, interfaces } = await project(6);
      const adds = Array.from({ length: 12 }, (_, i) => {
        const source = interfaces[i % 6] as { id: number };
        const destination = interfaces[(i + 1) % 6] as { id: number };
        return createCommunication(ctx.db, p.id, {
          sourceId: source.id,
          destinationId: destination.id,
          protocol: "TCP",
          port: 1000 + i,
          description: "",
        });
      });
      const removal = new Promise((resolve) => setTimeout(resolve, round * 3)).then(() => deleteProject(ctx.db, p.id));
      const results = await Promise.allSettled([...adds, removal]);
      // Adding to a project being deleted may be refused; the deletion itself must go through.
      expect(results.at(-1)).toEqual({ status: "fulfilled", value: true });
      await everyFlowAccountedFor();
    }
  });

  it("record every communication that an entity's deletion takes along", async () => {
    for (let round = 0; round < 8; round++) {
      const { project: p, interfaces } = await project(4);
      const target = interfaces[0] as { id: number; entityId: number };
      const adds = [1, 2, 3].flatMap((other) =>
        [0, 1, 2].map((k) =>
          createCommunication(ctx.db, p.id, {
            sourceId: (interfaces[other] as { id: number }).id,
            destinationId: target.id,
            protocol: "UDP",
            port: 2000 + other * 10 + k,
            description: "",
          }),
        ),
      );
      const removal = new Promise((resolve) => setTimeout(resolve, round * 3)).then(() =>
        deleteEntity(ctx.db, target.entityId),
      );
      const results = await Promise.allSettled([...adds, removal]);
      expect(results.at(-1)).toEqual({ status: "fulfilled", value: true });
      await everyFlowAccountedFor();
    }
  });
});
