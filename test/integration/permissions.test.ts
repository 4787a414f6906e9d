// Every route for the three callers of STYLE.md: anonymous (sent to log-in),
// logged in without the permission (403), and with it (works).
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PermissionCode } from "../../src/domain/constants.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let seed: Awaited<ReturnType<typeof seedProject>>;
let viewer: Agent;
let nobody: Agent;
let admin: Agent;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("admin");
  await ctx.user("viewer", [], ["Viewers"]);
  await ctx.user("nobody");
  seed = await seedProject(ctx.db);
  [viewer, nobody, admin] = await Promise.all([ctx.login("viewer"), ctx.login("nobody"), ctx.login("admin")]);
});
afterAll(() => ctx.close());

type Route = { method: "get" | "post"; path: () => string; needs: PermissionCode | "superuser"; ok: number[] };

const routes: Route[] = [
  { method: "get", path: () => "/", needs: "view", ok: [200] },
  { method: "get", path: () => "/projects/new", needs: "add_project", ok: [200] },
  { method: "post", path: () => "/projects/new", needs: "add_project", ok: [422] },
  { method: "get", path: () => `/projects/${seed.project.id}`, needs: "view", ok: [200] },
  { method: "get", path: () => `/projects/${seed.project.id}/edit`, needs: "change_project", ok: [200] },
  { method: "post", path: () => `/projects/${seed.project.id}/edit`, needs: "change_project", ok: [422] },
  { method: "get", path: () => `/projects/${seed.project.id}/delete`, needs: "delete_project", ok: [200] },
  { method: "get", path: () => `/projects/${seed.project.id}/iptables.zip`, needs: "view", ok: [200] },
  {
    method: "get",
    path: () => `/projects/${seed.project.id}/locations/${seed.location.id}/iptables.zip`,
    needs: "view",
    ok: [200],
  },
  { method: "get", path: () => `/projects/${seed.project.id}/diagram.svg`, needs: "view", ok: [200] },
  { method: "get", path: () => `/projects/${seed.project.id}/colours.css`, needs: "view", ok: [200] },
  { method: "get", path: () => "/locations/new", needs: "add_location", ok: [200] },
  { method: "post", path: () => "/locations/new", needs: "add_location", ok: [422] },
  { method: "get", path: () => `/locations/${seed.location.id}/edit`, needs: "change_location", ok: [200] },
  { method: "post", path: () => `/locations/${seed.location.id}/edit`, needs: "change_location", ok: [422] },
  { method: "get", path: () => `/locations/${seed.location.id}/delete`, needs: "delete_location", ok: [200] },
  { method: "get", path: () => `/entities/new?project=${seed.project.id}`, needs: "add_entity", ok: [200] },
  { method: "post", path: () => `/entities/new?project=${seed.project.id}`, needs: "add_entity", ok: [422] },
  { method: "get", path: () => `/entities/${seed.a.id}`, needs: "view", ok: [200] },
  { method: "get", path: () => `/entities/${seed.a.id}/iptables`, needs: "view", ok: [200] },
  { method: "get", path: () => `/entities/${seed.a.id}/edit`, needs: "change_entity", ok: [200] },
  { method: "post", path: () => `/entities/${seed.a.id}/edit`, needs: "change_entity", ok: [422] },
  { method: "get", path: () => `/entities/${seed.a.id}/delete`, needs: "delete_entity", ok: [200] },
  { method: "get", path: () => `/interfaces/new?entity=${seed.a.id}`, needs: "add_interface", ok: [200] },
  { method: "post", path: () => `/interfaces/new?entity=${seed.a.id}`, needs: "add_interface", ok: [422] },
  { method: "get", path: () => `/interfaces/${seed.ia.id}/edit`, needs: "change_interface", ok: [200] },
  { method: "post", path: () => `/interfaces/${seed.ia.id}/edit`, needs: "change_interface", ok: [422] },
  { method: "get", path: () => `/interfaces/${seed.ia.id}/delete`, needs: "delete_interface", ok: [200] },
  {
    method: "get",
    path: () => `/communications/new?project=${seed.project.id}`,
    needs: "add_communication",
    ok: [200],
  },
  { method: "get", path: () => `/communications/new?from_entity=${seed.a.id}`, needs: "add_communication", ok: [200] },
  { method: "get", path: () => `/communications/new?to_entity=${seed.b.id}`, needs: "add_communication", ok: [200] },
  {
    method: "post",
    path: () => `/communications/new?project=${seed.project.id}`,
    needs: "add_communication",
    ok: [422],
  },
  { method: "get", path: () => `/communications/${seed.communication}/edit`, needs: "change_communication", ok: [200] },
  {
    method: "post",
    path: () => `/communications/${seed.communication}/edit`,
    needs: "change_communication",
    ok: [422],
  },
  {
    method: "get",
    path: () => `/communications/${seed.communication}/delete`,
    needs: "delete_communication",
    ok: [200],
  },
  { method: "get", path: () => "/search?q=alpha", needs: "view", ok: [200] },
  { method: "get", path: () => "/search/suggest?q=alp", needs: "view", ok: [200] },
  { method: "get", path: () => "/admin", needs: "superuser", ok: [200] },
  { method: "get", path: () => "/admin/users/new", needs: "superuser", ok: [200] },
  { method: "post", path: () => "/admin/users/new", needs: "superuser", ok: [422] },
  { method: "get", path: () => "/admin/users/1/edit", needs: "superuser", ok: [200] },
  { method: "get", path: () => "/admin/users/1/password", needs: "superuser", ok: [200] },
  { method: "get", path: () => "/admin/groups/new", needs: "superuser", ok: [200] },
  { method: "get", path: () => "/admin/groups/1/edit", needs: "superuser", ok: [200] },
  { method: "get", path: () => "/admin/groups/1/delete", needs: "superuser", ok: [200] },
];

async function call(agent: Agent | ReturnType<typeof request>, route: Route, csrf?: string) {
  const r =
    route.method === "get"
      ? agent.get(route.path())
      : agent
          .post(route.path())
          .type("form")
          .send({ _csrf: csrf ?? "" });
  return r;
}

describe.each(routes)("$method $needs", (route) => {
  it(`${route.method.toUpperCase()} ${route.path.toString()}: anonymous goes to log-in`, async () => {
    const res = await call(request(ctx.app), route);
    expect(res.status).toBe(302);
    expect(res.headers.location).toMatch(/^\/login/);
  });

  it("refuses a user without the permission with 403", async () => {
    const agent = route.needs === "view" ? nobody : viewer;
    const res = await call(agent, route, agent.csrf);
    expect(res.status).toBe(403);
    if (route.method === "get") expect(res.text).toContain("Permission denied");
  });

  it("works with the permission", async () => {
    const res = await call(admin, route, admin.csrf);
    expect(route.ok).toContain(res.status);
  });
});

describe("deletions for the three callers", () => {
  const deletions = ["project", "location", "entity", "interface", "communication"] as const;
  it.each(deletions)("POST /%s/:id/delete", async (kind) => {
    const s = await seedProject(ctx.db);
    const id = {
      project: s.project.id,
      location: s.location.id,
      entity: s.a.id,
      interface: s.ia.id,
      communication: s.communication,
    }[kind];
    const path = `/${kind === "entity" ? "entities" : `${kind}s`}/${id}/delete`;
    expect((await request(ctx.app).post(path)).status).toBe(302);
    expect((await viewer.post(path).type("form").send({ _csrf: viewer.csrf })).status).toBe(403);
    const res = await admin.post(path).type("form").send({ _csrf: admin.csrf });
    expect(res.status).toBe(303);
    expect((await admin.post(path).type("form").send({ _csrf: admin.csrf })).status).toBe(404);
  });
});

describe("unknown ids", () => {
  it.each([
    "/projects/999999",
    "/entities/999999",
    "/interfaces/999999/edit",
    "/communications/999999/edit",
    "/locations/999999/edit",
    "/projects/abc",
    "/entities/1e3",
  ])("%s is a 404 page in the layout", async (path) => {
    const res = await admin.get(path);
    expect(res.status).toBe(404);
    expect(res.text).toContain("Page not found");
    expect(res.text).toContain('class="navbar"');
  });
});
