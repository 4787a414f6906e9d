// The full-size diagram page and the diagram at real size (docs/usage.md): an
// 80-entity, 400-flow project is drawn between 1:4 and 4:1 with labels at
// their normal size; the page holds the SVG inline with every node linked to
// its entity (and no other link, no script); ?location=ID keeps the flows
// touching that location; an entity's neighbourhood SVG holds it and the
// entities it talks to. The project page never waits for a layout: it links
// the SVG at once and lists at most 100 communications, linking the rest.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listEntities } from "../../src/data/entities.js";
import { getProjectByName } from "../../src/data/projects.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { loadProjects } from "../support/projects-dataset.js";

let ctx: TestContext;
let viewer: Agent;
let projectId = 0;
let entities: Awaited<ReturnType<typeof listEntities>> = [];

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("viewer", [], ["Viewers"]);
  viewer = await ctx.login("viewer");
  await loadProjects(ctx.db, [
    { name: "Real", args: ["--locations", "4", "--entities", "80", "--communications", "400"] },
  ]);
  projectId = (await getProjectByName(ctx.db, "Real"))?.id ?? 0;
  entities = await listEntities(ctx.db, { projectId });
}, 120_000);
afterAll(() => ctx.close());

/** GET an SVG as text (supertest leaves image/svg+xml unparsed). */
const getSvg = (url: string) =>
  viewer
    .get(url)
    .buffer(true)
    .parse((r, cb) => {
      let text = "";
      r.setEncoding("utf8");
      r.on("data", (chunk: string) => {
        text += chunk;
      });
      r.on("end", () => cb(null, text));
    });

const sizeOf = (svg: string) => {
  const m = svg.match(/<svg[^>]* width="([\d.]+)pt" height="([\d.]+)pt"/);
  if (!m) throw new Error("no size on the SVG");
  return { width: Number(m[1]), height: Number(m[2]) };
};

describe("diagram page (docs/usage.md)", () => {
  it("answers the project page without waiting for the layout, with at most 100 communications", async () => {
    const start = performance.now();
    const page = await viewer.get(`/projects/${projectId}`).expect(200);
    const ms = performance.now() - start;
    // Answered while the layout had not finished: the image is linked as being drawn.
    expect(page.text).toContain("(being drawn: if it does not appear, open the full-size diagram)");
    expect(page.text).toMatch(new RegExp(`<img src="/projects/${projectId}/diagram\\.svg\\?v=[0-9a-f]{16}"`));
    expect(page.text).toContain(`href="/projects/${projectId}/diagram"`);
    const table = page.text.slice(page.text.indexOf('id="communications-heading"'));
    expect(table.match(/<tr id="communication-/g)).toHaveLength(100);
    expect(table).toContain('data-count="400"');
    expect(table).toContain(`href="/communications?project=${projectId}"`);
    console.log(`project page of 80 entities and 400 flows: ${ms.toFixed(0)} ms, ${page.text.length} bytes`);
  });

  it("draws 80 entities and 400 flows between 1:4 and 4:1, labels at their normal size", async () => {
    const res = await getSvg(`/projects/${projectId}/diagram.svg`).expect(200);
    const svg = res.body as string;
    // The SVG request joined the layout the project page started: one layout in all.
    expect(ctx.app.deps.diagrams.stats().layouts).toBe(1);
    const again = await viewer.get(`/projects/${projectId}`).expect(200);
    expect(again.text).not.toContain("being drawn");
    const { width, height } = sizeOf(svg);
    console.log(`diagram of 80 entities and 400 flows: ${width} × ${height} pt, ratio ${(width / height).toFixed(2)}`);
    expect(width / height).toBeGreaterThan(1 / 4);
    expect(width / height).toBeLessThan(4);
    // Drawn at 1 pt a CSS point on the full-size page: node labels 14 pt, edge labels 10 pt.
    const sizes = [...svg.matchAll(/font-size="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(10);
    // The SVG's viewBox is its size: the default zoom of the page is 1.
    expect(svg).toMatch(new RegExp(`viewBox="0\\.00 0\\.00 ${width}\\.?\\d* ${height}`));
  }, 60_000);

  it("holds the SVG inline with every node linked to its entity, and nothing that runs", async () => {
    const page = await viewer.get(`/projects/${projectId}/diagram`).expect(200);
    const svg = page.text.slice(page.text.indexOf("<svg"), page.text.indexOf("</svg>"));
    const links = [...svg.matchAll(/xlink:href="([^"]*)"/g)].map((m) => m[1]);
    expect(links.sort()).toEqual(entities.map((e) => `/entities/${e.id}`).sort());
    expect(page.text).not.toMatch(/<script(?![^>]*src="\/static\/js\/)/);
    expect(page.text).toContain('<script src="/static/js/diagram.js" defer></script>');
    expect(page.text).not.toContain("<?xml");
    expect(page.text).toContain('data-zoom="in"');
    const entity = entities[0];
    if (!entity) throw new Error("no entity");
    const target = await viewer.get(links.find((l) => l === `/entities/${entity.id}`) ?? "").expect(200);
    expect(target.text).toContain(entity.name);
  }, 60_000);

  it("shows one location's entities and the flows with either end there; a bad location is a 400", async () => {
    const location = entities[0]?.location;
    if (!location) throw new Error("no location");
    const page = await viewer.get(`/projects/${projectId}/diagram?location=${location.id}`).expect(200);
    expect(page.text).toContain(`: ${location.name}</h1>`);
    const svg = page.text.slice(page.text.indexOf("<svg"), page.text.indexOf("</svg>"));
    const shown = new Set([...svg.matchAll(/xlink:href="\/entities\/(\d+)"/g)].map((m) => Number(m[1])));
    for (const e of entities.filter((e) => e.location.id === location.id)) expect(shown.has(e.id), e.name).toBe(true);
    expect(shown.size).toBeLessThanOrEqual(entities.length);
    const svgOnly = await getSvg(`/projects/${projectId}/diagram.svg?location=${location.id}`).expect(200);
    expect(svgOnly.headers["content-type"]).toMatch(/^image\/svg\+xml/);
    for (const bad of ["abc", "999999", "0", "-1"]) {
      const res = await viewer.get(`/projects/${projectId}/diagram?location=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.text).toContain("The location filter must name a location");
    }
  }, 60_000);

  it("draws an entity's neighbourhood: the entity and the entities it talks to", async () => {
    const entity = entities[0];
    if (!entity) throw new Error("no entity");
    const res = await getSvg(`/entities/${entity.id}/diagram.svg`).expect(200);
    expect(res.headers["content-type"]).toMatch(/^image\/svg\+xml/);
    const svg = res.body as string;
    const shown = [...svg.matchAll(/xlink:href="\/entities\/(\d+)"/g)].map((m) => Number(m[1]));
    expect(shown).toContain(entity.id);
    expect(shown.length).toBeLessThan(entities.length);
    await viewer.get("/entities/99999999/diagram.svg").expect(404);
  }, 60_000);
});
