// The entity form's Interfaces rows (issue 13, docs/usage.md "Forms"): an
// entity added or edited with its interfaces in one submit, all or nothing,
// every change in the change history as the single forms record it; and
// "Save and add another" on the add form.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";
import { storedEntries } from "../support/history.js";

let ctx: TestContext;
let editor: Agent;
let seed: Awaited<ReturnType<typeof seedProject>>;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("editor", [], ["Editors"]);
  editor = await ctx.login("editor");
  seed = await seedProject(ctx.db, "Inline");
});
afterAll(() => ctx.close());

const post = (path: string, body: Record<string, string>) =>
  editor
    .post(path)
    .type("form")
    .send({ _csrf: editor.csrf, ...body });

const entityFields = (name: string) => ({
  name,
  description: "",
  project: String(seed.project.id),
  location: String(seed.location.id),
});

const interfacesOf = (entityId: number) =>
  ctx.db.run((c) =>
    c.interface.findMany({
      where: { entityId },
      select: { id: true, name: true, address: true, netmask: true, description: true },
      orderBy: { name: "asc" },
    }),
  );

const entityNamed = (name: string) =>
  ctx.db.run((c) => c.entity.findFirst({ where: { name, projectId: seed.project.id }, select: { id: true } }));

const counts = () =>
  ctx.db.run(async (c) => ({
    entities: await c.entity.count(),
    interfaces: await c.interface.count(),
    communications: await c.communication.count(),
    entries: await c.changeEntry.count(),
  }));

// biome-ignore lint/suspicious/noThenProperty: the button's field is named `then` (issue 13).
const ANOTHER: Record<string, string> = { then: "another" };

const errorOf = (html: string, field: string) => new RegExp(`id="f-${field}-error">([^<]*)<`).exec(html)?.[1] ?? "";

describe("the add form", () => {
  it("offers three empty interface rows and Save and add another", async () => {
    const res = await editor.get(`/entities/new?project=${seed.project.id}`);
    expect(res.status).toBe(200);
    for (const i of [0, 1, 2]) expect(res.text).toContain(`name="interfaces-${i}-address"`);
    expect(res.text).not.toContain('name="interfaces-3-address"');
    expect(res.text).toContain(
      '<button type="submit" name="then" value="another" class="button">Save and add another</button>',
    );
    expect(res.text).not.toContain("interfaces-0-delete");
  });

  it("adds an entity with two interfaces in one submit; the empty row is ignored", async () => {
    const before = await counts();
    const res = await post("/entities/new", {
      ...entityFields("web-inline"),
      "interfaces-0-name": "",
      "interfaces-0-address": "10.9.0.10",
      "interfaces-0-netmask": "",
      "interfaces-0-description": "front",
      "interfaces-1-name": "eth1",
      "interfaces-1-address": "FD00:0077::0/64",
      "interfaces-1-netmask": "",
      "interfaces-1-description": "",
      "interfaces-2-name": "",
      "interfaces-2-address": "  ",
      "interfaces-2-netmask": "",
      "interfaces-2-description": "",
    });
    expect(res.status, res.text.slice(0, 400)).toBe(303);
    const entity = await entityNamed("web-inline");
    expect(res.headers.location).toBe(`/entities/${entity?.id}`);
    const rows = await interfacesOf(entity?.id as number);
    expect(rows.map((r) => [r.name, r.address, r.netmask, r.description])).toEqual([
      ["eth0", "10.9.0.10", "255.255.255.255", "front"],
      ["eth1", "fd00:77::", "64", ""],
    ]);
    const after = await counts();
    expect(after.entities).toBe(before.entities + 1);
    expect(after.interfaces).toBe(before.interfaces + 2);
    const page = await editor.get(`/entities/${entity?.id}`);
    expect(page.text).toContain(
      `Entity &quot;web-inline (Inline project - Inline site)&quot; was added with 2 interfaces.`,
    );

    // One history entry each, by the editor: the entity, then its interfaces.
    const entries = (await storedEntries(ctx.db, { action: "create" })).filter((e) => e.entityId === entity?.id);
    expect(entries.map((e) => [e.objectType, e.actor])).toEqual([
      ["entity", "editor"],
      ["interface", "editor"],
      ["interface", "editor"],
    ]);
    expect(entries[1]?.after).toMatchObject({ name: "eth0", address: "10.9.0.10" });
  });

  it("a bad row keeps every input, shows its message on the row's field and saves nothing", async () => {
    const before = await counts();
    const body = {
      ...entityFields("refused-inline"),
      description: "kept description",
      "interfaces-0-name": "lan",
      "interfaces-0-address": "192.168.7.0",
      "interfaces-0-netmask": "/24",
      "interfaces-0-description": "kept row text",
      "interfaces-1-name": "wan",
      "interfaces-1-address": "192.168.1.1",
      "interfaces-1-netmask": "24",
      "interfaces-1-description": "",
      "interfaces-2-name": "dup",
      "interfaces-2-address": "10.1.1.1",
      "interfaces-2-netmask": "",
      "interfaces-2-description": "",
    };
    const res = await post("/entities/new", body);
    expect(res.status).toBe(422);
    expect(errorOf(res.text, "interfaces-1-address")).toContain("has host bits set for the prefix /24");
    expect(errorOf(res.text, "interfaces-1-address")).toContain("192.168.1.0/24");
    expect(errorOf(res.text, "interfaces-0-address")).toBe("");
    for (const value of Object.values(body)) if (value !== "") expect(res.text).toContain(value);
    expect(res.text).toContain('name="interfaces-2-name" type="text" value="dup"');
    expect(await counts()).toEqual(before);
  });

  it("refuses two rows with one name on the later row, and an entity field error keeps the rows", async () => {
    const before = await counts();
    const res = await post("/entities/new", {
      ...entityFields(""),
      "interfaces-0-name": "eth0",
      "interfaces-0-address": "10.2.0.1",
      "interfaces-1-name": "eth0",
      "interfaces-1-address": "10.2.0.2",
    });
    expect(res.status).toBe(422);
    expect(errorOf(res.text, "name")).toBe("Name is required.");
    expect(errorOf(res.text, "interfaces-1-name")).toBe("This entity already has an interface with this name.");
    expect(errorOf(res.text, "interfaces-0-name")).toBe("");
    expect(res.text).toContain('value="10.2.0.2"');
    expect(await counts()).toEqual(before);
  });

  it("Save and add another comes back to the add form with the same project and location", async () => {
    const fixed = await post(`/entities/new?project=${seed.project.id}&location=${seed.location.id}`, {
      ...entityFields("another-1"),
      ...ANOTHER,
    });
    expect(fixed.status).toBe(303);
    expect(fixed.headers.location).toBe(`/entities/new?project=${seed.project.id}&location=${seed.location.id}`);
    const form = await editor.get(fixed.headers.location as string);
    expect(form.text).toContain("Entity &quot;another-1 (Inline project - Inline site)&quot; was added.");
    expect(form.text).toContain(`<input type="hidden" name="project" value="${seed.project.id}">`);
    expect(form.text).toContain(`<input type="hidden" name="location" value="${seed.location.id}">`);

    // From the form with a choice: pre-selected, still a choice; `next` kept for Cancel.
    const next = `/projects/${seed.project.id}`;
    const free = await post(`/entities/new?next=${encodeURIComponent(next)}`, {
      ...entityFields("another-2"),
      ...ANOTHER,
    });
    expect(free.status).toBe(303);
    const url = free.headers.location as string;
    expect(url).toBe(
      `/entities/new?select_project=${seed.project.id}&select_location=${seed.location.id}&next=${encodeURIComponent(next)}`,
    );
    const again = await editor.get(url);
    expect(again.text).toMatch(new RegExp(`<option value="${seed.project.id}" selected>`));
    expect(again.text).toMatch(new RegExp(`<option value="${seed.location.id}" selected>`));
    expect(again.text).toContain(`<a class="button" href="${next}">Cancel</a>`);
  });
});

describe("the edit form", () => {
  it("shows a row per interface, the Delete label naming the communications it takes", async () => {
    const res = await editor.get(`/entities/${seed.a.id}/edit`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`<input type="hidden" name="interfaces-0-id" value="${seed.ia.id}">`);
    expect(res.text).toContain('name="interfaces-0-address" type="text" value="10.0.0.1"');
    expect(res.text).toContain("Delete (and its communication)");
    for (const i of [1, 2, 3]) expect(res.text).toContain(`name="interfaces-${i}-address" type="text" value=""`);
    expect(res.text).not.toContain("Save and add another");
  });

  it("renames one, deletes one with its communications, adds one, in one submit with their history", async () => {
    const s = await seedProject(ctx.db, "Edit inline");
    // A second interface on alpha to delete; eth0 (with the SSH flow) is renamed.
    const second = await post(`/entities/${s.a.id}/edit`, {
      ...entityFields("alpha"),
      project: String(s.project.id),
      location: String(s.location.id),
      "interfaces-0-id": String(s.ia.id),
      "interfaces-0-name": "eth0",
      "interfaces-0-address": "10.0.0.1",
      "interfaces-0-netmask": "",
      "interfaces-0-description": "",
      "interfaces-1-name": "old",
      "interfaces-1-address": "10.0.0.99",
    });
    expect(second.status, second.text.slice(0, 300)).toBe(303);
    const old = (await interfacesOf(s.a.id)).find((i) => i.name === "old");
    // The flow moves to "old" so deleting it takes a communication along.
    await ctx.db.run((c) => c.communication.update({ where: { id: s.communication }, data: { sourceId: old?.id } }));
    const before = await counts();
    const entriesBefore = (await storedEntries(ctx.db)).length;

    const form = await editor.get(`/entities/${s.a.id}/edit`);
    expect(form.text).toContain("Delete (and its communication)");
    const res = await post(`/entities/${s.a.id}/edit`, {
      ...entityFields("alpha"),
      project: String(s.project.id),
      location: String(s.location.id),
      "interfaces-0-id": String(s.ia.id),
      "interfaces-0-name": "lan0",
      "interfaces-0-address": "10.0.0.1",
      "interfaces-0-netmask": "",
      "interfaces-0-description": "renamed",
      "interfaces-1-id": String(old?.id),
      "interfaces-1-name": "old",
      "interfaces-1-address": "10.0.0.99",
      "interfaces-1-netmask": "",
      "interfaces-1-description": "",
      "interfaces-1-delete": "on",
      "interfaces-2-name": "mgmt",
      "interfaces-2-address": "fd00:99::5",
      "interfaces-2-netmask": "",
      "interfaces-2-description": "",
      "interfaces-3-name": "",
      "interfaces-3-address": "",
      "interfaces-3-netmask": "",
      "interfaces-3-description": "",
    });
    expect(res.status, res.text.slice(0, 400)).toBe(303);
    expect(res.headers.location).toBe(`/entities/${s.a.id}`);
    expect((await interfacesOf(s.a.id)).map((i) => [i.name, i.address, i.description])).toEqual([
      ["lan0", "10.0.0.1", "renamed"],
      ["mgmt", "fd00:99::5", ""],
    ]);
    const after = await counts();
    expect(after.interfaces).toBe(before.interfaces - 1 + 1);
    expect(after.communications).toBe(before.communications - 1);

    const entries = (await storedEntries(ctx.db)).slice(entriesBefore);
    expect(entries.map((e) => [e.action, e.objectType, e.actor])).toEqual([
      ["delete", "communication", "editor"],
      ["delete", "interface", "editor"],
      ["update", "interface", "editor"],
      ["create", "interface", "editor"],
    ]);
    expect(entries[1]).toMatchObject({ objectId: old?.id });
    expect(entries[2]?.before).toMatchObject({ name: "eth0", description: "" });
    expect(entries[2]?.after).toMatchObject({ name: "lan0", description: "renamed" });
    expect(entries[3]?.after).toMatchObject({ name: "mgmt", address: "fd00:99::5" });
    const page = await editor.get(`/entities/${s.a.id}`);
    expect(page.text).toContain("(1 interface added, 1 interface changed, 1 interface deleted)");
  });

  it("a bad row on edit saves nothing, not even the valid rows or the entity", async () => {
    const s = await seedProject(ctx.db, "Edit refused");
    const before = await counts();
    const res = await post(`/entities/${s.a.id}/edit`, {
      ...entityFields("alpha renamed"),
      project: String(s.project.id),
      location: String(s.location.id),
      "interfaces-0-id": String(s.ia.id),
      "interfaces-0-name": "renamed",
      "interfaces-0-address": "10.0.0.1",
      "interfaces-0-netmask": "",
      "interfaces-0-description": "",
      "interfaces-1-name": "bad",
      "interfaces-1-address": "10.0.0.300",
    });
    expect(res.status).toBe(422);
    expect(errorOf(res.text, "interfaces-1-address")).toContain("must be an IPv4 address");
    expect(res.text).toContain('value="alpha renamed"');
    expect(res.text).toContain('value="renamed"');
    expect(await counts()).toEqual(before);
    expect((await interfacesOf(s.a.id)).map((i) => i.name)).toEqual(["eth0"]);
  });

  it("an interface with communications cannot change family; the database rules come back as row messages", async () => {
    const s = await seedProject(ctx.db, "Edit family");
    const before = await counts();
    const res = await post(`/entities/${s.a.id}/edit`, {
      ...entityFields("alpha"),
      project: String(s.project.id),
      location: String(s.location.id),
      "interfaces-0-id": String(s.ia.id),
      "interfaces-0-name": "eth0",
      "interfaces-0-address": "fd00::1",
      "interfaces-0-netmask": "",
      "interfaces-0-description": "",
      "interfaces-1-name": "eth1",
      "interfaces-1-address": "10.5.5.5",
    });
    expect(res.status).toBe(422);
    expect(errorOf(res.text, "interfaces-0-address")).toContain("cannot change from IPv4 to IPv6");
    expect(await counts()).toEqual(before);

    // A new row named as an interface the form does not show (added meanwhile) is refused on its row.
    const clash = await post(`/entities/${s.a.id}/edit`, {
      ...entityFields("alpha"),
      project: String(s.project.id),
      location: String(s.location.id),
      "interfaces-1-name": "eth0",
      "interfaces-1-address": "10.5.5.5",
    });
    expect(clash.status).toBe(422);
    expect(errorOf(clash.text, "interfaces-1-name")).toBe("This entity already has an interface with this name.");
    expect(await counts()).toEqual(before);
  });

  it("two rows may swap their names in one submit", async () => {
    const s = await seedProject(ctx.db, "Edit swap");
    const add = await post(`/entities/${s.b.id}/edit`, {
      ...entityFields("beta"),
      project: String(s.project.id),
      location: String(s.location.id),
      "interfaces-0-name": "eth1",
      "interfaces-0-address": "10.0.0.3",
    });
    expect(add.status).toBe(303);
    const [eth0, eth1] = await interfacesOf(s.b.id);
    const res = await post(`/entities/${s.b.id}/edit`, {
      ...entityFields("beta"),
      project: String(s.project.id),
      location: String(s.location.id),
      "interfaces-0-id": String(eth0?.id),
      "interfaces-0-name": "eth1",
      "interfaces-0-address": String(eth0?.address),
      "interfaces-1-id": String(eth1?.id),
      "interfaces-1-name": "eth0",
      "interfaces-1-address": String(eth1?.address),
    });
    expect(res.status, res.text.slice(0, 300)).toBe(303);
    const swapped = await interfacesOf(s.b.id);
    expect(swapped.map((i) => [i.id, i.name])).toEqual([
      [eth1?.id, "eth0"],
      [eth0?.id, "eth1"],
    ]);
  });
});

describe("the order of the changes", () => {
  it("a new row may take the name and address of a row deleted in the same submit", async () => {
    const s = await seedProject(ctx.db, "Edit reuse");
    const res = await post(`/entities/${s.b.id}/edit`, {
      ...entityFields("beta"),
      project: String(s.project.id),
      location: String(s.location.id),
      "interfaces-0-id": String(s.ib.id),
      "interfaces-0-delete": "on",
      "interfaces-1-name": "eth0",
      "interfaces-1-address": "10.0.0.2",
      "interfaces-1-description": "again",
    });
    expect(res.status, res.text.slice(0, 300)).toBe(303);
    const rows = await interfacesOf(s.b.id);
    expect(rows.map((i) => [i.name, i.address, i.description])).toEqual([["eth0", "10.0.0.2", "again"]]);
    expect(rows[0]?.id).not.toBe(s.ib.id);
  });
});

describe("permissions", () => {
  it("rows the user may not change are shown, not offered; sending them anyway is refused", async () => {
    const s = await seedProject(ctx.db, "Inline rights");
    await ctx.user("entity-only", ["view", "add_entity", "change_entity"]);
    const agent = await ctx.login("entity-only");
    const form = await agent.get(`/entities/${s.a.id}/edit`);
    expect(form.status).toBe(200);
    expect(form.text).toContain(`<input type="hidden" name="interfaces-0-id" value="${s.ia.id}">`);
    expect(form.text).not.toContain('name="interfaces-0-address"');
    expect(form.text).not.toContain("interfaces-0-delete");
    expect(form.text).not.toContain("New interface");
    const fields = { name: "alpha", description: "", project: String(s.project.id), location: String(s.location.id) };
    const send = (body: Record<string, string>) =>
      agent
        .post(`/entities/${s.a.id}/edit`)
        .type("form")
        .send({ _csrf: agent.csrf, ...fields, ...body });
    // The form as shown saves the entity and keeps its interface.
    expect((await send({ "interfaces-0-id": String(s.ia.id), description: "changed" })).status).toBe(303);
    const before = await counts();
    expect((await send({ "interfaces-1-name": "x", "interfaces-1-address": "10.7.7.7" })).status).toBe(403);
    expect((await send({ "interfaces-0-id": String(s.ia.id), "interfaces-0-delete": "on" })).status).toBe(403);
    expect(
      (await send({ "interfaces-0-id": String(s.ia.id), "interfaces-0-name": "y", "interfaces-0-address": "10.0.0.1" }))
        .status,
    ).toBe(403);
    expect(await counts()).toEqual(before);
  });
});
