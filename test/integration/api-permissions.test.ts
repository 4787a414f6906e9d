// The API's permission matrix (docs/api.md): every route of /api/v1 from one
// table, for an anonymous caller (401 in JSON), for the token of a user holding
// exactly the permissions the route needs (works), for each of those
// permissions the token of a user holding every other one (403, nothing
// changed), and for writes a read-only token of the first user (403; but it
// works for the drift check, which changes nothing). A route the API has but
// the table lacks, or a row it no longer has, fails the run.
// The pages' matrix is test/integration/permissions.test.ts.
import type { Router } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERMISSION_CODES, type PermissionCode } from "../../src/domain/constants.js";
import { api, apiToken } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

type Seed = Awaited<ReturnType<typeof seedProject>>;
type Method = "get" | "post" | "patch" | "delete";
interface Row {
  method: Method;
  /** The route's path as the router declares it. */
  path: string;
  needs: PermissionCode[];
  ok: number;
  /** A write that changes nothing (the drift check): a read-only token may make it. */
  readOnlyTokenMay?: true;
  target: (s: Seed) => { url: string; body?: object };
}

let ctx: TestContext;
let counter = 0;
const unique = (what: string) => `${what}${++counter}`;
const V: PermissionCode = "view";

const RESOURCES = {
  projects: { code: "project", id: (s: Seed) => s.project.id, create: () => ({ name: unique("Project ") }) },
  locations: { code: "location", id: (s: Seed) => s.location.id, create: () => ({ name: unique("Site ") }) },
  entities: {
    code: "entity",
    id: (s: Seed) => s.a.id,
    create: (s: Seed) => ({ name: unique("gamma"), project: s.project.id, location: s.location.id }),
  },
  interfaces: {
    code: "interface",
    id: (s: Seed) => s.ia.id,
    create: (s: Seed) => ({
      entity: s.a.id,
      name: unique("eth"),
      address: `10.9.${counter % 250}.${(counter * 7) % 250}`,
    }),
  },
  communications: {
    code: "communication",
    id: (s: Seed) => s.communication,
    create: (s: Seed) => ({ source: s.ia.id, destination: s.ib.id, protocol: "UDP", port: 53 }),
  },
} as const;

const rows: Row[] = [
  ...Object.entries(RESOURCES).flatMap(([name, r]): Row[] => [
    { method: "get", path: `/api/v1/${name}`, needs: [V], ok: 200, target: () => ({ url: `/api/v1/${name}` }) },
    {
      method: "post",
      path: `/api/v1/${name}`,
      needs: [V, `add_${r.code}` as PermissionCode],
      ok: 201,
      target: (s) => ({ url: `/api/v1/${name}`, body: r.create(s) }),
    },
    {
      method: "get",
      path: `/api/v1/${name}/:id`,
      needs: [V],
      ok: 200,
      target: (s) => ({ url: `/api/v1/${name}/${r.id(s)}` }),
    },
    {
      method: "patch",
      path: `/api/v1/${name}/:id`,
      needs: [V, `change_${r.code}` as PermissionCode],
      ok: 200,
      target: (s) => ({ url: `/api/v1/${name}/${r.id(s)}`, body: { description: "changed" } }),
    },
    {
      method: "delete",
      path: `/api/v1/${name}/:id`,
      needs: [V, `delete_${r.code}` as PermissionCode],
      ok: 204,
      target: (s) => ({ url: `/api/v1/${name}/${r.id(s)}` }),
    },
  ]),
  ...["iptables", "ip6tables", "nftables"].map(
    (kind): Row => ({
      method: "get",
      path: `/api/v1/entities/:id/rules/${kind}`,
      needs: [V],
      ok: 200,
      target: (s) => ({ url: `/api/v1/entities/${s.b.id}/rules/${kind}` }),
    }),
  ),
  {
    method: "get",
    path: "/api/v1/projects/:id/rules.zip",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/api/v1/projects/${s.project.id}/rules.zip?format=nftables` }),
  },
  {
    method: "get",
    path: "/api/v1/projects/:id/reach",
    needs: [V],
    ok: 200,
    target: (s) => ({ url: `/api/v1/projects/${s.project.id}/reach?from=10.0.0.1&to=10.0.0.2&protocol=TCP&port=22` }),
  },
  {
    method: "post",
    path: "/api/v1/entities/:id/drift",
    needs: [V],
    ok: 200,
    readOnlyTokenMay: true,
    target: (s) => ({
      url: `/api/v1/entities/${s.b.id}/drift`,
      body: { text: '{"nftables": [{"metainfo": {"json_schema_version": 1}}]}' },
    }),
  },
];

/** Open to anyone, checked on its own below. */
const publicRoutes = ["GET /api/v1/openapi.json"];

/** "METHOD /path" of every /api route the app declares. */
function apiRoutes(router: Router): string[] {
  const found: string[] = [];
  const walk = (stack: Router["stack"]) => {
    for (const layer of stack) {
      const route = layer.route as { path: string; methods: Record<string, boolean> } | undefined;
      if (route?.path.startsWith("/api/")) {
        for (const method of Object.keys(route.methods)) found.push(`${method.toUpperCase()} ${route.path}`);
      }
      const inner = (layer.handle as { stack?: Router["stack"] }).stack;
      if (inner) walk(inner);
    }
  };
  walk(router.stack);
  return found;
}

const setName = (needs: readonly PermissionCode[]) => [...needs].sort().join("+");
const tokens = new Map<string, string>();

beforeAll(async () => {
  ctx = await createTestContext();
  let n = 0;
  const make = async (key: string, permissions: PermissionCode[], readOnly = false) => {
    if (tokens.has(key)) return;
    tokens.set(key, await apiToken(ctx, await ctx.user(`api${++n}`, permissions), { readOnly }));
  };
  for (const row of rows) {
    const key = setName(row.needs);
    if (tokens.has(`only:${key}`)) continue;
    const id = await ctx.user(`api${++n}`, row.needs);
    tokens.set(`only:${key}`, await apiToken(ctx, id));
    tokens.set(`readonly:${key}`, await apiToken(ctx, id, { readOnly: true }));
    for (const need of row.needs) {
      await make(
        `without:${need}`,
        PERMISSION_CODES.filter((code) => code !== need),
      );
    }
  }
});
afterAll(() => ctx.close());

function send(row: Row, target: { url: string; body?: object }, token?: string) {
  const req = api(ctx, row.method, target.url, token);
  return target.body ? req.send(target.body) : req;
}

describe("the table lists every route of the API", () => {
  it("no route is missing and none is stale", () => {
    const declared = [...new Set(apiRoutes(ctx.app.router))].sort();
    const listed = [...new Set([...rows.map((r) => `${r.method.toUpperCase()} ${r.path}`), ...publicRoutes])].sort();
    expect(declared.filter((r) => !listed.includes(r))).toEqual([]);
    expect(listed.filter((r) => !declared.includes(r))).toEqual([]);
  });
});

for (const row of rows)
  describe(`${row.method.toUpperCase()} ${row.path} needs ${row.needs.join(" + ")}`, () => {
    let target: { url: string; body?: object };
    beforeAll(async () => {
      target = row.target(await seedProject(ctx.db, unique("A")));
    });

    it("answers an anonymous caller 401 in JSON", async () => {
      const res = await send(row, target);
      expect(res.status).toBe(401);
      expect(res.type).toBe("application/json");
    });

    // Before the success case: a refused deletion that still deleted would make it a 404.
    it.each(row.needs)("refuses the token of a user holding every permission but %s with 403", async (need) => {
      const res = await send(row, target, tokens.get(`without:${need}`));
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: "You do not have permission to do this." });
    });

    if (row.method !== "get" && !row.readOnlyTokenMay) {
      it("refuses a read-only token of a user holding these permissions with 403", async () => {
        const res = await send(row, target, tokens.get(`readonly:${setName(row.needs)}`));
        expect(res.status).toBe(403);
        expect(res.body.error).toMatch(/^This token is read-only/);
      });
    }
    if (row.readOnlyTokenMay) {
      it("works for a read-only token of a user holding these permissions", async () => {
        const res = await send(row, target, tokens.get(`readonly:${setName(row.needs)}`));
        expect(res.status, JSON.stringify(res.body)).toBe(row.ok);
      });
    }

    it("works for the token of a user holding exactly these permissions", async () => {
      const res = await send(row, target, tokens.get(`only:${setName(row.needs)}`));
      expect(res.status, JSON.stringify(res.body)).toBe(row.ok);
    });
  });

describe("routes open to anyone", () => {
  it("GET /api/v1/openapi.json answers 200 without a token", async () => {
    const res = await api(ctx, "get", "/api/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
  });
});
