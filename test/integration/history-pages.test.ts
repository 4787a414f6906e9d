// The change history pages (docs/usage.md "Change history"): /changes newest
// first, 50 a page, filtered by project, object type, user and dates; a
// project's and an entity's own history; each entry's fields old → new; a
// filter that cannot be read is named on the form, never an error page.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withActor } from "../../src/data/actor.js";
import { updateCommunication } from "../../src/data/communications.js";
import { updateEntity } from "../../src/data/entities.js";
import { createProject, updateProject } from "../../src/data/projects.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let viewer: Agent;
let seed: Awaited<ReturnType<typeof seedProject>>;
let other: Awaited<ReturnType<typeof seedProject>>;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("viewer", [], ["Viewers"]);
  viewer = await ctx.login("viewer");
  seed = await withActor("alice", () => seedProject(ctx.db, "Pages"));
  other = await withActor("bob", () => seedProject(ctx.db, "Other"));
  await withActor("alice", () =>
    updateCommunication(ctx.db, seed.communication, seed.project.id, {
      sourceId: seed.ia.id,
      destinationId: seed.ib.id,
      protocol: "TCP",
      port: 2222,
      description: "SSH <moved>",
    }),
  );
  await withActor("bob", () =>
    updateEntity(ctx.db, seed.a.id, {
      name: "alpha",
      description: "",
      projectId: seed.project.id,
      locationId: seed.location.id,
      restrictOutgoing: true,
    }),
  );
});
afterAll(() => ctx.close());

/** The rows of a history page: [action, object type, object id] each, in page order. */
function rows(html: string): string[] {
  return [...html.matchAll(/data-action="([a-z]+)" data-object-type="([a-z]+)" data-object-id="(\d+)"/g)].map(
    (m) => `${m[1]} ${m[2]} ${m[3]}`,
  );
}

describe("/changes", () => {
  it("lists every change newest first with the user, the time and the fields old → new", async () => {
    const res = await viewer.get("/changes");
    expect(res.status).toBe(200);
    const list = rows(res.text);
    expect(list[0]).toBe(`update entity ${seed.a.id}`);
    expect(list[1]).toBe(`update communication ${seed.communication}`);
    expect(list).toContain(`create project ${other.project.id}`);
    const flow =
      /data-object-id="\d+">([\s\S]*?)<\/tr>/.exec(
        res.text.split(`data-action="update" data-object-type="communication"`)[1] ?? "",
      )?.[0] ?? "";
    expect(flow).toContain("<td>alice</td>");
    expect(flow).toContain("alpha -&gt; beta (TCP:2222)");
    expect(flow).toContain(
      '<li data-field="port"><span class="field-name">Port</span>: <del>22</del> → <ins>2222</ins></li>',
    );
    expect(flow).toContain("<del>SSH</del> → <ins>SSH &lt;moved&gt;</ins>");
    expect(flow).not.toContain('data-field="source"');
    expect(flow).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[^"]+">/);
    const entity = res.text.split(`data-action="update" data-object-type="entity"`)[1]?.split("</tr>")[0] ?? "";
    expect(entity).toContain("Restrict outgoing traffic</span>: <del>no</del> → <ins>yes</ins>");
  });

  it("filters by project, object type, user and dates", async () => {
    // A project, two entities, two interfaces, a communication; the location belongs to no project.
    const byProject = rows((await viewer.get(`/changes?project=${other.project.id}`)).text);
    expect(byProject).toHaveLength(6);
    expect(byProject.every((r) => !r.includes(`project ${seed.project.id}`))).toBe(true);
    const flows = rows((await viewer.get("/changes?type=communication")).text);
    expect(flows).toEqual([
      `update communication ${seed.communication}`,
      `create communication ${other.communication}`,
      `create communication ${seed.communication}`,
    ]);
    const bob = rows((await viewer.get(`/changes?actor=bob&project=${seed.project.id}`)).text);
    expect(bob).toEqual([`update entity ${seed.a.id}`]);
    const today = new Date().toISOString().slice(0, 10);
    expect(rows((await viewer.get(`/changes?from=${today}&to=${today}&type=project`)).text)).toHaveLength(2);
    const empty = await viewer.get("/changes?to=2000-01-01");
    expect(rows(empty.text)).toEqual([]);
    expect(empty.text).toContain("No change matches these filters.");
  });

  it("names a filter it cannot read on the form with a 400, never an error page", async () => {
    for (const [query, field, message] of [
      ["type=router", "type", "Object type must be one of Project, Location, Entity, Interface, Communication."],
      [
        "from=2026-02-30",
        "from",
        "From must be a date written YYYY-MM-DD, such as 2026-12-01; &quot;2026-02-30&quot; is not one.",
      ],
      ["from=2026-03-02&to=2026-03-01", "to", "To must not be before From."],
      ["project=abc", "project", "Project: choose a value from the list."],
      ["actor=a%00b", "actor", "User must not contain control characters."],
      ["actor=x&actor=y", "actor", "User must be a single value."],
    ] as const) {
      const res = await viewer.get(`/changes?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.text).toContain(`id="filter-${field}-error">${message}`);
      expect(rows(res.text)).toEqual([]);
    }
    // A date field shows only a date again (a date input holding 2026-02-30 is invalid HTML).
    const bad = await viewer.get("/changes?from=2026-02-30&to=2026-03-01&actor=bob");
    expect(bad.text).toContain('id="filter-from" type="date" name="from" value=""');
    expect(bad.text).toContain('id="filter-to" type="date" name="to" value="2026-03-01"');
    expect(bad.text).toContain('name="actor" value="bob"');
  });

  it("pages 50 at a time, keeping the filters", async () => {
    const p = await withActor("pager", () => createProject(ctx.db, { name: "Paged", description: "" }));
    for (let i = 1; i <= 60; i++)
      await withActor("pager", () => updateProject(ctx.db, p.id, { name: "Paged", description: `edit ${i}` }));
    const first = await viewer.get("/changes?actor=pager");
    expect(rows(first.text)).toHaveLength(50);
    const older = /<a href="([^"]+)" rel="next">Older changes<\/a>/.exec(first.text)?.[1]?.replaceAll("&amp;", "&");
    expect(older).toMatch(/^\/changes\?actor=pager&before=\d+$/);
    const second = await viewer.get(older as string);
    const rest = rows(second.text);
    expect(rest).toHaveLength(11);
    expect(rest.at(-1)).toBe(`create project ${p.id}`);
    expect(second.text).toContain('<a href="/changes?actor=pager">Newest changes</a>');
    expect(second.text).not.toContain("Older changes");
  });
});

describe("a project's and an entity's history", () => {
  it("shows only the project's changes, whatever ?project says", async () => {
    const res = await viewer.get(`/projects/${seed.project.id}/changes?project=${other.project.id}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`Change history of ${seed.project.name}`);
    expect(res.text).toContain(`href="/projects/${seed.project.id}">Back to the project`);
    const list = rows(res.text);
    expect(list).toHaveLength(8);
    expect(list.at(-1)).toBe(`create project ${seed.project.id}`);
    expect(res.text).not.toContain('id="filter-project"');
  });

  it("shows the entity's own changes, its interfaces' and the communications at either end", async () => {
    const beta = rows((await viewer.get(`/entities/${seed.b.id}/changes`)).text);
    expect(beta).toEqual([
      `update communication ${seed.communication}`,
      `create communication ${seed.communication}`,
      `create interface ${seed.ib.id}`,
      `create entity ${seed.b.id}`,
    ]);
    const alpha = rows((await viewer.get(`/entities/${seed.a.id}/changes?type=entity`)).text);
    expect(alpha).toEqual([`update entity ${seed.a.id}`, `create entity ${seed.a.id}`]);
  });

  it("answers 404 for a project or entity that does not exist", async () => {
    expect((await viewer.get("/projects/999999/changes")).status).toBe(404);
    expect((await viewer.get("/entities/999999/changes")).status).toBe(404);
  });
});
