// The API's five resources (docs/api.md, "Resources"): create, read, list,
// change and delete with JSON bodies of the interchange format's fields and
// ids for references; the forms' rules and messages; errors as JSON with
// 400, 404, 409 and 422; NetBox-style pages with count, next and previous.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getProjectPage } from "../../src/data/entities.js";
import { getProject } from "../../src/data/projects.js";
import { api, apiToken } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let token: string;
let seeded = 0;
beforeAll(async () => {
  ctx = await createTestContext();
  token = await apiToken(ctx, await ctx.user("admin"));
});
afterAll(() => ctx.close());

const post = (path: string, body: unknown) => api(ctx, "post", `/api/v1/${path}`, token).send(body as object);
const patch = (path: string, body: unknown) => api(ctx, "patch", `/api/v1/${path}`, token).send(body as object);
const get = (path: string) => api(ctx, "get", `/api/v1/${path}`, token);

describe("projects", () => {
  it("POST creates one: 201, its URL in Location, the object with its id; the project page shows it", async () => {
    const res = await post("projects", { name: "  Web shop ", description: "Shop\r\nfront" });
    expect(res.status).toBe(201);
    expect(res.type).toBe("application/json");
    expect(res.body).toEqual({ id: expect.any(Number), name: "Web shop", description: "Shop\nfront" });
    expect(res.headers.location).toBe(`/api/v1/projects/${res.body.id}`);
    expect(await getProject(ctx.db, res.body.id)).toMatchObject({ name: "Web shop" });
    expect((await get(`projects/${res.body.id}`)).body).toEqual(res.body);
  });

  it("a duplicate name is a 409 naming the field", async () => {
    await post("projects", { name: "Twice" });
    const res = await post("projects", { name: "Twice" });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      error: "This project conflicts with an existing one.",
      fields: { name: "A project with this name already exists." },
    });
  });

  it.each([
    [{ name: "" }, { name: "Name is required." }],
    [{ description: "x" }, { name: "Name is required." }],
    [{ name: 5 }, { name: "Name must be a single text value." }],
    [{ name: "a\u200bb" }, { name: expect.stringContaining("invisible characters") }],
    [{ name: "ok", nmae: "typo" }, { nmae: "Unknown field: a project has no nmae." }],
  ])("refuses %j with 422 and the field's message", async (body, fields) => {
    const res = await post("projects", body);
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ error: "Some fields are invalid; see fields.", fields });
  });

  it.each([
    ["not JSON", "{name:", "application/json", /^The body is not valid JSON/],
    ["a form", "name=x", "application/x-www-form-urlencoded", /^Send the body as JSON/],
    ["an array", "[]", "application/json", /^The body must be a JSON object/],
    ["a string", '"x"', "application/json", /^The body (must be a JSON object|is not valid JSON)/],
  ])("refuses %s with 400", async (_what, text, type, message) => {
    const res = await api(ctx, "post", "/api/v1/projects", token).set("Content-Type", type).send(text);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });

  it("refuses a body over 256 KiB with 413", async () => {
    const res = await post("projects", { name: "Big", description: "x".repeat(300 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: "The request body is too large." });
  });

  it("PATCH changes only the fields sent; the whole must still be valid", async () => {
    const { body: created } = await post("projects", { name: "Patched", description: "before" });
    const res = await patch(`projects/${created.id}`, { description: "after", id: 999 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: created.id, name: "Patched", description: "after" });
    const bad = await patch(`projects/${created.id}`, { name: " " });
    expect(bad.status).toBe(422);
    expect(bad.body.fields).toEqual({ name: "Name is required." });
    expect((await get(`projects/${created.id}`)).body.name).toBe("Patched");
  });

  it("DELETE answers 204 and takes the project's entities along; again it is a 404", async () => {
    const s = await seedProject(ctx.db, "Doomed");
    const res = await api(ctx, "delete", `/api/v1/projects/${s.project.id}`, token);
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect((await get(`entities/${s.a.id}`)).status).toBe(404);
    const again = await api(ctx, "delete", `/api/v1/projects/${s.project.id}`, token);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ error: "This project does not exist." });
  });

  it.each(["999999", "abc", "0", "1e3", "99999999999"])("GET /projects/%s is a 404 in JSON", async (id) => {
    const res = await get(`projects/${id}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: "This project does not exist." });
  });
});

describe("pagination", () => {
  let ids: number[];
  beforeAll(async () => {
    ids = [];
    for (let i = 0; i < 5; i++) ids.push((await post("locations", { name: `Paged site ${i}` })).body.id);
  });

  it("answers {count, next, previous, results} in id order, with absolute next and previous URLs", async () => {
    const all = await get("locations?limit=1000");
    const count = all.body.count as number;
    expect(all.body.results.map((l: { id: number }) => l.id)).toEqual(
      [...all.body.results.map((l: { id: number }) => l.id)].sort((a: number, b: number) => a - b),
    );
    const first = await get("locations?limit=2");
    expect(first.body.count).toBe(count);
    expect(first.body.results).toHaveLength(2);
    expect(first.body.previous).toBeNull();
    expect(first.body.next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/locations\?limit=2&offset=2$/);
    const second = await get(
      new URL(first.body.next).pathname.slice("/api/v1/".length) + new URL(first.body.next).search,
    );
    expect(second.body.results[0]).toEqual(all.body.results[2]);
    expect(new URL(second.body.previous).search).toBe("?limit=2");
    const last = await get(`locations?limit=2&offset=${count - 1}`);
    expect(last.body.next).toBeNull();
    expect(last.body.results).toHaveLength(1);
  });

  it("defaults to 50, cuts a larger limit to 1000 and keeps the filters in the links", async () => {
    const res = await get("locations");
    expect(res.body.results.length).toBeLessThanOrEqual(50);
    const big = await get("locations?limit=5000&offset=0");
    expect(big.status).toBe(200);
    const s = await seedProject(ctx.db, "Linked");
    const filtered = await get(`entities?project=${s.project.id}&limit=1`);
    expect(new URL(filtered.body.next).searchParams.get("project")).toBe(String(s.project.id));
  });

  it.each(["limit=0", "limit=abc", "limit=-1", "offset=-1", "limit=1&limit=2", "project=x"])(
    "refuses ?%s with 400",
    async (query) => {
      const res = await get(`entities?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^The query parameter/);
    },
  );

  it("refuses a filter the list does not take", async () => {
    const res = await get("projects?entity=1");
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("This list cannot be filtered by entity (this list takes location).");
  });
});

describe("entities, interfaces and communications", () => {
  it("filters by project, location and entity", async () => {
    const s = await seedProject(ctx.db, "Filtered");
    const other = await seedProject(ctx.db, "Other");
    const ids = (res: { body: { results: { id: number }[] } }) => res.body.results.map((r) => r.id);
    expect(ids(await get(`entities?project=${s.project.id}`))).toEqual([s.a.id, s.b.id]);
    expect(ids(await get(`entities?location=${other.location.id}`))).toEqual([other.a.id, other.b.id]);
    expect(ids(await get(`interfaces?entity=${s.b.id}`))).toEqual([s.ib.id]);
    expect(ids(await get(`interfaces?project=${s.project.id}`))).toEqual([s.ia.id, s.ib.id]);
    expect(ids(await get(`communications?project=${s.project.id}`))).toEqual([s.communication]);
    expect(ids(await get(`communications?entity=${s.a.id}`))).toEqual([s.communication]);
    expect(ids(await get(`communications?entity=${s.b.id}`))).toEqual([s.communication]);
    expect(ids(await get(`locations?project=${s.project.id}`))).toEqual([s.location.id]);
    expect(ids(await get(`projects?location=${s.location.id}`))).toEqual([s.project.id]);
  });

  it("an entity: restrictOutgoing defaults to false; a project or location that does not exist is a 422", async () => {
    const s = await seedProject(ctx.db, "Entities");
    const res = await post("entities", { name: "gamma", project: s.project.id, location: s.location.id });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      name: "gamma",
      description: "",
      project: s.project.id,
      location: s.location.id,
      restrictOutgoing: false,
    });
    const missing = await post("entities", { name: "delta", project: 999999, location: s.location.id });
    expect(missing.status).toBe(422);
    expect(Object.keys(missing.body.fields)).toEqual(["project"]);
    const typed = await post("entities", { name: "delta", project: String(s.project.id), location: s.location.id });
    expect(typed.status).toBe(422);
    expect(typed.body.fields).toEqual({ project: "Project must be the id of a project (a whole number)." });
    const duplicate = await post("entities", { name: "gamma", project: s.project.id, location: s.location.id });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.fields).toEqual({ name: "An entity with this name already exists in this project." });
  });

  it("an entity with communications cannot move to another project: 409", async () => {
    const s = await seedProject(ctx.db, "Mover");
    const target = await seedProject(ctx.db, "Target");
    const res = await patch(`entities/${s.a.id}`, { project: target.project.id, restrictOutgoing: true });
    expect(res.status).toBe(409);
    expect(res.body.fields).toEqual({
      project: "The entity cannot move while it has communications in its current project.",
    });
    const ok = await patch(`entities/${s.a.id}`, { restrictOutgoing: true });
    expect(ok.body).toMatchObject({ id: s.a.id, project: s.project.id, restrictOutgoing: true });
  });

  it("an interface: IPv6 CIDR text is stored as RFC 5952 with a prefix; host bits are refused with the network", async () => {
    const s = await seedProject(ctx.db, "Interfaces");
    const res = await post("interfaces", { entity: s.a.id, name: "eth1", address: "fd00:0077:0:0::/64" });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      name: "eth1",
      description: "",
      entity: s.a.id,
      address: "fd00:77::",
      netmask: "64",
    });
    const bits = await post("interfaces", { entity: s.a.id, name: "eth2", address: "10.1.1.1/24" });
    expect(bits.status).toBe(422);
    expect(bits.body.fields.address).toContain("the network is 10.1.1.0/24");
    const dup = await post("interfaces", { entity: s.a.id, name: "eth3", address: s.ia.address });
    expect(dup.status).toBe(409);
    expect(dup.body.fields).toEqual({ address: "This entity already has an interface with this address and netmask." });
    const named = await post("interfaces", { entity: s.a.id, address: "10.7.7.7" });
    expect(named.status).toBe(409);
    expect(named.body.fields).toEqual({ name: "This entity already has an interface with this name." });
  });

  it("a communication: a port range with owner, reference and expiry; the project page lists it", async () => {
    const s = await seedProject(ctx.db, "Flows");
    const body = {
      source: s.ib.id,
      destination: s.ia.id,
      protocol: "tcp",
      port: 8000,
      portEnd: 8100,
      description: "App servers",
      requestedBy: "Ops team",
      reference: "CHG-42",
      expires: "2099-12-31",
    };
    const res = await post("communications", body);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ ...body, id: expect.any(Number), protocol: "TCP" });
    const page = await getProjectPage(ctx.db, s.project.id);
    expect(page.communications.map((c) => c.id)).toContain(res.body.id);
    const single = await post("communications", { source: s.ib.id, destination: s.ia.id, protocol: "UDP", port: 53 });
    expect(single.body).toMatchObject({ port: 53, portEnd: 53, expires: null, requestedBy: "", reference: "" });
    const again = await post("communications", body);
    expect(again.status).toBe(409);
    expect(Object.keys(again.body.fields)).toEqual(["port"]);
    const changed = await patch(`communications/${res.body.id}`, { expires: null, portEnd: 8200 });
    expect(changed.body).toMatchObject({ port: 8000, portEnd: 8200, expires: null, reference: "CHG-42" });
  });

  it.each([
    [{ protocol: "ICMP", port: 8, portEnd: 9 }, "portEnd"],
    [{ protocol: "TCP", port: 0 }, "port"],
    [{ protocol: "TCP", port: 22.5 }, "port"],
    [{ protocol: "TCP", port: 100, portEnd: 90 }, "portEnd"],
    [{ protocol: "SCTP", port: 1 }, "protocol"],
    [{ protocol: "TCP", port: 1, expires: "2027-02-30" }, "expires"],
    [{ protocol: "TCP", port: 1, requestedBy: "a\tb" }, "requestedBy"],
  ])("refuses the flow %j with 422 on %s", async (fields, field) => {
    const s = await seedProject(ctx.db, `Bad flow ${++seeded}`);
    const res = await post("communications", { source: s.ia.id, destination: s.ib.id, ...fields });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.fields)).toEqual([field]);
  });

  it("refuses ends on one entity, of two projects, of two families, and ICMPv6 between IPv4 ends", async () => {
    const s = await seedProject(ctx.db, "Ends");
    const other = await seedProject(ctx.db, "Elsewhere");
    const v6 = await post("interfaces", { entity: s.b.id, name: "v6", address: "fd00::2" });
    const same = await post("interfaces", { entity: s.a.id, name: "second", address: "10.0.0.9" });
    const cases: [object, string][] = [
      [{ source: s.ia.id, destination: same.body.id, protocol: "TCP", port: 1 }, "destination"],
      [{ source: s.ia.id, destination: other.ib.id, protocol: "TCP", port: 1 }, "destination"],
      [{ source: s.ia.id, destination: v6.body.id, protocol: "TCP", port: 1 }, "destination"],
      [{ source: s.ia.id, destination: s.ib.id, protocol: "ICMPv6", port: 128 }, "protocol"],
      [{ source: 999999, destination: s.ib.id, protocol: "TCP", port: 1 }, "source"],
    ];
    for (const [body, field] of cases) {
      const res = await post("communications", body);
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(Object.keys(res.body.fields)).toEqual([field]);
    }
  });
});
