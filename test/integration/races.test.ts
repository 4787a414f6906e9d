// A change racing a deletion (docs/usage.md): another user deletes the row
// being changed, or a row it refers to, while the form is being saved. The
// answer is a 404 page or the form with a message on the field, never a 500,
// and nothing is half-written. The deterministic cases delete right after the
// route has read what it checks (the row from the URL, the lists of the form):
// only checks made again inside the write's transaction catch those. The
// parallel cases fire many saves and deletions at once (true races on
// PostgreSQL's connection pool).
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createCommunication, deleteCommunication } from "../../src/data/communications.js";
import { createEntity, deleteEntity } from "../../src/data/entities.js";
import { createInterface, deleteInterface } from "../../src/data/interfaces.js";
import { createLocation, deleteLocation } from "../../src/data/locations.js";
import { createProject, deleteProject } from "../../src/data/projects.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

/** One-shot hooks run right after a data read the routes make, by function name. */
const afterRead = new Map<string, () => Promise<unknown>>();

async function fire(name: string): Promise<void> {
  const hook = afterRead.get(name);
  if (!hook) return;
  afterRead.delete(name);
  await hook();
}

function hooked<A extends unknown[], R>(name: string, read: (...args: A) => Promise<R>) {
  return async (...args: A): Promise<R> => {
    const result = await read(...args);
    await fire(name);
    return result;
  };
}

vi.mock("../../src/data/entities.js", async (original) => {
  const m = await original<typeof import("../../src/data/entities.js")>();
  return { ...m, getEntity: hooked("getEntity", m.getEntity), listEntities: hooked("listEntities", m.listEntities) };
});
vi.mock("../../src/data/interfaces.js", async (original) => {
  const m = await original<typeof import("../../src/data/interfaces.js")>();
  return { ...m, getInterface: hooked("getInterface", m.getInterface) };
});
vi.mock("../../src/data/communications.js", async (original) => {
  const m = await original<typeof import("../../src/data/communications.js")>();
  return {
    ...m,
    getCommunication: hooked("getCommunication", m.getCommunication),
    projectInterfaceOptions: hooked("projectInterfaceOptions", m.projectInterfaceOptions),
  };
});
vi.mock("../../src/data/locations.js", async (original) => {
  const m = await original<typeof import("../../src/data/locations.js")>();
  return {
    ...m,
    getLocation: hooked("getLocation", m.getLocation),
    listLocations: hooked("listLocations", m.listLocations),
  };
});
vi.mock("../../src/data/projects.js", async (original) => {
  const m = await original<typeof import("../../src/data/projects.js")>();
  return {
    ...m,
    getProject: hooked("getProject", m.getProject),
    listProjects: hooked("listProjects", m.listProjects),
  };
});

let ctx: TestContext;
let editor: Agent;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("editor", [], ["Editors"]);
  editor = await ctx.login("editor");
});
afterAll(() => ctx.close());
beforeEach(() => afterRead.clear());

const counts = () =>
  ctx.db.run(async (c) => ({
    projects: await c.project.count(),
    locations: await c.location.count(),
    entities: await c.entity.count(),
    interfaces: await c.interface.count(),
    communications: await c.communication.count(),
  }));

const post = (path: string, body: Record<string, string | number>) =>
  editor
    .post(path)
    .type("form")
    .send({ _csrf: editor.csrf, ...body });

const fieldError = (html: string, field: string) => new RegExp(`id="f-${field}-error">([^<]*)<`).exec(html)?.[1] ?? "";

/**
 * Runs `deletion` right after the route's read `read`, posts the form, and
 * checks the answer: a 404 page, or (given a field) the form with its message.
 * Returns the row counts before the deletion and after the post.
 */
async function racing(
  read: string,
  deletion: () => Promise<unknown>,
  path: string,
  body: Record<string, string | number>,
  expected: { status: 404 } | { status: 422; field: string; message: string },
) {
  let afterDeletion: Awaited<ReturnType<typeof counts>> | undefined;
  afterRead.set(read, async () => {
    await deletion();
    afterDeletion = await counts();
  });
  const res = await post(path, body);
  expect(afterRead.has(read), `the route never called ${read}`).toBe(false);
  expect(res.status, res.text.slice(0, 400)).toBe(expected.status);
  if (expected.status === 404) expect(res.text).toContain("does not exist");
  else expect(fieldError(res.text, expected.field)).toBe(expected.message);
  // The deletion went through whole and the refused change wrote nothing.
  expect(await counts()).toEqual(afterDeletion);
}

const iface = (entityId: number, address: string) => ({
  name: "eth1",
  description: "",
  entity: entityId,
  address,
  netmask: "255.255.255.255",
});

describe("interfaces racing a deletion", () => {
  it("adding an interface to an entity deleted meanwhile is a message on the entity field", async () => {
    const s = await seedProject(ctx.db);
    await racing("listEntities", () => deleteEntity(ctx.db, s.a.id), "/interfaces/new", iface(s.a.id, "10.9.0.1"), {
      status: 422,
      field: "entity",
      message: "This entity no longer exists: choose another from the list.",
    });
  });

  it("also when the entity is fixed by the page the form came from", async () => {
    const s = await seedProject(ctx.db);
    const form = await editor.get(`/interfaces/new?entity=${s.a.id}`);
    expect(form.status).toBe(200);
    await racing(
      "listEntities",
      () => deleteEntity(ctx.db, s.a.id),
      `/interfaces/new?entity=${s.a.id}`,
      iface(s.a.id, "10.9.0.2"),
      { status: 422, field: "entity", message: "This entity no longer exists: choose another from the list." },
    );
  });

  it("editing an interface deleted meanwhile is a 404", async () => {
    const s = await seedProject(ctx.db);
    await racing(
      "getInterface",
      () => deleteInterface(ctx.db, s.ia.id),
      `/interfaces/${s.ia.id}/edit`,
      iface(s.a.id, "10.9.0.3"),
      { status: 404 },
    );
  });

  it("moving an interface to an entity deleted meanwhile is a message on the entity field", async () => {
    const s = await seedProject(ctx.db);
    const c = await createEntity(ctx.db, {
      name: "gamma",
      description: "",
      projectId: s.project.id,
      locationId: s.location.id,
    });
    await racing(
      "listEntities",
      () => deleteEntity(ctx.db, c.id),
      `/interfaces/${s.ia.id}/edit`,
      iface(c.id, "10.9.0.4"),
      {
        status: 422,
        field: "entity",
        message: "This entity no longer exists: choose another from the list.",
      },
    );
  });

  it("deleting an interface deleted meanwhile is a 404", async () => {
    const s = await seedProject(ctx.db);
    await racing(
      "getInterface",
      () => deleteInterface(ctx.db, s.ia.id),
      `/interfaces/${s.ia.id}/delete`,
      {},
      { status: 404 },
    );
  });

  it("the delete page of an interface deleted meanwhile is a 404", async () => {
    const s = await seedProject(ctx.db);
    afterRead.set("getInterface", () => deleteInterface(ctx.db, s.ia.id));
    const res = await editor.get(`/interfaces/${s.ia.id}/delete`);
    expect(res.status).toBe(404);
  });
});

describe("communications racing a deletion", () => {
  const flow = (source: number, destination: number) => ({
    source,
    destination,
    protocol: "TCP",
    port: 443,
    description: "",
  });

  it("adding a communication from an interface deleted meanwhile is a message on the source field", async () => {
    const s = await seedProject(ctx.db);
    await racing(
      "projectInterfaceOptions",
      () => deleteInterface(ctx.db, s.ia.id),
      `/communications/new?project=${s.project.id}`,
      flow(s.ia.id, s.ib.id),
      { status: 422, field: "source", message: "Choose a source interface of this project." },
    );
  });

  it("adding a communication to an entity deleted meanwhile is a message on the destination field", async () => {
    const s = await seedProject(ctx.db);
    await racing(
      "projectInterfaceOptions",
      () => deleteEntity(ctx.db, s.b.id),
      `/communications/new?from_entity=${s.a.id}`,
      flow(s.ia.id, s.ib.id),
      { status: 422, field: "destination", message: "Choose a destination interface of this project." },
    );
  });

  it("adding a communication to a project deleted meanwhile is refused", async () => {
    const s = await seedProject(ctx.db);
    await racing(
      "getProject",
      () => deleteProject(ctx.db, s.project.id),
      `/communications/new?project=${s.project.id}`,
      flow(s.ia.id, s.ib.id),
      { status: 422, field: "source", message: "Choose a source interface of this project." },
    );
  });

  it("editing a communication deleted meanwhile is a 404", async () => {
    const s = await seedProject(ctx.db);
    await racing(
      "getCommunication",
      () => deleteCommunication(ctx.db, s.communication),
      `/communications/${s.communication}/edit`,
      flow(s.ia.id, s.ib.id),
      { status: 404 },
    );
  });

  it("editing a communication whose new end is deleted meanwhile is a message on that field", async () => {
    const s = await seedProject(ctx.db);
    const other = await createInterface(ctx.db, {
      name: "eth1",
      description: "",
      entityId: s.b.id,
      address: "10.0.0.3",
      netmask: "255.255.255.255",
    });
    await racing(
      "projectInterfaceOptions",
      () => deleteInterface(ctx.db, other.id),
      `/communications/${s.communication}/edit`,
      flow(s.ia.id, other.id),
      { status: 422, field: "destination", message: "Choose a destination interface of this project." },
    );
  });

  it("editing a communication whose interface is deleted meanwhile (taking it along) is a 404", async () => {
    const s = await seedProject(ctx.db);
    await racing(
      "projectInterfaceOptions",
      () => deleteInterface(ctx.db, s.ib.id),
      `/communications/${s.communication}/edit`,
      flow(s.ia.id, s.ib.id),
      { status: 404 },
    );
  });

  it("deleting a communication deleted meanwhile is a 404", async () => {
    const s = await seedProject(ctx.db);
    await racing(
      "getCommunication",
      () => deleteCommunication(ctx.db, s.communication),
      `/communications/${s.communication}/delete`,
      {},
      { status: 404 },
    );
  });
});

describe("entities racing a deletion", () => {
  const entity = (project: number, location: number, name = "delta") => ({ name, description: "", project, location });

  it("adding an entity to a project deleted meanwhile is a message on the project field", async () => {
    const s = await seedProject(ctx.db);
    await racing(
      "listLocations",
      () => deleteProject(ctx.db, s.project.id),
      "/entities/new",
      entity(s.project.id, s.location.id),
      { status: 422, field: "project", message: "This project no longer exists: choose another from the list." },
    );
  });

  it("adding an entity to a location deleted meanwhile is a message on the location field", async () => {
    const s = await seedProject(ctx.db);
    const empty = await createLocation(ctx.db, { name: `${s.project.name} empty site`, description: "" });
    await racing(
      "listLocations",
      () => deleteLocation(ctx.db, empty.id),
      `/entities/new?project=${s.project.id}&location=${empty.id}`,
      entity(s.project.id, empty.id),
      { status: 422, field: "location", message: "This location no longer exists: choose another from the list." },
    );
  });

  it("editing an entity deleted meanwhile is a 404", async () => {
    const s = await seedProject(ctx.db);
    await racing(
      "getEntity",
      () => deleteEntity(ctx.db, s.a.id),
      `/entities/${s.a.id}/edit`,
      entity(s.project.id, s.location.id, "alpha"),
      { status: 404 },
    );
  });

  it("editing an entity whose project is deleted meanwhile (taking it along) is a 404", async () => {
    const s = await seedProject(ctx.db);
    await racing(
      "listLocations",
      () => deleteProject(ctx.db, s.project.id),
      `/entities/${s.a.id}/edit`,
      entity(s.project.id, s.location.id, "renamed"),
      { status: 404 },
    );
  });

  it("moving an entity to a project deleted meanwhile is a message on the project field", async () => {
    const s = await seedProject(ctx.db);
    const lonely = await createEntity(ctx.db, {
      name: "lonely",
      description: "",
      projectId: s.project.id,
      locationId: s.location.id,
    });
    const target = await createProject(ctx.db, { name: `${s.project.name} target`, description: "" });
    await racing(
      "listLocations",
      () => deleteProject(ctx.db, target.id),
      `/entities/${lonely.id}/edit`,
      entity(target.id, s.location.id, "lonely"),
      { status: 422, field: "project", message: "This project no longer exists: choose another from the list." },
    );
  });

  it("deleting an entity deleted meanwhile is a 404, and so is its delete page", async () => {
    const s = await seedProject(ctx.db);
    await racing("getEntity", () => deleteEntity(ctx.db, s.a.id), `/entities/${s.a.id}/delete`, {}, { status: 404 });
    afterRead.set("getEntity", () => deleteEntity(ctx.db, s.b.id));
    expect((await editor.get(`/entities/${s.b.id}/delete`)).status).toBe(404);
  });
});

describe("locations and projects racing a deletion", () => {
  it("editing or deleting a location deleted meanwhile is a 404", async () => {
    const s = await seedProject(ctx.db);
    const other = await createLocation(ctx.db, { name: `${s.project.name} other`, description: "" });
    const form = { name: "renamed site", description: "" };
    await racing("getLocation", () => deleteLocation(ctx.db, s.location.id), `/locations/${s.location.id}/edit`, form, {
      status: 404,
    });
    await racing(
      "getLocation",
      () => deleteLocation(ctx.db, other.id),
      `/locations/${other.id}/delete`,
      {},
      {
        status: 404,
      },
    );
  });

  it("editing or deleting a project deleted meanwhile is a 404", async () => {
    const s = await seedProject(ctx.db);
    const t = await seedProject(ctx.db);
    const form = { name: "renamed project", description: "" };
    await racing("getProject", () => deleteProject(ctx.db, s.project.id), `/projects/${s.project.id}/edit`, form, {
      status: 404,
    });
    await racing(
      "getProject",
      () => deleteProject(ctx.db, t.project.id),
      `/projects/${t.project.id}/delete`,
      {},
      {
        status: 404,
      },
    );
  });

  it("a form loaded before its row was deleted, posted after, is a 404", async () => {
    const s = await seedProject(ctx.db);
    const pages = [
      [`/interfaces/${s.ia.id}/edit`, iface(s.a.id, "10.0.0.1")],
      [`/communications/${s.communication}/edit`, { source: s.ia.id, destination: s.ib.id, protocol: "TCP", port: 22 }],
      [`/entities/${s.a.id}/edit`, { name: "alpha", description: "", project: s.project.id, location: s.location.id }],
      [`/projects/${s.project.id}/edit`, { name: "again", description: "" }],
    ] as const;
    for (const [path] of pages) expect((await editor.get(path)).status).toBe(200);
    await deleteProject(ctx.db, s.project.id);
    for (const [path, body] of pages) {
      const res = await post(path, body);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
  });
});

describe("many saves and deletions at once", () => {
  const ok = [303, 404, 422];

  /** Every communication joins interfaces of two different entities of one project (docs/usage.md). */
  async function consistent() {
    const flows = await ctx.db.run((c) =>
      c.communication.findMany({
        select: {
          source: { select: { entity: { select: { id: true, projectId: true } } } },
          destination: { select: { entity: { select: { id: true, projectId: true } } } },
        },
      }),
    );
    for (const f of flows) {
      expect(f.source.entity.projectId).toBe(f.destination.entity.projectId);
      expect(f.source.entity.id).not.toBe(f.destination.entity.id);
    }
  }

  it("interfaces and communications saved while their entities and interfaces go never give a 500", async () => {
    const seeds = await Promise.all(Array.from({ length: 12 }, () => seedProject(ctx.db)));
    const requests = seeds.flatMap((s, i) => [
      post("/interfaces/new", iface(s.a.id, `10.8.${i}.1`)),
      post(`/entities/${s.a.id}/delete`, {}),
      post(`/communications/new?project=${s.project.id}`, {
        source: s.ib.id,
        destination: s.ia.id,
        protocol: "UDP",
        port: 53,
        description: "",
      }),
      post(`/interfaces/${s.ib.id}/edit`, { ...iface(s.b.id, "10.0.0.2"), name: "eth9" }),
      post(`/interfaces/${s.ib.id}/delete`, {}),
      post(`/communications/${s.communication}/edit`, {
        source: s.ia.id,
        destination: s.ib.id,
        protocol: "TCP",
        port: 2222,
        description: "",
      }),
    ]);
    const statuses = (await Promise.all(requests)).map((r) => r.status);
    expect(statuses.filter((s) => !ok.includes(s))).toEqual([]);
    expect(statuses).toContain(303);
    await consistent();
  });

  it("entities saved and moved while their projects and locations go never give a 500", async () => {
    const seeds = await Promise.all(Array.from({ length: 12 }, () => seedProject(ctx.db)));
    const targets = await Promise.all(
      seeds.map((s) => createProject(ctx.db, { name: `${s.project.name} target`, description: "" })),
    );
    const lonely = await Promise.all(
      seeds.map((s) =>
        createEntity(ctx.db, { name: "lonely", description: "", projectId: s.project.id, locationId: s.location.id }),
      ),
    );
    const requests = seeds.flatMap((s, i) => {
      const target = targets[i]?.id ?? 0;
      const moved = lonely[i]?.id ?? 0;
      return [
        post(`/entities/${moved}/edit`, { name: "lonely", description: "", project: target, location: s.location.id }),
        post(`/projects/${target}/delete`, {}),
        post("/entities/new", { name: "new", description: "", project: s.project.id, location: s.location.id }),
        post(`/projects/${s.project.id}/edit`, { name: `${s.project.name} renamed`, description: "" }),
        post(`/projects/${s.project.id}/delete`, {}),
        post(`/locations/${s.location.id}/edit`, { name: `${s.location.name} renamed`, description: "" }),
        post(`/locations/${s.location.id}/delete`, {}),
      ];
    });
    const statuses = (await Promise.all(requests)).map((r) => r.status);
    expect(statuses.filter((s) => !ok.includes(s))).toEqual([]);
    expect(statuses).toContain(303);
    await consistent();
    // Every deletion answered 303 or 404: none of those projects and locations is left.
    const left = await ctx.db.run((c) =>
      c.project.count({ where: { id: { in: [...seeds.map((s) => s.project.id), ...targets.map((t) => t.id)] } } }),
    );
    expect(left).toBe(0);
  });

  it("an entity or interface moving while a communication to it is added never breaks docs/usage.md's rules", async () => {
    const seeds = await Promise.all(Array.from({ length: 12 }, () => seedProject(ctx.db)));
    const requests = await Promise.all(
      seeds.map(async (s, i) => {
        const target = await createProject(ctx.db, { name: `${s.project.name} elsewhere`, description: "" });
        const mover = await createEntity(ctx.db, {
          name: "mover",
          description: "",
          projectId: s.project.id,
          locationId: s.location.id,
        });
        const address = (n: number) => ({ description: "", address: `10.6.${i}.${n}`, netmask: "255.255.255.255" });
        const moverIf = await createInterface(ctx.db, { ...address(1), name: "eth0", entityId: mover.id });
        const spare = await createInterface(ctx.db, { ...address(2), name: "spare", entityId: s.a.id });
        return [
          // Moving the entity to another project while a flow to it is added: one of the two is refused.
          post(`/entities/${mover.id}/edit`, {
            name: "mover",
            description: "",
            project: target.id,
            location: s.location.id,
          }),
          post(`/communications/new?project=${s.project.id}`, {
            source: s.ib.id,
            destination: moverIf.id,
            protocol: "TCP",
            port: 8000 + i,
            description: "",
          }),
          // Moving an interface of alpha to beta while a flow from it to beta is added: one is refused.
          post(`/interfaces/${spare.id}/edit`, { ...iface(s.b.id, `10.6.${i}.2`), name: "spare" }),
          post(`/communications/new?project=${s.project.id}`, {
            source: spare.id,
            destination: s.ib.id,
            protocol: "UDP",
            port: 9000 + i,
            description: "",
          }),
        ];
      }),
    );
    const statuses = (await Promise.all(requests.flat())).map((r) => r.status);
    expect(statuses.filter((s) => !ok.includes(s))).toEqual([]);
    expect(statuses).toContain(303);
    await consistent();
  });

  it("a communication saved while an end is deleted, many times over, never gives a 500", async () => {
    const s = await seedProject(ctx.db);
    const ends = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        createInterface(ctx.db, {
          name: `eth${i + 1}`,
          description: "",
          entityId: s.b.id,
          address: `10.7.0.${i + 1}`,
          netmask: "255.255.255.255",
        }),
      ),
    );
    const requests = ends.flatMap((end, i) => [
      post(`/communications/new?project=${s.project.id}`, {
        source: s.ia.id,
        destination: end.id,
        protocol: "TCP",
        port: 1000 + i,
        description: "",
      }),
      deleteInterface(ctx.db, end.id).then((gone) => ({ status: gone ? 303 : 404 })),
      createCommunication(ctx.db, s.project.id, {
        sourceId: end.id,
        destinationId: s.ia.id,
        protocol: "UDP",
        port: 2000 + i,
        description: "",
      }).then(
        () => ({ status: 303 }),
        (error: unknown) => ({ status: error instanceof Error && "field" in error ? 422 : 500 }),
      ),
    ]);
    const statuses = (await Promise.all(requests)).map((r) => r.status);
    expect(statuses.filter((status) => !ok.includes(status))).toEqual([]);
    await consistent();
    const orphans = await ctx.db.run((c) =>
      c.communication.count({ where: { OR: ends.flatMap((e) => [{ sourceId: e.id }, { destinationId: e.id }]) } }),
    );
    expect(orphans).toBe(0);
  });
});
