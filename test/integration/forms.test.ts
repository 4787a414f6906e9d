// Every validation rule of docs/usage.md through the real forms: bad input
// re-displays the form with the input kept and a message on the field,
// nothing is saved, and never a 500.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let editor: Agent;
let seed: Awaited<ReturnType<typeof seedProject>>;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("editor", [], ["Editors"]);
  editor = await ctx.login("editor");
  seed = await seedProject(ctx.db, "Forms");
});
afterAll(() => ctx.close());

const counts = () =>
  ctx.db.run(async (c) => ({
    projects: await c.project.count(),
    locations: await c.location.count(),
    entities: await c.entity.count(),
    interfaces: await c.interface.count(),
    communications: await c.communication.count(),
  }));

/** Posts a form and checks: 422, the field's message shown, the input kept, nothing saved. */
async function refused(path: string, body: Record<string, string | string[]>, field: string, message: string | RegExp) {
  const before = await counts();
  const res = await editor
    .post(path)
    .type("form")
    .send({ _csrf: editor.csrf, ...body });
  expect(res.status, res.text.slice(0, 300)).toBe(422);
  const fieldError = new RegExp(`id="f-${field}-error">([^<]*)<`).exec(res.text)?.[1] ?? "";
  if (typeof message === "string") expect(fieldError).toContain(message);
  else expect(fieldError).toMatch(message);
  for (const [key, value] of Object.entries(body)) {
    if (
      typeof value !== "string" ||
      value === "" ||
      key === "project" ||
      key === "location" ||
      key === "entity" ||
      key === "source" ||
      key === "destination" ||
      key === "protocol"
    )
      continue;
    const escaped = value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
    expect(res.text).toContain(escaped);
  }
  expect(await counts()).toEqual(before);
}

describe("project and location forms", () => {
  it("requires a name", () =>
    refused("/projects/new", { name: "   ", description: "kept text" }, "name", "Name is required."));
  it("refuses names over 100 characters", () =>
    refused("/projects/new", { name: "x".repeat(101) }, "name", "at most 100"));
  it("refuses control characters in names", () =>
    refused("/projects/new", { name: "a\tb" }, "name", "control characters"));
  it("refuses a duplicate project name as a form error", () =>
    refused("/projects/new", { name: seed.project.name, description: "dup" }, "name", "already exists"));
  it("refuses a duplicate on edit too", async () => {
    const other = await editor.post("/projects/new").type("form").send({ _csrf: editor.csrf, name: "Forms other" });
    expect(other.status).toBe(303);
    const id = String(other.headers.location).split("/").pop();
    await refused(`/projects/${id}/edit`, { name: seed.project.name }, "name", "already exists");
  });
  it("refuses a duplicate location name", () =>
    refused("/locations/new", { name: seed.location.name }, "name", "already exists"));
  it("refuses an array where a string is expected", () =>
    refused("/projects/new", { name: ["a", "b"] }, "name", "single text value"));
  it("refuses descriptions over 10 000 characters", () =>
    refused("/projects/new", { name: "Long", description: "d".repeat(10_001) }, "description", "at most 10000"));
  it("creates a project and goes to its page with a message", async () => {
    const res = await editor
      .post("/projects/new")
      .type("form")
      .send({ _csrf: editor.csrf, name: "  Trimmed  ", description: "Line 1\r\nLine 2" });
    expect(res.status).toBe(303);
    const page = await editor.get(String(res.headers.location));
    expect(page.text).toContain("<h1>Trimmed</h1>");
    expect(page.text).toContain("Project &quot;Trimmed&quot; was added.");
    expect((await editor.get(String(res.headers.location))).text).not.toContain("was added.");
  });
});

describe("entity form", () => {
  const path = () => `/entities/new?project=${seed.project.id}`;
  it("refuses a duplicate name in the same project", () =>
    refused(path(), { name: "alpha", location: String(seed.location.id) }, "name", "already exists in this project"));
  it("requires a location", () => refused(path(), { name: "gamma", location: "" }, "location", "choose a value"));
  it("refuses an unknown location", () =>
    refused(path(), { name: "gamma", location: "999999" }, "location", "Choose a location"));
  it("fixes the project when opened from a project", async () => {
    const other = await seedProject(ctx.db, "Fixed");
    const res = await editor
      .post(path())
      .type("form")
      .send({
        _csrf: editor.csrf,
        name: "fixed-one",
        project: String(other.project.id),
        location: String(seed.location.id),
      });
    expect(res.status).toBe(303);
    const row = await ctx.db.run((c) => c.entity.findFirst({ where: { name: "fixed-one" } }));
    expect(row?.projectId).toBe(seed.project.id);
  });
  it("fixes the location when opened from a location block", async () => {
    const page = await editor.get(`/entities/new?project=${seed.project.id}&location=${seed.location.id}`);
    expect(page.text).toContain(`name="location" value="${seed.location.id}"`);
    expect(page.text).toMatch(
      /<label for="f-location">Location<\/label>\s*<input id="f-location" type="text" value="[^"]*" readonly>/,
    );
  });
  it("refuses to move an entity with communications to another project", async () => {
    const other = await seedProject(ctx.db, "Move");
    await refused(
      `/entities/${seed.a.id}/edit`,
      { name: "alpha", project: String(other.project.id), location: String(seed.location.id) },
      "project",
      "cannot move while it has communications in its current project",
    );
  });
  it("moves an entity without communications", async () => {
    const other = await seedProject(ctx.db, "Move2");
    const lonely = await editor
      .post(`/entities/new?project=${seed.project.id}`)
      .type("form")
      .send({ _csrf: editor.csrf, name: "lonely", location: String(seed.location.id) });
    const id = String(lonely.headers.location).split("/").pop();
    const res = await editor
      .post(`/entities/${id}/edit`)
      .type("form")
      .send({
        _csrf: editor.csrf,
        name: "lonely",
        project: String(other.project.id),
        location: String(seed.location.id),
      });
    expect(res.status).toBe(303);
  });
});

describe("interface form", () => {
  const path = () => `/interfaces/new?entity=${seed.a.id}`;
  it.each([["256.1.1.1"], ["10.0.0"], ["10.0.0.01"], ["a.b.c.d"], ["10.0.0.1/24"], [" "]])(
    "refuses the address %j",
    (address) => refused(path(), { name: "eth9", address, netmask: "" }, "address", /IPv4 address|required|host bits/),
  );
  it.each([["255.0.255.0"], ["33"], ["/33"], ["255.255.255.1"], ["abc"]])("refuses the netmask %j", (netmask) =>
    refused(path(), { name: "eth9", address: "10.9.9.9", netmask }, "netmask", "contiguous netmask"),
  );
  it("accepts a prefix and stores the dotted mask", async () => {
    for (const [netmask, stored] of [
      ["/24", "255.255.255.0"],
      ["16", "255.255.0.0"],
      ["", "255.255.255.255"],
    ] as const) {
      // A network address for each mask: 10.77.0.0 has no host bits under /16.
      const address = `10.${stored.length + 60}.0.0`;
      const res = await editor
        .post(path())
        .type("form")
        .send({ _csrf: editor.csrf, name: `p${stored.length}`, address, netmask });
      expect(res.status).toBe(303);
      const row = await ctx.db.run((c) => c.interface.findFirst({ where: { address } }));
      expect(row?.netmask).toBe(stored);
    }
  });
  it("refuses a duplicate interface name on the entity", () =>
    refused(
      path(),
      { name: "eth0", address: "10.8.8.8", netmask: "" },
      "name",
      "already has an interface with this name",
    ));
  it("refuses a duplicate address and netmask on the entity", () =>
    refused(
      path(),
      { name: "eth5", address: "10.0.0.1", netmask: "255.255.255.255" },
      "address",
      "address and netmask",
    ));
  it("limits the entity on edit to entities of the same project", async () => {
    const other = await seedProject(ctx.db, "Iface");
    await refused(
      `/interfaces/${seed.ia.id}/edit`,
      { name: "eth0", entity: String(other.a.id), address: "10.0.0.1", netmask: "" },
      "entity",
      "same project",
    );
  });
});

describe("communication form", () => {
  const path = () => `/communications/new?project=${seed.project.id}`;
  const base = () => ({
    source: String(seed.ia.id),
    destination: String(seed.ib.id),
    protocol: "TCP",
    description: "",
  });
  it.each([["0"], ["65536"], ["-1"], ["22.5"], ["http"], [""]])("refuses TCP port %j", (port) =>
    refused(path(), { ...base(), port }, "port", /port|Port/),
  );
  it("refuses UDP port 70000", () =>
    refused(path(), { ...base(), protocol: "UDP", port: "70000" }, "port", "between 1 and 65535"));
  it("refuses ICMP type 256", () => refused(path(), { ...base(), protocol: "ICMP", port: "256" }, "port", "ICMP type"));
  it("refuses an unknown protocol", () =>
    refused(path(), { ...base(), protocol: "SCTP", port: "22" }, "protocol", "Protocol must be one of"));
  it("refuses a duplicate communication", () => refused(path(), { ...base(), port: "22" }, "port", "already exists"));
  it("refuses both ends on the same entity", async () => {
    const second = await ctx.db.run((c) =>
      c.interface.create({
        data: { name: "eth1", entityId: seed.a.id, address: "10.0.1.1", netmask: "255.255.255.255" },
      }),
    );
    await refused(
      path(),
      { ...base(), destination: String(second.id), port: "23" },
      "destination",
      "different entities",
    );
  });
  it("refuses an end from another project", async () => {
    const other = await seedProject(ctx.db, "Comm");
    await refused(
      path(),
      { ...base(), destination: String(other.ib.id), port: "24" },
      "destination",
      "of this project",
    );
  });
  it("accepts ICMP type 0 and goes to next when it is local", async () => {
    const res = await editor
      .post(`${path()}&next=${encodeURIComponent(`/entities/${seed.b.id}`)}`)
      .type("form")
      .send({ _csrf: editor.csrf, ...base(), protocol: "ICMP", port: "0" });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/entities/${seed.b.id}`);
  });
  it("ignores an external next", async () => {
    const res = await editor
      .post(`${path()}&next=${encodeURIComponent("https://evil.example/")}`)
      .type("form")
      .send({ _csrf: editor.csrf, ...base(), protocol: "UDP", port: "53" });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/projects/${seed.project.id}`);
  });
  it("pre-selects the entity's first interface", async () => {
    const from = await editor.get(`/communications/new?from_entity=${seed.a.id}`);
    expect(from.text).toMatch(
      new RegExp(`<select id="f-source"[^>]*>[\\s\\S]*?<option value="${seed.ia.id}" selected>`),
    );
    const to = await editor.get(`/communications/new?to_entity=${seed.b.id}`);
    expect(to.text).toMatch(
      new RegExp(`<select id="f-destination"[^>]*>[\\s\\S]*?<option value="${seed.ib.id}" selected>`),
    );
  });
});
