// "Save and add another" on the add forms of projects, locations, interfaces,
// communications, and the administrators' users and groups (issue 13,
// docs/usage.md "Forms"; entities: entity-inline-interfaces.test.ts): the record is saved,
// the flash says what was added, and the answer is a 303 to the same add form
// pre-filled with the context that made sense, keeping `next`.
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
  seed = await seedProject(ctx.db, "Another");
});
afterAll(() => ctx.close());

const post = (url: string, form: Record<string, string>) =>
  editor
    .post(url)
    .type("form")
    .send({ _csrf: editor.csrf, ...form });

/** The field of the Save and add another button, sent as a form field, never awaited. */
// biome-ignore lint/suspicious/noThenProperty: the button's field is named `then` (issue 13).
const ANOTHER: Record<string, string> = { then: "another" };

/** The redirect's target. */
const where = (res: { headers: Record<string, string | undefined> }): string => res.headers.location ?? "";

/** The selected option's value of a select, or "" when none is. */
const selectedOf = (html: string, name: string): string => {
  const select = new RegExp(`<select id="f-${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html)?.[1] ?? "";
  return /<option value="([^"]*)" selected>/.exec(select)?.[1] ?? "";
};
const inputOf = (html: string, name: string): string =>
  new RegExp(`<input id="f-${name}" name="${name}"[^>]* value="([^"]*)"`).exec(html)?.[1] ?? "";

describe("every add form has Save and add another", () => {
  it.each([
    "/projects/new",
    "/locations/new",
    `/interfaces/new?entity=${0}`,
    "/interfaces/new",
    `/communications/new?project=${0}`,
  ])("%s", async (template) => {
    const url = template.replace("entity=0", `entity=${seed.a.id}`).replace("project=0", `project=${seed.project.id}`);
    const res = await editor.get(url);
    expect(res.status).toBe(200);
    expect(res.text).toContain(
      '<button type="submit" name="then" value="another" class="button">Save and add another</button>',
    );
  });

  it("edit forms do not", async () => {
    for (const url of [
      `/projects/${seed.project.id}/edit`,
      `/locations/${seed.location.id}/edit`,
      `/interfaces/${seed.ia.id}/edit`,
      `/communications/${seed.communication}/edit`,
    ]) {
      const res = await editor.get(url);
      expect(res.status, url).toBe(200);
      expect(res.text, url).not.toContain("Save and add another");
    }
  });
});

describe("Save and add another", () => {
  it("project: saved, the flash, an empty add form again", async () => {
    const res = await post("/projects/new", { name: "Another one", description: "d", ...ANOTHER });
    expect(res.status).toBe(303);
    expect(where(res)).toBe("/projects/new");
    const form = await editor.get(where(res));
    expect(form.text).toContain("Project &quot;Another one&quot; was added.");
    expect(inputOf(form.text, "name")).toBe("");
    expect(await ctx.db.run((c) => c.project.count({ where: { name: "Another one" } }))).toBe(1);
  });

  it("project: plain Save still goes to the project page", async () => {
    const res = await post("/projects/new", { name: "Another two", description: "" });
    expect(res.status).toBe(303);
    expect(where(res)).toMatch(/^\/projects\/\d+$/);
  });

  it("administrators' users and groups: saved, the flash, an empty add form again", async () => {
    await ctx.user("admin");
    const admin = await ctx.login("admin");
    const send = (url: string, form: Record<string, string>) =>
      admin
        .post(url)
        .type("form")
        .send({ _csrf: admin.csrf, ...form });
    for (const url of ["/admin/users/new", "/admin/groups/new"]) {
      expect((await admin.get(url)).text).toContain(
        '<button type="submit" name="then" value="another" class="button">Save and add another</button>',
      );
    }
    const user = await send("/admin/users/new", {
      username: "second-operator",
      password: "a long enough password",
      password2: "a long enough password",
      isActive: "on",
      ...ANOTHER,
    });
    expect(user.status).toBe(303);
    expect(where(user)).toBe("/admin/users/new");
    expect((await admin.get(where(user))).text).toContain("User &quot;second-operator&quot; was added.");
    const group = await send("/admin/groups/new", { name: "Auditors", ...ANOTHER });
    expect(where(group)).toBe("/admin/groups/new");
    expect((await admin.get(where(group))).text).toContain("Group &quot;Auditors&quot; was added.");
    expect((await send("/admin/groups/new", { name: "Auditors two" })).headers.location).toBe("/admin");
  });

  it("location: saved, the flash, an empty add form again", async () => {
    const res = await post("/locations/new", { name: "Further site", description: "", ...ANOTHER });
    expect(res.status).toBe(303);
    expect(where(res)).toBe("/locations/new");
    const form = await editor.get(where(res));
    expect(form.text).toContain("Location &quot;Further site&quot; was added.");
    expect(inputOf(form.text, "name")).toBe("");
  });

  it("interface with a fixed entity: the same entity, fixed again", async () => {
    const res = await post(`/interfaces/new?entity=${seed.a.id}`, {
      name: "eth1",
      description: "",
      address: "10.0.1.1",
      netmask: "",
      ...ANOTHER,
    });
    expect(res.status, res.text.slice(0, 300)).toBe(303);
    expect(where(res)).toBe(`/interfaces/new?entity=${seed.a.id}`);
    const form = await editor.get(where(res));
    expect(form.text).toContain("Interface &quot;eth1&quot; of alpha (10.0.1.1) was added.");
    expect(form.text).toContain(`<input type="hidden" name="entity" value="${seed.a.id}">`);
    expect(form.text).toContain(`href="/entities/${seed.a.id}"`);
    expect(inputOf(form.text, "address")).toBe("");
  });

  it("interface with a choice of entity: the same entity pre-selected, still a choice", async () => {
    const res = await post("/interfaces/new", {
      name: "eth2",
      description: "",
      entity: String(seed.b.id),
      address: "10.0.2.1",
      netmask: "",
      ...ANOTHER,
    });
    expect(res.status, res.text.slice(0, 300)).toBe(303);
    expect(where(res)).toBe(`/interfaces/new?select_entity=${seed.b.id}`);
    const form = await editor.get(where(res));
    expect(form.text).toContain("Interface &quot;eth2&quot; of beta (10.0.2.1) was added.");
    expect(selectedOf(form.text, "entity")).toBe(String(seed.b.id));
  });

  it("communication: same project, source and protocol, empty destination and port, `next` kept", async () => {
    const next = `/entities/${seed.a.id}`;
    const url = `/communications/new?from_entity=${seed.a.id}&next=${encodeURIComponent(next)}`;
    const res = await post(url, {
      source: String(seed.ia.id),
      destination: String(seed.ib.id),
      protocol: "UDP",
      port: "53",
      description: "DNS",
      ...ANOTHER,
    });
    expect(res.status, res.text.slice(0, 300)).toBe(303);
    const location = new URL(where(res), "http://x");
    expect(location.pathname).toBe("/communications/new");
    expect(Object.fromEntries(location.searchParams)).toEqual({
      project: String(seed.project.id),
      source: String(seed.ia.id),
      protocol: "UDP",
      next,
    });
    const form = await editor.get(where(res));
    expect(form.text).toContain("Communication UDP:53 was added.");
    expect(selectedOf(form.text, "source")).toBe(String(seed.ia.id));
    expect(selectedOf(form.text, "destination")).toBe("");
    expect(selectedOf(form.text, "protocol")).toBe("UDP");
    expect(inputOf(form.text, "port")).toBe("");
    expect(form.text).toContain(`<a class="button" href="${next}">Cancel</a>`);
    // Saving from there goes back to `next`.
    const again = await post(where(res), {
      source: String(seed.ia.id),
      destination: String(seed.ib.id),
      protocol: "UDP",
      port: "123",
      description: "",
    });
    expect(again.status, again.text.slice(0, 300)).toBe(303);
    expect(where(again)).toBe(next);
  });

  it("communication without `next`: back to the project's add form, no next", async () => {
    const res = await post(`/communications/new?project=${seed.project.id}`, {
      source: String(seed.ib.id),
      destination: String(seed.ia.id),
      protocol: "TCP",
      port: "443",
      description: "",
      ...ANOTHER,
    });
    expect(res.status, res.text.slice(0, 300)).toBe(303);
    expect(where(res)).toBe(`/communications/new?project=${seed.project.id}&source=${seed.ib.id}&protocol=TCP`);
    const form = await editor.get(where(res));
    expect(form.text).toContain(`<a class="button" href="/projects/${seed.project.id}">Cancel</a>`);
  });

  it("invalid input with then=another is the form again (422), nothing saved", async () => {
    const before = await ctx.db.run((c) => c.communication.count());
    const res = await post(`/communications/new?project=${seed.project.id}`, {
      source: String(seed.ia.id),
      destination: String(seed.ib.id),
      protocol: "TCP",
      port: "70000",
      description: "kept",
      ...ANOTHER,
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain("kept");
    expect(await ctx.db.run((c) => c.communication.count())).toBe(before);
  });

  it("a source or protocol in the query that is not of the form is ignored", async () => {
    const res = await editor.get(`/communications/new?project=${seed.project.id}&source=999999&protocol=GRE`);
    expect(res.status).toBe(200);
    expect(selectedOf(res.text, "source")).toBe("");
    expect(selectedOf(res.text, "protocol")).toBe("TCP");
  });
});
