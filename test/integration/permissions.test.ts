// The permission matrix (docs/usage.md): every GET and POST route of the app,
// from one table, for anonymous (sent to log-in), for a user holding exactly
// the permissions the route needs (works), and for each of those permissions a
// user holding every other one (403, nothing changed). A route the app has but
// the table lacks, or a table row the app no longer has, fails the run.
import type { Router } from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bulkCommunicationRows } from "../../src/data/communications-bulk.js";
import { createToken } from "../../src/data/tokens.js";
import { saveGroup } from "../../src/data/users.js";
import { PERMISSION_CODES, type PermissionCode } from "../../src/domain/constants.js";
import { rowVersion, storedValues } from "../../src/validation/communications-bulk.js";
import { type Agent, createTestContext, PASSWORD, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

/** A permission code, or "superuser" for the administration pages. */
type Need = PermissionCode | "superuser";
type Seed = Awaited<ReturnType<typeof seedProject>>;
type Form = Record<string, string | string[]>;
interface Target {
  url: string;
  form?: Form;
}
interface Row {
  method: "get" | "post";
  /** The route's path as the router declares it (for the coverage check). */
  path: string;
  /** Every data page also needs `view` (app.ts checks it before any router). */
  needs: Need[];
  /** Status with exactly `needs`: 200 for a page or download, 303 for a form that saved. */
  ok: number;
  /** Builds the URL and form on a fresh project (seed), called once per row. */
  target: (s: Seed) => Target | Promise<Target>;
}

let ctx: TestContext;
let counter = 0;
const unique = (what: string) => `${what}${++counter}`;

const csv = (s: Seed) =>
  `source entity,source address,source netmask,destination entity,destination address,destination netmask,protocol,port,description,source location,destination location\n${s.a.name},${s.ia.address},,${s.b.name},${s.ib.address},,TCP,8080,,,`;

const entityForm = (s: Seed): Form => ({
  name: unique("gamma"),
  description: "",
  project: String(s.project.id),
  location: String(s.location.id),
});
const interfaceForm = (entity: number): Form => ({
  name: unique("eth"),
  description: "",
  entity: String(entity),
  address: `10.9.${counter % 250}.${(counter * 7) % 250}`,
  netmask: "255.255.255.255",
});
const communicationForm = (s: Seed): Form => ({
  source: String(s.ia.id),
  destination: String(s.ib.id),
  protocol: "UDP",
  port: "53",
  description: "DNS",
});
/** The bulk edit of the seed's communication list (one row, its description changed), as the list page writes it. */
const bulkForm = async (s: Seed): Promise<Target> => {
  const id = s.communication;
  const row = (await bulkCommunicationRows(ctx.db, s.project.id, [id])).get(id);
  if (!row) throw new Error("the seed's communication is missing");
  const fields = { ...storedValues(row), description: unique("bulk ") };
  return {
    url: "/communications/bulk",
    form: {
      list: `project=${s.project.id}`,
      id: String(id),
      [`version-${id}`]: rowVersion(row),
      ...Object.fromEntries(Object.entries(fields).map(([field, value]) => [`${field}-${id}`, value])),
    },
  };
};
const newUser = async () => ctx.user(unique("target"));
const newGroup = async () => saveGroup(ctx.db, null, { name: unique("Group "), permissions: ["view"] });
/** A token of the account holding no permission at all (the one the account rows run as). */
const tokenOfPlainUser = async () => {
  const user = await ctx.db.run((c) =>
    c.user.findFirstOrThrow({
      where: { username: { startsWith: "only" }, isSuperuser: false, permissions: { none: {} }, groups: { none: {} } },
    }),
  );
  const token = await createToken(ctx.db, {
    userId: user.id,
    name: unique("revoked "),
    tokenHash: unique("hash-"),
    readOnly: true,
    expiresAt: null,
  });
  return token.id;
};

const V: Need = "view";
const rows: Row[] = [
  { method: "get", path: "/", needs: [V], ok: 200, target: () => ({ url: "/" }) },
  // Projects
  {
    method: "get",
    path: "/projects/new",
    needs: [V, "add_project"],
    ok: 200,
    target: () => ({ url: "/projects/new" }),
  },
  {
    method: "post",
    path: "/projects/new",
    needs: [V, "add_project"],
    ok: 303,
    target: () => ({ url: "/projects/new", form: { name: unique("Project "), description: "" } }),
  },
  {
    method: "get",
    path: "/projects/:projectId",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}` }),
  },
  {
    method: "get",
    path: "/projects/:projectId/edit",
    needs: [V, "change_project"],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}/edit` }),
  },
  {
    method: "post",
    path: "/projects/:projectId/edit",
    needs: [V, "change_project"],
    ok: 303,
    target: (s) => ({ url: `/projects/${s.project.id}/edit`, form: { name: unique("Renamed "), description: "x" } }),
  },
  {
    method: "get",
    path: "/projects/:projectId/delete",
    needs: [V, "delete_project"],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}/delete` }),
  },
  {
    method: "post",
    path: "/projects/:projectId/delete",
    needs: [V, "delete_project"],
    ok: 303,
    target: (s) => ({ url: `/projects/${s.project.id}/delete`, form: {} }),
  },
  // Can it reach? and the project report
  {
    method: "get",
    path: "/projects/:projectId/reach",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}/reach?from=10.0.0.1&to=10.0.0.2&protocol=TCP&port=22` }),
  },
  {
    method: "get",
    path: "/projects/:projectId/report",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}/report` }),
  },
  // Imports
  {
    method: "get",
    path: "/projects/:projectId/import",
    needs: [V, "add_entity", "add_interface", "add_communication"],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}/import` }),
  },
  {
    method: "post",
    path: "/projects/:projectId/import",
    needs: [V, "add_entity", "add_interface", "add_communication"],
    ok: 303,
    target: (s) => ({ url: `/projects/${s.project.id}/import`, form: { csv: csv(s), location: "" } }),
  },
  // JSON export and the Import page (docs/usage.md)
  {
    method: "get",
    path: "/projects/:projectId/export.json",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}/export.json` }),
  },
  {
    method: "get",
    path: "/projects/:projectId/communications.csv",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}/communications.csv` }),
  },
  {
    method: "get",
    path: "/import",
    needs: [V, "add_project", "add_location", "add_entity", "add_interface", "add_communication"],
    ok: 200,
    target: () => ({ url: "/import" }),
  },
  {
    method: "post",
    path: "/import",
    needs: [V, "add_project", "add_location", "add_entity", "add_interface", "add_communication"],
    ok: 303,
    // The page takes a file upload; the same field sent as a plain form is read alike.
    target: () => ({
      url: "/import",
      form: {
        file: JSON.stringify({
          format: "conntrackt",
          version: 2,
          locations: [],
          projects: [{ name: unique("Imported "), description: "", entities: [], communications: [] }],
        }),
      },
    }),
  },
  // Rule downloads, ZIPs, diagram
  {
    method: "get",
    path: "/projects/:id/iptables.zip",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}/iptables.zip` }),
  },
  {
    method: "get",
    path: "/projects/:id/locations/:locationId/iptables.zip",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}/locations/${s.location.id}/iptables.zip` }),
  },
  {
    method: "get",
    path: "/projects/:id/nftables.zip",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}/nftables.zip` }),
  },
  {
    method: "get",
    path: "/projects/:id/locations/:locationId/nftables.zip",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}/locations/${s.location.id}/nftables.zip` }),
  },
  {
    method: "get",
    path: "/entities/:id/iptables",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/entities/${s.a.id}/iptables` }),
  },
  {
    method: "get",
    path: "/entities/:id/ip6tables",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/entities/${s.a.id}/ip6tables` }),
  },
  {
    method: "get",
    path: "/entities/:id/nftables",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/entities/${s.a.id}/nftables` }),
  },
  {
    method: "get",
    path: "/projects/:id/diagram.svg",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}/diagram.svg` }),
  },
  {
    method: "get",
    path: "/projects/:id/diagram",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}/diagram?location=${s.location.id}` }),
  },
  {
    method: "get",
    path: "/entities/:id/diagram.svg",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/entities/${s.a.id}/diagram.svg` }),
  },
  {
    method: "get",
    path: "/projects/:id/colours.css",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}/colours.css` }),
  },
  // Deployments and the rule diff
  {
    method: "get",
    path: "/projects/:projectId/deployments",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}/deployments` }),
  },
  {
    method: "post",
    path: "/projects/:projectId/deployments",
    needs: [V, "change_project"],
    ok: 303,
    target: (s) => ({ url: `/projects/${s.project.id}/deployments`, form: { note: "Change 1" } }),
  },
  {
    method: "get",
    path: "/projects/:projectId/diff",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}/diff` }),
  },
  // Change history
  { method: "get", path: "/changes", needs: [V], ok: 200, target: () => ({ url: "/changes?type=project" }) },
  {
    method: "get",
    path: "/projects/:projectId/changes",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/projects/${s.project.id}/changes` }),
  },
  {
    method: "get",
    path: "/entities/:entityId/changes",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/entities/${s.a.id}/changes` }),
  },
  // Locations
  {
    method: "get",
    path: "/locations/new",
    needs: [V, "add_location"],
    ok: 200,
    target: () => ({ url: "/locations/new" }),
  },
  {
    method: "post",
    path: "/locations/new",
    needs: [V, "add_location"],
    ok: 303,
    target: () => ({ url: "/locations/new", form: { name: unique("Site "), description: "" } }),
  },
  {
    method: "get",
    path: "/locations/:locationId/edit",
    needs: [V, "change_location"],
    ok: 200,
    target: (s) => ({ url: `/locations/${s.location.id}/edit` }),
  },
  {
    method: "post",
    path: "/locations/:locationId/edit",
    needs: [V, "change_location"],
    ok: 303,
    target: (s) => ({ url: `/locations/${s.location.id}/edit`, form: { name: unique("Moved "), description: "" } }),
  },
  {
    method: "get",
    path: "/locations/:locationId/delete",
    needs: [V, "delete_location"],
    ok: 200,
    target: (s) => ({ url: `/locations/${s.location.id}/delete` }),
  },
  {
    method: "post",
    path: "/locations/:locationId/delete",
    needs: [V, "delete_location"],
    ok: 303,
    target: (s) => ({ url: `/locations/${s.location.id}/delete`, form: {} }),
  },
  // Entities
  {
    method: "get",
    path: "/entities/new",
    needs: [V, "add_entity"],
    ok: 200,
    target: (s) => ({ url: `/entities/new?project=${s.project.id}` }),
  },
  {
    method: "post",
    path: "/entities/new",
    needs: [V, "add_entity"],
    ok: 303,
    target: (s) => ({ url: "/entities/new", form: entityForm(s) }),
  },
  { method: "get", path: "/entities/:entityId", needs: [V], ok: 200, target: (s) => ({ url: `/entities/${s.a.id}` }) },
  {
    method: "get",
    path: "/entities/:entityId/edit",
    needs: [V, "change_entity"],
    ok: 200,
    target: (s) => ({ url: `/entities/${s.a.id}/edit` }),
  },
  {
    method: "post",
    path: "/entities/:entityId/edit",
    needs: [V, "change_entity"],
    ok: 303,
    target: (s) => ({ url: `/entities/${s.a.id}/edit`, form: entityForm(s) }),
  },
  {
    method: "get",
    path: "/entities/:entityId/delete",
    needs: [V, "delete_entity"],
    ok: 200,
    target: (s) => ({ url: `/entities/${s.a.id}/delete` }),
  },
  {
    method: "post",
    path: "/entities/:entityId/delete",
    needs: [V, "delete_entity"],
    ok: 303,
    target: (s) => ({ url: `/entities/${s.a.id}/delete`, form: {} }),
  },
  // The drift check (docs/drift.md): reading only, like the files it compares with.
  {
    method: "get",
    path: "/entities/:entityId/drift",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/entities/${s.a.id}/drift` }),
  },
  {
    method: "post",
    path: "/entities/:entityId/drift",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/entities/${s.a.id}/drift`, form: { hostRules: '{"nftables": []}' } }),
  },
  // Interfaces
  {
    method: "get",
    path: "/interfaces/new",
    needs: [V, "add_interface"],
    ok: 200,
    target: (s) => ({ url: `/interfaces/new?entity=${s.a.id}` }),
  },
  {
    method: "post",
    path: "/interfaces/new",
    needs: [V, "add_interface"],
    ok: 303,
    target: (s) => ({ url: "/interfaces/new", form: interfaceForm(s.a.id) }),
  },
  {
    method: "get",
    path: "/interfaces/:interfaceId/edit",
    needs: [V, "change_interface"],
    ok: 200,
    target: (s) => ({ url: `/interfaces/${s.ia.id}/edit` }),
  },
  {
    method: "post",
    path: "/interfaces/:interfaceId/edit",
    needs: [V, "change_interface"],
    ok: 303,
    target: (s) => ({ url: `/interfaces/${s.ia.id}/edit`, form: interfaceForm(s.a.id) }),
  },
  {
    method: "get",
    path: "/interfaces/:interfaceId/delete",
    needs: [V, "delete_interface"],
    ok: 200,
    target: (s) => ({ url: `/interfaces/${s.ia.id}/delete` }),
  },
  {
    method: "post",
    path: "/interfaces/:interfaceId/delete",
    needs: [V, "delete_interface"],
    ok: 303,
    target: (s) => ({ url: `/interfaces/${s.ia.id}/delete`, form: {} }),
  },
  // Communications (the add form opens from a project or from either end)
  {
    method: "get",
    path: "/communications/new",
    needs: [V, "add_communication"],
    ok: 200,
    target: (s) => ({ url: `/communications/new?project=${s.project.id}` }),
  },
  {
    method: "get",
    path: "/communications/new",
    needs: [V, "add_communication"],
    ok: 200,
    target: (s) => ({ url: `/communications/new?from_entity=${s.a.id}` }),
  },
  {
    method: "get",
    path: "/communications/new",
    needs: [V, "add_communication"],
    ok: 200,
    target: (s) => ({ url: `/communications/new?to_entity=${s.b.id}` }),
  },
  {
    method: "post",
    path: "/communications/new",
    needs: [V, "add_communication"],
    ok: 303,
    target: (s) => ({ url: `/communications/new?project=${s.project.id}`, form: communicationForm(s) }),
  },
  {
    method: "get",
    path: "/communications/:communicationId/edit",
    needs: [V, "change_communication"],
    ok: 200,
    target: (s) => ({ url: `/communications/${s.communication}/edit` }),
  },
  {
    method: "post",
    path: "/communications/:communicationId/edit",
    needs: [V, "change_communication"],
    ok: 303,
    target: (s) => ({ url: `/communications/${s.communication}/edit`, form: communicationForm(s) }),
  },
  {
    method: "get",
    path: "/communications/:communicationId/delete",
    needs: [V, "delete_communication"],
    ok: 200,
    target: (s) => ({ url: `/communications/${s.communication}/delete` }),
  },
  {
    method: "post",
    path: "/communications/:communicationId/delete",
    needs: [V, "delete_communication"],
    ok: 303,
    target: (s) => ({ url: `/communications/${s.communication}/delete`, form: {} }),
  },
  // Data lists
  {
    method: "get",
    path: "/entities",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/entities?project=${s.project.id}` }),
  },
  { method: "get", path: "/interfaces", needs: [V], ok: 200, target: () => ({ url: "/interfaces?sort=-address" }) },
  {
    method: "get",
    path: "/communications",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/communications?project=${s.project.id}&location=${s.location.id}` }),
  },
  // Editing the rows of one project's communications list at once
  {
    method: "post",
    path: "/communications/bulk",
    needs: [V, "change_communication"],
    ok: 303,
    target: (s) => bulkForm(s),
  },
  // Search
  { method: "get", path: "/search", needs: [V], ok: 200, target: () => ({ url: "/search?q=alpha" }) },
  { method: "get", path: "/search/suggest", needs: [V], ok: 200, target: () => ({ url: "/search/suggest?q=alp" }) },
  // The account page: any logged-in user, whatever their permissions (docs/usage.md, "Account")
  { method: "get", path: "/account", needs: [], ok: 200, target: () => ({ url: "/account" }) },
  {
    method: "post",
    path: "/account/password",
    needs: [],
    ok: 303,
    target: () => ({
      url: "/account/password",
      form: { current: PASSWORD, password: "changed long one", password2: "changed long one" },
    }),
  },
  {
    method: "post",
    path: "/account/tokens",
    needs: [],
    ok: 201,
    target: () => ({ url: "/account/tokens", form: { name: unique("token "), expires: "", access: "read" } }),
  },
  {
    method: "post",
    path: "/account/tokens/:tokenId/revoke",
    needs: [],
    ok: 303,
    target: async () => ({ url: `/account/tokens/${await tokenOfPlainUser()}/revoke`, form: {} }),
  },
  // Administration: superusers only
  { method: "get", path: "/admin", needs: ["superuser"], ok: 200, target: () => ({ url: "/admin" }) },
  {
    method: "get",
    path: "/admin/users/new",
    needs: ["superuser"],
    ok: 200,
    target: () => ({ url: "/admin/users/new" }),
  },
  {
    method: "post",
    path: "/admin/users/new",
    needs: ["superuser"],
    ok: 303,
    target: () => ({
      url: "/admin/users/new",
      form: { username: unique("newuser"), isActive: "on", password: "long enough 1", password2: "long enough 1" },
    }),
  },
  {
    method: "get",
    path: "/admin/users/:userId/edit",
    needs: ["superuser"],
    ok: 200,
    target: async () => ({ url: `/admin/users/${await newUser()}/edit` }),
  },
  {
    method: "post",
    path: "/admin/users/:userId/edit",
    needs: ["superuser"],
    ok: 303,
    target: async () => ({
      url: `/admin/users/${await newUser()}/edit`,
      form: { username: unique("renamed"), isActive: "on", permissions: ["view"] },
    }),
  },
  {
    method: "get",
    path: "/admin/users/:userId/password",
    needs: ["superuser"],
    ok: 200,
    target: async () => ({ url: `/admin/users/${await newUser()}/password` }),
  },
  {
    method: "post",
    path: "/admin/users/:userId/password",
    needs: ["superuser"],
    ok: 303,
    target: async () => ({
      url: `/admin/users/${await newUser()}/password`,
      form: { password: "another long one", password2: "another long one" },
    }),
  },
  {
    method: "get",
    path: "/admin/users/:userId/delete",
    needs: ["superuser"],
    ok: 200,
    target: async () => ({ url: `/admin/users/${await newUser()}/delete` }),
  },
  {
    method: "post",
    path: "/admin/users/:userId/delete",
    needs: ["superuser"],
    ok: 303,
    target: async () => ({ url: `/admin/users/${await newUser()}/delete`, form: {} }),
  },
  {
    method: "get",
    path: "/admin/groups/new",
    needs: ["superuser"],
    ok: 200,
    target: () => ({ url: "/admin/groups/new" }),
  },
  {
    method: "post",
    path: "/admin/groups/new",
    needs: ["superuser"],
    ok: 303,
    target: () => ({ url: "/admin/groups/new", form: { name: unique("Team "), permissions: ["view"] } }),
  },
  {
    method: "get",
    path: "/admin/groups/:groupId/edit",
    needs: ["superuser"],
    ok: 200,
    target: async () => ({ url: `/admin/groups/${await newGroup()}/edit` }),
  },
  {
    method: "post",
    path: "/admin/groups/:groupId/edit",
    needs: ["superuser"],
    ok: 303,
    target: async () => ({
      url: `/admin/groups/${await newGroup()}/edit`,
      form: { name: unique("Crew "), permissions: ["view", "add_entity"] },
    }),
  },
  {
    method: "get",
    path: "/admin/groups/:groupId/delete",
    needs: ["superuser"],
    ok: 200,
    target: async () => ({ url: `/admin/groups/${await newGroup()}/delete` }),
  },
  {
    method: "post",
    path: "/admin/groups/:groupId/delete",
    needs: ["superuser"],
    ok: 303,
    target: async () => ({ url: `/admin/groups/${await newGroup()}/delete`, form: {} }),
  },
];

/** Routes open to anonymous visitors, checked on their own below. */
const publicRoutes = ["GET /healthz", "GET /login", "POST /login", "POST /logout"];

/** "METHOD /path" of every route the app declares, walking the router stack of createApp. */
function declaredRoutes(router: Router): string[] {
  const found: string[] = [];
  const walk = (stack: Router["stack"]) => {
    for (const layer of stack) {
      const route = layer.route as { path: string; methods: Record<string, boolean> } | undefined;
      if (route) {
        for (const method of Object.keys(route.methods)) found.push(`${method.toUpperCase()} ${route.path}`);
        continue;
      }
      const inner = (layer.handle as { stack?: Router["stack"] }).stack;
      if (inner) {
        // A router mounted under a prefix would need that prefix added to its paths.
        expect((layer as { slash?: boolean }).slash, "a router is mounted under a path prefix").toBe(true);
        walk(inner);
      }
    }
  };
  walk(router.stack);
  return found;
}

// One account per permission set the table asks for.
const setName = (needs: readonly Need[]) => [...needs].sort().join("+");
const allBut = (need: Need): PermissionCode[] => PERMISSION_CODES.filter((code) => code !== need);
const agents = new Map<string, Agent>();
const exactly = (row: Row) => agents.get(`only:${setName(row.needs)}`) as Agent;
const without = (need: Need) => agents.get(`without:${need}`) as Agent;

beforeAll(async () => {
  ctx = await createTestContext();
  const accounts = new Map<string, { username: string; permissions: PermissionCode[] }>();
  let n = 0;
  for (const row of rows) {
    if (row.needs.includes("superuser")) {
      // Superusers hold every code: the only account with exactly "superuser".
      accounts.set(`only:${setName(row.needs)}`, { username: "admin", permissions: [] });
    } else {
      accounts.set(`only:${setName(row.needs)}`, {
        username: `only${++n}`,
        permissions: row.needs as PermissionCode[],
      });
    }
    for (const need of row.needs) {
      accounts.set(`without:${need}`, { username: `without${++n}`, permissions: allBut(need) });
    }
  }
  // One at a time: the app's password hasher refuses a burst of log-ins (docs/install.md).
  for (const [key, a] of accounts) {
    await ctx.user(a.username, a.permissions);
    agents.set(key, await ctx.login(a.username));
  }
});
afterAll(() => ctx.close());

function send(agent: Agent | ReturnType<typeof request>, row: Row, target: Target, csrf: string) {
  if (row.method === "get") return agent.get(target.url);
  return agent
    .post(target.url)
    .type("form")
    .send({ _csrf: csrf, ...target.form });
}

describe("the table lists every route of the app", () => {
  it("no route is missing and none is stale", () => {
    // The API answers in JSON (401, not a redirect): its own matrix is test/integration/api-permissions.test.ts.
    const declared = [...new Set(declaredRoutes(ctx.app.router))].filter((r) => !r.includes(" /api/")).sort();
    const listed = [...new Set([...rows.map((r) => `${r.method.toUpperCase()} ${r.path}`), ...publicRoutes])].sort();
    expect(
      declared.filter((r) => !listed.includes(r)),
      "routes of the app missing from the table",
    ).toEqual([]);
    expect(
      listed.filter((r) => !declared.includes(r)),
      "table rows the app does not have",
    ).toEqual([]);
  });
});

for (const row of rows)
  describe(`${row.method.toUpperCase()} ${row.path} needs ${row.needs.join(" + ")}`, () => {
    let target: Target;
    beforeAll(async () => {
      target = await row.target(await seedProject(ctx.db, unique("M")));
    });

    it("sends anonymous visitors to log-in", async () => {
      const res = await send(request(ctx.app), row, target, "");
      expect(res.status).toBe(302);
      expect(res.headers.location).toMatch(/^\/login/);
    });

    // Runs before the success case: a refused deletion that still deleted would make it a 404.
    it.each(row.needs)("refuses a user holding every permission but %s with 403", async (need) => {
      const agent = without(need);
      const res = await send(agent, row, target, agent.csrf);
      expect(res.status).toBe(403);
      expect(res.text).toContain("Permission denied");
    });

    it("works for a user holding exactly these permissions", async () => {
      const agent = exactly(row);
      const res = await send(agent, row, target, agent.csrf);
      expect(res.status, String(res.text ?? "").slice(0, 2000)).toBe(row.ok);
      if (row.ok === 303) expect(res.headers.location).toMatch(/^\//);
    });
  });

describe("routes open to anonymous visitors", () => {
  it("GET /healthz and GET /login answer 200; POST /login with a wrong password re-shows the form with 401", async () => {
    expect((await request(ctx.app).get("/healthz")).status).toBe(200);
    const agent = request.agent(ctx.app);
    const form = await agent.get("/login");
    expect(form.status).toBe(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? "";
    const res = await agent.post("/login").type("form").send({ _csrf: token, username: "admin", password: "wrong" });
    expect(res.status).toBe(401);
    expect(res.text).toContain('name="password"');
  });

  it("POST /logout ends the session and goes to log-in", async () => {
    const agent = await ctx.login("admin");
    const res = await agent.post("/logout").type("form").send({ _csrf: agent.csrf });
    expect([302, 303]).toContain(res.status);
    expect((await agent.get("/")).headers.location).toMatch(/^\/login/);
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
    const res = await (agents.get("only:superuser") as Agent).get(path);
    expect(res.status).toBe(404);
    expect(res.text).toContain("Page not found");
    expect(res.text).toContain('class="navbar"');
  });
});
