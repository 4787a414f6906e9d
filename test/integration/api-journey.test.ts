// The API as a new user meets it (docs/api.md, "Examples"): a read-only token
// made on /account fetches a host's nftables file and is refused a POST; a
// read-and-write token creates a flow, which the project page then shows;
// once revoked on /account, the token gets 401.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../support/api.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let editor: Agent;
let seed: Awaited<ReturnType<typeof seedProject>>;
beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("editor", [], ["Editors"]);
  editor = await ctx.login("editor");
  seed = await seedProject(ctx.db, "Journey");
});
afterAll(() => ctx.close());

async function tokenFromPage(name: string, access: "read" | "write"): Promise<string> {
  const res = await editor.post("/account/tokens").type("form").send({ _csrf: editor.csrf, name, expires: "", access });
  expect(res.status).toBe(201);
  return /<code id="new-token">([^<]+)<\/code>/.exec(res.text)?.[1] as string;
}

describe("a new user's first API calls", () => {
  it("read-only: fetches the nftables file, and a POST is refused", async () => {
    const token = await tokenFromPage("deploy job", "read");
    const file = await api(ctx, "get", `/api/v1/entities/${seed.b.id}/rules/nftables`, token);
    expect(file.status).toBe(200);
    expect(file.text).toBe((await editor.get(`/entities/${seed.b.id}/nftables`)).text);
    const post = await api(ctx, "post", "/api/v1/communications", token).send({
      source: seed.ia.id,
      destination: seed.ib.id,
      protocol: "TCP",
      port: 443,
    });
    expect(post.status).toBe(403);
  });

  it("read and write: creates a flow the project page shows; revoked, the token gets 401", async () => {
    const token = await tokenFromPage("flow script", "write");
    const res = await api(ctx, "post", "/api/v1/communications", token).send({
      source: seed.ia.id,
      destination: seed.ib.id,
      protocol: "TCP",
      port: 8443,
      description: "Added by the API journey",
    });
    expect(res.status).toBe(201);
    expect((await editor.get(`/projects/${seed.project.id}`)).text).toContain("Added by the API journey");
    const page = (await editor.get("/account")).text;
    const id = /action="\/account\/tokens\/(\d+)\/revoke"[\s\S]*?aria-label="Revoke flow script"/.exec(page)?.[1];
    const revoke = await editor.post(`/account/tokens/${id}/revoke`).type("form").send({ _csrf: editor.csrf });
    expect(revoke.status).toBe(303);
    expect((await api(ctx, "get", "/api/v1/projects", token)).status).toBe(401);
  });
});
