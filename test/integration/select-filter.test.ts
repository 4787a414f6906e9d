// Grouped selects with type-to-filter (issue 13, docs/usage.md "Forms"): the
// communication form's interface selects in <optgroup label="LOCATION › ENTITY">,
// the interface form's entity select by project and location, and above more
// than 15 options a Filter field whose button (filter_only=1) sends the form
// back narrowed, with every input kept and nothing saved.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEntity } from "../../src/data/entities.js";
import { createInterface } from "../../src/data/interfaces.js";
import { createLocation } from "../../src/data/locations.js";
import { createProject } from "../../src/data/projects.js";
import { groupedSelect } from "../../src/domain/option-groups.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let editor: Agent;
let projectId: number;
/** Interface ids by entity name (one `eth0` each, `web3` also `eth1`). */
const ifaces: Record<string, number> = {};
const entities: Record<string, number> = {};
let small: Awaited<ReturnType<typeof seedProject>>;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("editor", [], ["Editors"]);
  editor = await ctx.login("editor");
  small = await seedProject(ctx.db, "Small");
  const project = await createProject(ctx.db, { name: "Filtered", description: "" });
  projectId = project.id;
  // Created out of order: the selects show locations, then entities, by name regardless of case.
  const zurich = await createLocation(ctx.db, { name: "zurich DC", description: "" });
  const berlin = await createLocation(ctx.db, { name: "Berlin DC", description: "" });
  const names = [
    ...Array.from({ length: 9 }, (_, i) => ({ name: `web${i + 1}`, location: zurich.id })),
    ...Array.from({ length: 9 }, (_, i) => ({ name: `DB${i + 1}`, location: berlin.id })),
  ];
  let n = 0;
  for (const e of names) {
    const entity = await createEntity(ctx.db, {
      name: e.name,
      description: "",
      projectId: project.id,
      locationId: e.location,
    });
    entities[e.name] = entity.id;
    n++;
    const iface = await createInterface(ctx.db, {
      name: "eth0",
      description: "",
      entityId: entity.id,
      address: `10.1.0.${n}`,
      netmask: "255.255.255.255",
    });
    ifaces[e.name] = iface.id;
  }
  ifaces["web3 eth1"] = (
    await createInterface(ctx.db, {
      name: "eth1",
      description: "",
      entityId: entities.web3 as number,
      address: "10.2.0.3",
      netmask: "255.255.255.255",
    })
  ).id;
});
afterAll(() => ctx.close());

const post = (url: string, form: Record<string, string>) =>
  editor
    .post(url)
    .type("form")
    .send({ _csrf: editor.csrf, ...form });

/** The inside of a select. */
const selectOf = (html: string, name: string): string =>
  new RegExp(`<select id="f-${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html)?.[1] ?? "";
const groupLabels = (select: string) => [...select.matchAll(/<optgroup label="([^"]*)">/g)].map((m) => m[1]);
const optionValues = (select: string) =>
  [...select.matchAll(/<option value="([^"]+)"/g)].map((m) => Number(m[1])).filter((v) => v > 0);
const selectedOf = (html: string, name: string) =>
  /<option value="([^"]*)" selected>/.exec(selectOf(html, name))?.[1] ?? "";

const counts = () =>
  ctx.db.run(async (c) => ({ interfaces: await c.interface.count(), communications: await c.communication.count() }));

describe("grouped selects", () => {
  it("the communication form's interfaces are grouped LOCATION › ENTITY in the one order", async () => {
    const res = await editor.get(`/communications/new?project=${projectId}`);
    expect(res.status).toBe(200);
    const source = selectOf(res.text, "source");
    expect(groupLabels(source)).toEqual([
      ...Array.from({ length: 9 }, (_, i) => `Berlin DC › DB${i + 1}`),
      ...Array.from({ length: 9 }, (_, i) => `zurich DC › web${i + 1}`),
    ]);
    expect(source).toContain(
      `<optgroup label="zurich DC › web3"><option value="${ifaces.web3}">web3 (10.1.0.3) eth0</option><option value="${ifaces["web3 eth1"]}">web3 (10.2.0.3) eth1</option></optgroup>`,
    );
    expect(groupLabels(selectOf(res.text, "destination"))).toEqual(groupLabels(source));
    // The empty choice stays outside the groups.
    expect(source.trim()).toMatch(/^<option value="">Choose the source interface<\/option>\s*<optgroup/);
  });

  it("a short list is grouped too, without a Filter field", async () => {
    const res = await editor.get(`/communications/new?project=${small.project.id}`);
    expect(groupLabels(selectOf(res.text, "source"))).toEqual(["Small site › alpha", "Small site › beta"]);
    expect(res.text).not.toContain('name="filter_source"');
    expect(res.text).not.toContain('name="filter_only"');
  });

  it("the interface form's entity select is grouped by project and location", async () => {
    const res = await editor.get("/interfaces/new");
    const labels = groupLabels(selectOf(res.text, "entity"));
    expect(labels).toContain("Filtered › Berlin DC");
    expect(labels).toContain("Small project › Small site");
    expect(labels.indexOf("Filtered › Berlin DC")).toBeLessThan(labels.indexOf("Filtered › zurich DC"));
    expect(res.text).toContain(`<option value="${entities.DB1}">DB1 (Filtered - Berlin DC)</option>`);
  });

  it("a fixed entity stays a read-only field", async () => {
    const res = await editor.get(`/interfaces/new?entity=${entities.web1}`);
    expect(res.text).toContain(`<input type="hidden" name="entity" value="${entities.web1}">`);
    expect(res.text).not.toContain('name="filter_entity"');
  });
});

describe("the Filter field without JavaScript", () => {
  it("shows above more than 15 options, with its button and the script", async () => {
    const res = await editor.get(`/communications/new?project=${projectId}`);
    for (const name of ["source", "destination"]) {
      expect(res.text).toContain(`<label for="f-filter_${name}">Filter</label>`);
      expect(res.text).toMatch(new RegExp(`<input id="f-filter_${name}" name="filter_${name}" type="search" value=""`));
    }
    expect(res.text).toContain(
      '<button type="submit" name="filter_only" value="1" class="button" data-filter-button>Filter</button>',
    );
    expect(res.text).toContain('<script src="/static/js/select-filter.js" defer></script>');
    // Enter in a text field uses the first submit button: a (hidden) Save comes before any Filter.
    const form = res.text.slice(res.text.indexOf('<form method="post"'));
    expect(form.indexOf('<button type="submit" class="visually-hidden"')).toBeLessThan(
      form.indexOf('name="filter_only"'),
    );
    const script = await editor.get("/static/js/select-filter.js");
    expect(script.status).toBe(200);
    expect(script.text).toContain("data-filter-for");
  });

  it("filter_only narrows the select (regardless of case), keeps every input, saves nothing", async () => {
    const before = await counts();
    const res = await post(`/communications/new?project=${projectId}`, {
      filter_source: "WEB3",
      source: "",
      filter_destination: "",
      destination: String(ifaces.DB2),
      protocol: "UDP",
      port: "514",
      description: "kept description",
      requestedBy: "kept requester",
      reference: "",
      expires: "",
      filter_only: "1",
    });
    expect(res.status).toBe(200);
    const source = selectOf(res.text, "source");
    expect(groupLabels(source)).toEqual(["zurich DC › web3"]);
    expect(optionValues(source)).toEqual([ifaces.web3, ifaces["web3 eth1"]]);
    expect(res.text).toContain('value="WEB3"');
    expect(res.text).toContain("Showing 2 of 19: the options containing this text.");
    // The other select is whole, and everything typed is kept.
    expect(optionValues(selectOf(res.text, "destination"))).toHaveLength(19);
    expect(selectedOf(res.text, "destination")).toBe(String(ifaces.DB2));
    expect(selectedOf(res.text, "protocol")).toBe("UDP");
    expect(res.text).toContain('value="514"');
    expect(res.text).toContain("kept description");
    expect(res.text).toContain("kept requester");
    expect(res.text).not.toContain("Please correct the errors below.");
    expect(await counts()).toEqual(before);
  });

  it("the group label matches too, and a chosen option stays though it does not match", async () => {
    const res = await post(`/communications/new?project=${projectId}`, {
      filter_source: "berlin",
      source: String(ifaces.web5),
      destination: "",
      protocol: "TCP",
      port: "",
      description: "",
      filter_only: "1",
    });
    expect(res.status).toBe(200);
    const source = selectOf(res.text, "source");
    expect(groupLabels(source)).toEqual([
      ...Array.from({ length: 9 }, (_, i) => `Berlin DC › DB${i + 1}`),
      "zurich DC › web5",
    ]);
    expect(selectedOf(res.text, "source")).toBe(String(ifaces.web5));
  });

  it("a filter matching nothing leaves only the empty choice", async () => {
    const res = await post(`/communications/new?project=${projectId}`, {
      filter_destination: "no such thing",
      destination: "",
      source: "",
      protocol: "TCP",
      port: "",
      description: "",
      filter_only: "1",
    });
    expect(res.status).toBe(200);
    expect(selectOf(res.text, "destination").trim()).toBe('<option value="">Choose the destination interface</option>');
    expect(res.text).toContain("Showing 0 of 19");
  });

  it("Save with a filter text saves, the filter text being no field of the record", async () => {
    const before = await counts();
    const res = await post(`/communications/new?project=${projectId}`, {
      filter_source: "web3",
      source: String(ifaces.web3),
      filter_destination: "zz",
      destination: String(ifaces.DB3),
      protocol: "TCP",
      port: "8443",
      description: "",
    });
    expect(res.status, res.text.slice(0, 300)).toBe(303);
    expect((await counts()).communications).toBe(before.communications + 1);
  });

  it("invalid input with a filter text shows the whole list again (the script narrows it)", async () => {
    const res = await post(`/communications/new?project=${projectId}`, {
      filter_source: "web3",
      source: String(ifaces.web3),
      destination: String(ifaces.DB3),
      protocol: "TCP",
      port: "99999",
      description: "",
    });
    expect(res.status).toBe(422);
    expect(optionValues(selectOf(res.text, "source"))).toHaveLength(19);
    expect(res.text).toContain('value="web3"');
  });

  it("on the communication edit form filter_only saves nothing", async () => {
    const before = await ctx.db.run((c) => c.communication.findUnique({ where: { id: small.communication } }));
    const res = await post(`/communications/${small.communication}/edit`, {
      source: String(small.ia.id),
      destination: String(small.ib.id),
      protocol: "UDP",
      port: "9999",
      description: "changed?",
      filter_only: "1",
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('value="9999"');
    expect(await ctx.db.run((c) => c.communication.findUnique({ where: { id: small.communication } }))).toEqual(before);
  });

  it("the interface form's entity select narrows, keeps the input, saves nothing", async () => {
    const before = await counts();
    const res = await post("/interfaces/new", {
      name: "eth7",
      description: "kept",
      filter_entity: "db",
      entity: "",
      address: "10.9.9.9",
      netmask: "/32",
      filter_only: "1",
    });
    expect(res.status).toBe(200);
    const entity = selectOf(res.text, "entity");
    expect(groupLabels(entity)).toEqual(["Filtered › Berlin DC"]);
    expect(optionValues(entity)).toHaveLength(9);
    for (const v of ['value="eth7"', "kept", 'value="10.9.9.9"', 'value="/32"', 'value="db"']) {
      expect(res.text).toContain(v);
    }
    expect(await counts()).toEqual(before);
  });

  it("the interface edit form's entity select narrows without saving", async () => {
    const iface = ifaces.web1 as number;
    const res = await post(`/interfaces/${iface}/edit`, {
      name: "renamed?",
      description: "",
      filter_entity: "web2",
      entity: String(entities.web1),
      address: "10.1.0.1",
      netmask: "",
      filter_only: "1",
    });
    expect(res.status).toBe(200);
    expect(groupLabels(selectOf(res.text, "entity"))).toEqual(["Filtered › zurich DC"]);
    expect(optionValues(selectOf(res.text, "entity"))).toEqual([entities.web1, entities.web2]);
    expect((await ctx.db.run((c) => c.interface.findUnique({ where: { id: iface } })))?.name).toBe("eth0");
  });
});

describe("groupedSelect", () => {
  const options = [
    { value: 1, label: "a (10.0.0.1) eth0", group: "Site › a" },
    { value: 2, label: "b (10.0.0.2) eth0", group: "Site › b" },
    { value: 3, label: "b (10.0.0.3) eth1", group: "Site › b" },
  ];
  it("groups in the given order and counts", () => {
    expect(groupedSelect(options)).toEqual({
      groups: [
        { label: "Site › a", options: [{ value: 1, label: "a (10.0.0.1) eth0" }] },
        {
          label: "Site › b",
          options: [
            { value: 2, label: "b (10.0.0.2) eth0" },
            { value: 3, label: "b (10.0.0.3) eth1" },
          ],
        },
      ],
      total: 3,
      shown: 3,
      filter: "",
      filterable: false,
    });
  });
  it("narrows only when asked, and keeps the selected option", () => {
    expect(groupedSelect(options, "ETH1", "", false).shown).toBe(3);
    expect(groupedSelect(options, " ETH1 ", "").groups).toEqual([
      { label: "Site › b", options: [{ value: 3, label: "b (10.0.0.3) eth1" }] },
    ]);
    expect(groupedSelect(options, "eth1", "1").shown).toBe(2);
  });
});
