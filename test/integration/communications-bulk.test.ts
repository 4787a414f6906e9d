// Editing many communications at once on /communications?project=ID
// (docs/usage.md, "Editing many communications at once"): one form for the
// rows of the page, for users with change_communication; every changed row is
// checked as the single edit form checks it and all are saved in one
// transaction, or none (422, every input kept, the message beside the bad
// field of the bad row); rows left alone are not written; a row someone else
// changed after the page was read is reported, not overwritten.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BulkRowRefused,
  CHANGED_MEANWHILE,
  createCommunication,
  updateCommunication,
  updateCommunications,
} from "../../src/data/communications.js";
import { bulkCommunicationRows } from "../../src/data/communications-bulk.js";
import { createEntity } from "../../src/data/entities.js";
import { createInterface } from "../../src/data/interfaces.js";
import { createLocation } from "../../src/data/locations.js";
import { createProject } from "../../src/data/projects.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { storedEntries } from "../support/history.js";

let ctx: TestContext;
let editor: Agent;
let viewer: Agent;
let projectId = 0;
let v4: { a: number; b: number } = { a: 0, b: 0 };
const flows: number[] = [];

const FIELDS = ["protocol", "port", "description", "requestedBy", "reference", "expires"] as const;
type Row = Record<(typeof FIELDS)[number], string>;

const listUrl = () => `/communications?project=${projectId}&sort=port`;

/** The bulk form of a list page as a browser would send it unchanged: ids, versions and each row's fields. */
function formOf(html: string): { body: Record<string, string | string[]>; rows: Map<number, Row> } {
  const start = html.indexOf('action="/communications/bulk"');
  if (start < 0) throw new Error("no bulk form on the page");
  const form = html.slice(start, html.indexOf("</form>", start));
  const fromHtml = (s: string) =>
    s
      .replaceAll("&quot;", '"')
      .replaceAll("&#39;", "'")
      .replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">")
      .replaceAll("&amp;", "&");
  const body: Record<string, string | string[]> = {};
  const ids: string[] = [];
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    const [name, value] = [m[1] as string, fromHtml(m[2] as string)];
    if (name === "id") ids.push(value);
    else body[name] = value;
  }
  body.id = ids;
  const rows = new Map<number, Row>();
  for (const id of ids.map(Number)) {
    const row = {} as Row;
    for (const field of FIELDS) {
      const name = `${field}-${id}`;
      const select = new RegExp(`name="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(form);
      const area = new RegExp(`name="${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(form);
      const input = new RegExp(`name="${name}" type="[a-z]+" value="([^"]*)"`).exec(form);
      if (field === "description" && area) row[field] = fromHtml(area[1] as string);
      else if (field === "protocol" && select)
        row[field] = /<option value="([^"]*)" selected>/.exec(select[1] as string)?.[1] ?? "";
      else if (input) row[field] = fromHtml(input[1] as string);
      else throw new Error(`no field ${name}`);
      body[name] = row[field];
    }
    rows.set(id, row);
  }
  return { body, rows };
}

/** The messages of a refused bulk form, for a failing assertion. */
const errorsOf = (html: string) => [...html.matchAll(/class="field-error"[^>]*>([^<]*)/g)].map((m) => m[1]).join(" | ");

const set = (body: Record<string, string | string[]>, id: number, field: string, value: string) => {
  body[`${field}-${id}`] = value;
};

const stored = (id: number) =>
  ctx.db.run((c) =>
    c.communication.findUniqueOrThrow({
      where: { id },
      select: {
        port: true,
        portEnd: true,
        protocol: true,
        description: true,
        requestedBy: true,
        reference: true,
        expires: true,
      },
    }),
  );
const entriesOf = async (id: number) =>
  (await storedEntries(ctx.db, { objectType: "communication", objectId: id })).length;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("editor", [], ["Editors"]);
  await ctx.user("viewer", [], ["Viewers"]);
  editor = await ctx.login("editor");
  viewer = await ctx.login("viewer");
  const project = await createProject(ctx.db, { name: "Bulk", description: "" });
  projectId = project.id;
  const site = await createLocation(ctx.db, { name: "Bulk site", description: "" });
  const entity = (name: string) => createEntity(ctx.db, { name, description: "", projectId, locationId: site.id });
  const web = await entity("web");
  const db = await entity("db");
  const iface = (entityId: number, address: string) =>
    createInterface(ctx.db, { name: "eth0", description: "", entityId, address, netmask: "255.255.255.255" });
  const a = await iface(web.id, "10.0.0.1");
  const b = await iface(db.id, "10.0.0.2");
  v4 = { a: a.id, b: b.id };
  for (const port of [21, 22, 23, 24, 25, 26]) {
    flows.push(
      await createCommunication(ctx.db, projectId, {
        sourceId: a.id,
        destinationId: b.id,
        protocol: "TCP",
        port,
        description: `flow ${port}`,
      }),
    );
  }
}, 60_000);
afterAll(() => ctx.close());

describe("bulk editing of /communications (docs/usage.md)", () => {
  it("shows editors one form with a labelled input per field of each row, keeping the list's query", async () => {
    const res = await editor.get(listUrl());
    expect(res.status).toBe(200);
    expect(res.text).toContain('<form method="post" action="/communications/bulk"');
    expect(res.text).toContain(`name="list" value="project=${projectId}&amp;sort=port"`);
    expect(res.text).toMatch(/<label for="bulk-\d+-port" class="visually-hidden">Port of web → db TCP 22<\/label>/);
    expect(res.text).toContain("Save changes");
    expect(formOf(res.text).rows.size).toBe(6);
  });

  it("saves 5 changed rows at once, each with its history entry, and leaves the unchanged row alone", async () => {
    const { body } = formOf((await editor.get(listUrl())).text);
    const untouched = flows[5] as number;
    const before = await Promise.all(flows.map(entriesOf));
    flows.slice(0, 5).forEach((id, i) => {
      set(body, id, "description", `changed ${i}`);
      set(body, id, "requestedBy", "alice");
      set(body, id, "reference", `CHG-${i}`);
    });
    set(body, flows[0] as number, "port", "2100-2110");
    set(body, flows[1] as number, "expires", "2099-12-31");
    set(body, flows[2] as number, "protocol", "UDP");
    const res = await editor
      .post("/communications/bulk")
      .type("form")
      .send({ ...body, _csrf: editor.csrf });
    expect(res.status, errorsOf(res.text)).toBe(303);
    expect(res.headers.location).toBe(listUrl());
    const page = await editor.get(res.headers.location as string);
    expect(page.text).toContain("5 communications were saved.");

    expect(await stored(flows[0] as number)).toMatchObject({ port: 2100, portEnd: 2110, description: "changed 0" });
    expect(await stored(flows[1] as number)).toMatchObject({ expires: "2099-12-31", requestedBy: "alice" });
    expect(await stored(flows[2] as number)).toMatchObject({ protocol: "UDP", reference: "CHG-2" });
    const after = await Promise.all(flows.map(entriesOf));
    flows.slice(0, 5).forEach((_, i) => {
      expect(after[i]).toBe((before[i] as number) + 1);
    });
    expect(after[5]).toBe(before[5]);
    const entry = (await storedEntries(ctx.db, { objectType: "communication", objectId: flows[0] as number })).at(-1);
    expect(entry).toMatchObject({ action: "update", actor: "editor" });
    expect(entry?.after).toMatchObject({ description: "changed 0" });
    expect(await stored(untouched)).toMatchObject({ port: 26, description: "flow 26" });
  });

  it("saves nothing when one row of five is bad: 422, every input kept, the message beside the bad field", async () => {
    const { body } = formOf((await editor.get(listUrl())).text);
    const before = await Promise.all(flows.map(stored));
    const entries = (await storedEntries(ctx.db)).length;
    flows.slice(0, 5).forEach((id, i) => {
      set(body, id, "description", `kept input ${i}`);
    });
    const bad = flows[3] as number;
    set(body, bad, "port", "99999");
    set(body, flows[4] as number, "expires", "2031-01-15");
    const res = await editor
      .post("/communications/bulk")
      .type("form")
      .send({ ...body, _csrf: editor.csrf });
    expect(res.status).toBe(422);
    expect(res.text).toContain("nothing was saved");
    for (let i = 0; i < 5; i++) expect(res.text).toContain(`kept input ${i}</textarea>`);
    expect(res.text).toContain(`id="bulk-${bad}-port" name="port-${bad}" type="text" value="99999"`);
    expect(res.text).toContain('value="2031-01-15"');
    expect(res.text).toMatch(new RegExp(`<p class="field-error" id="bulk-${bad}-port-error">[^<]*65535`));
    expect(res.text).toContain(`<tr id="communication-${bad}" class="bulk-row-error">`);
    expect(res.text).toContain(`<a href="#bulk-${bad}-port">web → db TCP 24, Port</a>`);
    expect(res.text).toContain(`name="list" value="project=${projectId}&amp;sort=port"`);
    // The page re-shown posts again as it stands: fixing the bad field is enough.
    const again = formOf(res.text).body;
    expect(again[`description-${flows[0]}`]).toBe("kept input 0");
    expect(await Promise.all(flows.map(stored))).toEqual(before);
    expect((await storedEntries(ctx.db)).length).toBe(entries);
  });

  it("checks the protocol against the ends' family, as the single form does", async () => {
    const { body } = formOf((await editor.get(listUrl())).text);
    const id = flows[5] as number;
    set(body, id, "protocol", "ICMPv6");
    set(body, id, "port", "128");
    const res = await editor
      .post("/communications/bulk")
      .type("form")
      .send({ ...body, _csrf: editor.csrf });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(new RegExp(`id="bulk-${id}-protocol-error">ICMPv6 needs IPv6 ends`));
    expect(await stored(id)).toMatchObject({ protocol: "TCP", port: 26 });
  });

  it("refuses a duplicate flow, on the page or off it", async () => {
    // Two rows of the form ending as the same flow.
    const { body } = formOf((await editor.get(listUrl())).text);
    const id = flows[5] as number;
    set(body, id, "port", "24");
    const res = await editor
      .post("/communications/bulk")
      .type("form")
      .send({ ...body, _csrf: editor.csrf });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(new RegExp(`id="bulk-${id}-port-error">This communication \\(same source`));
    // The flow it would duplicate is not on this page: the database refuses it, and nothing is saved.
    const page = await editor.get(`/communications?project=${projectId}&sort=port&per_page=1`);
    const first = formOf(page.text);
    const [only] = [...first.rows.keys()];
    set(first.body, only as number, "port", "24");
    set(first.body, only as number, "description", "would duplicate");
    const refused = await editor
      .post("/communications/bulk")
      .type("form")
      .send({ ...first.body, _csrf: editor.csrf });
    expect(refused.status).toBe(422);
    expect(refused.text).toMatch(new RegExp(`id="bulk-${only}-port-error">This communication \\(same source`));
    expect(refused.text).toContain("would duplicate</textarea>");
    expect((await stored(only as number)).description).not.toBe("would duplicate");
  });

  it("reports a row someone else changed after the page was read, and saves it once confirmed", async () => {
    const { body } = formOf((await editor.get(listUrl())).text);
    const id = flows[5] as number;
    const other = flows[4] as number;
    const input = { sourceId: v4.a, destinationId: v4.b, protocol: "TCP" as const, port: 26 };
    await new Promise((r) => setTimeout(r, 5));
    await updateCommunication(ctx.db, id, projectId, { ...input, description: "theirs" });
    // A row the editor left alone and someone else changed is not written back.
    await updateCommunication(ctx.db, other, projectId, { ...input, port: 25, description: "theirs too" });
    set(body, id, "description", "mine");
    const res = await editor
      .post("/communications/bulk")
      .type("form")
      .send({ ...body, _csrf: editor.csrf });
    expect(res.status).toBe(422);
    expect(res.text).toContain("Someone else changed this communication");
    expect((await stored(id)).description).toBe("theirs");
    // Saving the page as shown again keeps the editor's value, and still not the other row's old one.
    const again = formOf(res.text).body;
    const saved = await editor
      .post("/communications/bulk")
      .type("form")
      .send({ ...again, _csrf: editor.csrf });
    expect(saved.status, errorsOf(saved.text)).toBe(303);
    expect((await stored(id)).description).toBe("mine");
    expect((await stored(other)).description).toBe("theirs too");
  });

  it("rolls every row back when the transaction finds one changed meanwhile", async () => {
    // The route's own check passed; the row changed before the transaction locked it.
    const [first, second] = [flows[0] as number, flows[1] as number];
    const rows = await bulkCommunicationRows(ctx.db, projectId, [first, second]);
    const seen = (id: number) => rows.get(id)?.updatedAt as Date;
    const before = { first: await stored(first), entries: (await storedEntries(ctx.db)).length };
    const input = { sourceId: v4.a, destinationId: v4.b, protocol: "TCP" as const, port: 3000 };
    await new Promise((r) => setTimeout(r, 5));
    await updateCommunication(ctx.db, second, projectId, { ...input, port: 3001, description: "meanwhile" });
    const entries = (await storedEntries(ctx.db)).length;
    expect(entries).toBe(before.entries + 1);
    const refused = await updateCommunications(ctx.db, projectId, [
      { id: first, seen: seen(first), input: { ...input, description: "bulk first" } },
      { id: second, seen: seen(second), input: { ...input, port: 3002, description: "bulk second" } },
    ]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BulkRowRefused);
    expect(refused).toMatchObject({ id: second, field: "_row", message: CHANGED_MEANWHILE });
    expect(await stored(first)).toEqual(before.first);
    expect((await stored(second)).description).toBe("meanwhile");
    expect((await storedEntries(ctx.db)).length).toBe(entries);
  });

  it("says so when nothing changed, and writes nothing", async () => {
    const { body } = formOf((await editor.get(listUrl())).text);
    const entries = (await storedEntries(ctx.db)).length;
    const res = await editor
      .post("/communications/bulk")
      .type("form")
      .send({ ...body, _csrf: editor.csrf });
    expect(res.status).toBe(303);
    expect((await editor.get(res.headers.location as string)).text).toContain("No communication was changed.");
    expect((await storedEntries(ctx.db)).length).toBe(entries);
  });

  it("gives viewers the plain list and refuses their POST with 403", async () => {
    const page = await viewer.get(listUrl());
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('action="/communications/bulk"');
    expect(page.text).not.toContain('name="port-');
    const { body } = formOf((await editor.get(listUrl())).text);
    set(body, flows[0] as number, "description", "by a viewer");
    const res = await viewer
      .post("/communications/bulk")
      .type("form")
      .send({ ...body, _csrf: viewer.csrf });
    expect(res.status).toBe(403);
    expect((await stored(flows[0] as number)).description).not.toBe("by a viewer");
  });

  it("shows the plain list to editors when it is not filtered to one project", async () => {
    const page = await editor.get("/communications");
    expect(page.text).not.toContain('action="/communications/bulk"');
  });
});
