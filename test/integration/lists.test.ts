// The data lists (docs/usage.md, "Data lists"): /entities, /interfaces and
// /communications filtered by project, location (a flow is in a location when
// either end is) and text, sorted on a column (links in the headers and
// aria-sort), 50 rows a page unless per_page says otherwise (at most 500),
// the total in data-count, links to each row's pages; bad query values are
// named in a note, never a 500; the navigation bar links the lists.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunication } from "../../src/data/communications.js";
import { createEntity } from "../../src/data/entities.js";
import { createInterface } from "../../src/data/interfaces.js";
import { createLocation } from "../../src/data/locations.js";
import { createProject } from "../../src/data/projects.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";

let ctx: TestContext;
let viewer: Agent;
const ids = { big: 0, other: 0, north: 0, south: 0, hub: 0 };

/** Text of the element with data-count, and the rows of the list table. */
function countOf(html: string): number {
  const m = html.match(/data-count="(\d+)"/);
  if (!m) throw new Error("no data-count on the page");
  return Number(m[1]);
}
function rowsOf(html: string): string[] {
  const body = html.slice(html.indexOf("<tbody>"), html.indexOf("</tbody>"));
  return body.split("<tr").slice(1);
}
const firstCells = (html: string) => rowsOf(html).map((r) => r.match(/<td>(?:<a [^>]*>)?([^<]*)/)?.[1] ?? "");

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("viewer", [], ["Viewers"]);
  viewer = await ctx.login("viewer");
  const big = await createProject(ctx.db, { name: "Big", description: "" });
  const other = await createProject(ctx.db, { name: "Other", description: "" });
  const north = await createLocation(ctx.db, { name: "North", description: "" });
  const south = await createLocation(ctx.db, { name: "South", description: "" });
  Object.assign(ids, { big: big.id, other: other.id, north: north.id, south: south.id });
  // 60 entities in Big: hub (South) and host-01 … host-59 (North), each host sending TCP to hub.
  const hub = await createEntity(ctx.db, { name: "hub", description: "", projectId: big.id, locationId: south.id });
  ids.hub = hub.id;
  const hubIf = await createInterface(ctx.db, {
    name: "eth0",
    description: "",
    entityId: hub.id,
    address: "10.1.0.1",
    netmask: "255.255.255.255",
  });
  for (let i = 1; i <= 59; i++) {
    const name = `host-${String(i).padStart(2, "0")}`;
    const e = await createEntity(ctx.db, { name, description: "", projectId: big.id, locationId: north.id });
    const iface = await createInterface(ctx.db, {
      name: "eth0",
      description: "",
      entityId: e.id,
      address: `10.2.0.${i}`,
      netmask: "255.255.255.255",
    });
    await createCommunication(ctx.db, big.id, {
      sourceId: iface.id,
      destinationId: hubIf.id,
      protocol: "TCP",
      port: 1000 + i,
      description: i === 7 ? "backup 100%_done" : "",
    });
  }
  const lone = await createEntity(ctx.db, { name: "lone", description: "", projectId: other.id, locationId: north.id });
  await createInterface(ctx.db, {
    name: "eth0",
    description: "",
    entityId: lone.id,
    address: "10.3.0.1",
    netmask: "255.255.255.255",
  });
}, 120_000);
afterAll(() => ctx.close());

describe("data lists (docs/usage.md)", () => {
  it("pages 50 rows with the total, and the last page holds the rest", async () => {
    const first = await viewer.get("/entities").expect(200);
    expect(countOf(first.text)).toBe(61);
    expect(rowsOf(first.text)).toHaveLength(50);
    expect(first.text).toContain('href="/entities?page=2"');
    const second = await viewer.get("/entities?page=2").expect(200);
    expect(rowsOf(second.text)).toHaveLength(11);
    expect(second.text).toContain("Page 2 of 2");
    // Past the last page: the last page.
    const past = await viewer.get("/entities?page=9").expect(200);
    expect(rowsOf(past.text)).toHaveLength(11);
  });

  it("filters by project and by location; a flow is in a location when either end is", async () => {
    const other = await viewer.get(`/entities?project=${ids.other}`).expect(200);
    expect(countOf(other.text)).toBe(1);
    expect(other.text).toContain(">lone</a>");
    expect(countOf((await viewer.get(`/entities?location=${ids.south}`)).text)).toBe(1);
    expect(countOf((await viewer.get(`/interfaces?project=${ids.big}&location=${ids.north}`)).text)).toBe(59);
    // Every flow has its source in North and its destination in South.
    expect(countOf((await viewer.get(`/communications?location=${ids.south}`)).text)).toBe(59);
    expect(countOf((await viewer.get(`/communications?location=${ids.north}`)).text)).toBe(59);
    expect(countOf((await viewer.get(`/communications?project=${ids.other}`)).text)).toBe(0);
  });

  it("filters by text, ignoring case", async () => {
    const hosts = await viewer.get("/entities?q=HOST-0").expect(200);
    expect(countOf(hosts.text)).toBe(9);
    expect(countOf((await viewer.get("/interfaces?q=10.2.0.1")).text)).toBe(11); // .1 and .10–.19
    expect(countOf((await viewer.get(`/communications?q=${encodeURIComponent("100%_done")}`)).text)).toBe(1);
    expect(countOf((await viewer.get("/communications?q=host-07")).text)).toBe(1);
  });

  it("sorts on a column both ways, with links in the headers and aria-sort on the sorted one", async () => {
    const up = await viewer.get(`/communications?project=${ids.big}&sort=port&per_page=5`).expect(200);
    expect(rowsOf(up.text).map((r) => r.match(/<td>(\d+)<\/td>/)?.[1])).toEqual([
      "1001",
      "1002",
      "1003",
      "1004",
      "1005",
    ]);
    expect(up.text).toMatch(/<th scope="col" aria-sort="ascending"><a href="[^"]*sort=-port[^"]*">Port/);
    expect(up.text.match(/aria-sort=/g)).toHaveLength(1);
    // Header links keep the filters and the page size.
    expect(up.text).toContain(`href="/communications?project=${ids.big}&amp;sort=description&amp;per_page=5"`);
    const down = await viewer.get(`/communications?project=${ids.big}&sort=-port&per_page=5`).expect(200);
    expect(rowsOf(down.text).map((r) => r.match(/<td>(\d+)<\/td>/)?.[1])).toEqual([
      "1059",
      "1058",
      "1057",
      "1056",
      "1055",
    ]);
    expect(down.text).toContain('aria-sort="descending"');
    const byName = await viewer.get("/entities?sort=-name&per_page=3").expect(200);
    expect(firstCells(byName.text)).toEqual(["lone", "hub", "host-59"]);
    const byProject = await viewer.get("/entities?sort=-project&per_page=1").expect(200);
    expect(firstCells(byProject.text)).toEqual(["lone"]);
  });

  it("takes per_page up to 500 and links each row's pages", async () => {
    const all = await viewer.get("/communications?per_page=500").expect(200);
    expect(rowsOf(all.text)).toHaveLength(59);
    expect(all.text).toContain(`href="/entities/${ids.hub}"`);
    const capped = await viewer.get("/interfaces?per_page=100000").expect(200);
    expect(capped.text).toContain("At most 500 rows are shown a page.");
    expect(rowsOf(capped.text)).toHaveLength(61);
    expect(capped.text).toContain(`href="/entities/${ids.hub}"`);
    expect(capped.text).toContain(`href="/projects/${ids.other}"`);
  });

  it("names bad query values in a note instead of failing", async () => {
    for (const query of [
      "page=0",
      "page=abc",
      "per_page=-1",
      "project=x",
      "location=99999999999",
      "sort=nonsense",
      "sort=-",
      "page=1&page=2",
      "q=%00",
    ]) {
      const res = await viewer.get(`/communications?${query}`);
      expect(res.status, query).toBeLessThan(500);
      if (res.status === 200) expect(res.text, query).toContain('class="note"');
    }
    expect((await viewer.get("/communications?q=%E0%A4%A")).status).toBe(200);
    const unknown = await viewer.get("/entities?project=999999").expect(200);
    expect(unknown.text).toContain("There is no project with the id 999999.");
    expect(countOf(unknown.text)).toBe(0);
  });

  it("is linked from the navigation bar and needs the view permission", async () => {
    const home = await viewer.get("/").expect(200);
    for (const path of ["/entities", "/interfaces", "/communications"]) expect(home.text).toContain(`href="${path}"`);
    await ctx.user("nobody-lists");
    const nobody = await ctx.login("nobody-lists");
    await nobody.get("/communications").expect(403);
  });
});
