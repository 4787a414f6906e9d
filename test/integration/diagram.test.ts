// The project diagram over HTTP (docs/usage.md): well-formed SVG with every entity
// name and every edge label, user text as text, cached with an ETag; and the
// colour-coded table that shares its colours. A dual-stack project: ranges
// (`TCP:8000-8100`), ICMPv6 and IPv6 addresses in the diagram and the table.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunication } from "../../src/data/communications.js";
import { createEntity } from "../../src/data/entities.js";
import { createInterface } from "../../src/data/interfaces.js";
import { createLocation } from "../../src/data/locations.js";
import { createProject } from "../../src/data/projects.js";
import { entityColours } from "../../src/domain/colours.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { parseXml, textOf, walk } from "../support/xml.js";

let ctx: TestContext;
let viewer: Agent;
let projectId: number;
const names = ["web & app", 'db "primary"', "</text><script>alert(1)</script>", "backslash \\N \\l", "Ünïcødé 日本"];
const entityIds: number[] = [];
const labels = ["TCP:443", "UDP:53", "ICMP:8", "TCP:5432"];

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("viewer", [], ["Viewers"]);
  viewer = await ctx.login("viewer");
  const project = await createProject(ctx.db, { name: "Diagram", description: "" });
  projectId = project.id;
  const a = await createLocation(ctx.db, { name: "Site <A>", description: "" });
  const b = await createLocation(ctx.db, { name: "Site B", description: "" });
  const ifaces: number[] = [];
  for (const [i, name] of names.entries()) {
    const e = await createEntity(ctx.db, { name, description: "", projectId, locationId: i % 2 ? b.id : a.id });
    entityIds.push(e.id);
    const iface = await createInterface(ctx.db, {
      name: "eth0",
      description: "",
      entityId: e.id,
      address: `10.0.0.${i + 1}`,
      netmask: "255.255.255.255",
    });
    ifaces.push(iface.id);
  }
  const flows: [number, number, "TCP" | "UDP" | "ICMP", number][] = [
    [0, 1, "TCP", 443],
    [1, 2, "UDP", 53],
    [2, 3, "ICMP", 8],
    [3, 1, "TCP", 5432],
  ];
  for (const [s, d, protocol, port] of flows) {
    await createCommunication(ctx.db, projectId, {
      sourceId: ifaces[s] as number,
      destinationId: ifaces[d] as number,
      protocol,
      port,
      description: "",
    });
  }
});
afterAll(() => ctx.close());

describe("GET /projects/:id/diagram.svg", () => {
  it("is well-formed SVG with every entity name, location and edge label as text", async () => {
    const res = await getSvg(`/projects/${projectId}/diagram.svg`);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("image/svg+xml; charset=utf-8");
    const root = parseXml(res.body as string);
    expect(root.name).toBe("svg");
    const texts = [...walk(root)].filter((e) => e.name === "text").map((e) => textOf(e).replace(/\u00a0/g, " "));
    for (const name of names) expect(texts).toContain(name);
    for (const label of labels) expect(texts).toContain(label);
    expect(texts).toContain("Site <A>");
    const elements = new Set([...walk(root)].map((e) => e.name));
    expect(elements.has("script")).toBe(false);
    for (const e of walk(root)) {
      for (const [attr, value] of Object.entries(e.attrs)) {
        expect(attr).not.toMatch(/^on/i);
        // The only links: each node's entity page.
        if (/href$/i.test(attr)) expect(`${e.name} ${attr}=${value}`).toMatch(/^a xlink:href=\/entities\/\d+$/);
      }
    }
    // Each edge is drawn in its source entity's colour.
    const colours = entityColours(entityIds);
    const strokes = new Set([...walk(root)].filter((e) => e.name === "path").map((e) => e.attrs.stroke));
    expect(strokes.has(colours.get(entityIds[0] as number)?.fill)).toBe(true);
  });

  it("answers 304 to a revalidation with the ETag", async () => {
    const first = await viewer.get(`/projects/${projectId}/diagram.svg`);
    const again = await viewer
      .get(`/projects/${projectId}/diagram.svg`)
      .set("If-None-Match", String(first.headers.etag));
    expect(again.status).toBe(304);
  });

  it("changes its ETag when the project's data changes", async () => {
    const before = (await viewer.get(`/projects/${projectId}/diagram.svg`)).headers.etag;
    await ctx.db.run((c) => c.entity.update({ where: { id: entityIds[0] as number }, data: { name: "renamed" } }));
    const after = (await viewer.get(`/projects/${projectId}/diagram.svg`)).headers.etag;
    expect(after).not.toBe(before);
    await ctx.db.run((c) =>
      c.entity.update({ where: { id: entityIds[0] as number }, data: { name: names[0] as string } }),
    );
  });
});

describe("project page", () => {
  it("shows the diagram and a table whose cells carry the diagram's colours", async () => {
    const page = await viewer.get(`/projects/${projectId}`);
    expect(page.text).toMatch(
      /<img src="\/projects\/\d+\/diagram\.svg\?v=[0-9a-f]{16}" alt="Diagram of the communications of Diagram/,
    );
    expect(page.text).toContain(`<link rel="stylesheet" href="/projects/${projectId}/colours.css`);
    expect(page.text).toContain(`class="entity-colour entity-colour-${entityIds[0]}"`);
    const css = await viewer.get(`/projects/${projectId}/colours.css`);
    expect(css.headers["content-type"]).toMatch(/^text\/css/);
    for (const [id, colour] of entityColours(entityIds)) {
      expect(css.text).toContain(`.entity-colour-${id}{background-color:${colour.fill};color:${colour.text}}`);
    }
    // The entity name is a link inside the coloured cell: the colour is not the only carrier of meaning.
    expect(page.text).toMatch(
      new RegExp(
        `class="entity-colour entity-colour-${entityIds[0]}"><a href="/entities/${entityIds[0]}">web &amp; app</a>`,
      ),
    );
  });
});

describe("a dual-stack project", () => {
  let dualId = 0;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    const project = await createProject(ctx.db, { name: "Dual stack", description: "" });
    dualId = project.id;
    const site = await createLocation(ctx.db, { name: "fd00:77::/32 site", description: "" });
    const ifaces: Record<string, number> = {};
    for (const [name, address, netmask] of [
      ["web", "fd00:77::21", "128"],
      ["admins", "fd00:77:9::", "64"],
      ["office", "10.20.0.0", "255.255.255.0"],
      ["web4", "10.20.1.5", "255.255.255.255"],
    ] as const) {
      const e = await createEntity(ctx.db, { name, description: "", projectId: dualId, locationId: site.id });
      ids[name] = e.id;
      const iface = await createInterface(ctx.db, { name: "eth0", description: "", entityId: e.id, address, netmask });
      ifaces[name] = iface.id;
    }
    const flows = [
      ["admins", "web", "TCP", 8000, 8100],
      ["admins", "web", "ICMPv6", 128, 128],
      ["office", "web4", "UDP", 10000, 20000],
      ["office", "web4", "TCP", 22, 22],
    ] as const;
    for (const [s, d, protocol, port, portEnd] of flows) {
      await createCommunication(ctx.db, dualId, {
        sourceId: ifaces[s] as number,
        destinationId: ifaces[d] as number,
        protocol,
        port,
        portEnd,
        description: "",
      });
    }
  });

  it("labels range edges TCP:8000-8100 and ICMPv6 edges ICMPv6:128", async () => {
    const res = await getSvg(`/projects/${dualId}/diagram.svg`);
    expect(res.status).toBe(200);
    const root = parseXml(res.body as string);
    const texts = [...walk(root)].filter((e) => e.name === "text").map((e) => textOf(e).replace(/\u00a0/g, " "));
    expect(texts).toEqual(expect.arrayContaining(["TCP:8000-8100", "ICMPv6:128", "UDP:10000-20000", "TCP:22"]));
    expect(texts).toContain("fd00:77::/32 site");
  });

  it("shows ranges and IPv6 addresses in the colour-coded table", async () => {
    const page = await viewer.get(`/projects/${dualId}`);
    expect(page.status).toBe(200);
    const rows = tableRows(page.text);
    const row = (source: string, ports: string) =>
      rows.find((r) => r.cells[0]?.includes(source) && r.cells[3] === ports);
    const range = row("admins", "8000-8100");
    expect(range?.cells.slice(0, 4)).toEqual(["admins fd00:77:9::/64", "web fd00:77::21", "TCP", "8000-8100"]);
    expect(range?.classes.slice(0, 2)).toEqual([
      `entity-colour entity-colour-${ids.admins}`,
      `entity-colour entity-colour-${ids.web}`,
    ]);
    expect(row("admins", "128")?.cells[2]).toBe("ICMPv6");
    expect(row("office", "10000-20000")?.cells.slice(0, 3)).toEqual([
      "office 10.20.0.0/255.255.255.0",
      "web4 10.20.1.5",
      "UDP",
    ]);
    expect(row("office", "22")?.cells[2]).toBe("TCP");
    const css = await viewer.get(`/projects/${dualId}/colours.css`);
    for (const [id, colour] of entityColours(Object.values(ids))) {
      expect(css.text).toContain(`.entity-colour-${id}{background-color:${colour.fill};color:${colour.text}}`);
    }
  });
});

/** GET an SVG as text (supertest leaves image/svg+xml unparsed). */
function getSvg(url: string) {
  return viewer
    .get(url)
    .buffer(true)
    .parse((r, cb) => {
      let text = "";
      r.setEncoding("utf8");
      r.on("data", (c: string) => {
        text += c;
      });
      r.on("end", () => cb(null, text));
    });
}

/** The communications table's body rows: each cell's text (tags dropped, spaces collapsed) and class. */
function tableRows(html: string): { cells: string[]; classes: string[] }[] {
  const table = /<table class="data communications">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? "";
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? "";
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map(([, row = ""]) => {
    const cells = [...row.matchAll(/<td([^>]*)>([\s\S]*?)<\/td>/g)];
    return {
      cells: cells.map(([, , inner = ""]) =>
        inner
          .replace(/<[^>]*>/g, "")
          .replace(/\s+/g, " ")
          .trim(),
      ),
      classes: cells.map(([, attrs = ""]) => /class="([^"]*)"/.exec(attrs)?.[1] ?? ""),
    };
  });
}
