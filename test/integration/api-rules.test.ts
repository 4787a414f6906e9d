// Rules for automation (docs/api.md, "Rules"): an entity's three files and a
// project's ZIP archives through the API with a token are the same bytes, type
// and file name as the downloads a logged-in user gets from the pages.
import type request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunication } from "../../src/data/communications.js";
import { createInterface } from "../../src/data/interfaces.js";
import { api, apiToken } from "../support/api.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let token: string;
let viewer: Agent;
let seed: Awaited<ReturnType<typeof seedProject>>;

/** supertest gives binary bodies as Buffers only when asked. */
const binary = (req: request.Test) =>
  req.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on("data", (chunk: Buffer) => chunks.push(chunk));
    res.on("end", () => done(null, Buffer.concat(chunks)));
  });

beforeAll(async () => {
  ctx = await createTestContext();
  const id = await ctx.user("viewer", [], ["Viewers"]);
  token = await apiToken(ctx, id, { readOnly: true });
  viewer = await ctx.login("viewer");
  seed = await seedProject(ctx.db, "Rules");
  // Both families and a range, so each of the three files has rules in it.
  const a6 = await createInterface(ctx.db, {
    name: "v6",
    description: "",
    entityId: seed.a.id,
    address: "fd00::1",
    netmask: "128",
  });
  const b6 = await createInterface(ctx.db, {
    name: "v6",
    description: "",
    entityId: seed.b.id,
    address: "fd00::2",
    netmask: "128",
  });
  await createCommunication(ctx.db, seed.project.id, {
    sourceId: a6.id,
    destinationId: b6.id,
    protocol: "TCP",
    port: 8000,
    portEnd: 8100,
    description: "web",
  });
});
afterAll(() => ctx.close());

describe("an entity's files", () => {
  it.each(["iptables", "ip6tables", "nftables"])("rules/%s is byte for byte the download", async (kind) => {
    const viaApi = await api(ctx, "get", `/api/v1/entities/${seed.b.id}/rules/${kind}`, token);
    const download = await viewer.get(`/entities/${seed.b.id}/${kind}`);
    expect(viaApi.status).toBe(200);
    expect(download.status).toBe(200);
    expect(viaApi.text).toBe(download.text);
    expect(viaApi.text.length).toBeGreaterThan(0);
    expect(viaApi.headers["content-type"]).toBe(download.headers["content-type"]);
    expect(viaApi.headers["content-disposition"]).toBe(download.headers["content-disposition"]);
  });

  it("the nftables file holds the flows of both families", async () => {
    const res = await api(ctx, "get", `/api/v1/entities/${seed.b.id}/rules/nftables`, token);
    expect(res.text).toContain("10.0.0.1");
    expect(res.text).toContain("fd00::1");
  });

  it("an unknown entity or file kind is a 404 in JSON", async () => {
    const gone = await api(ctx, "get", "/api/v1/entities/999999/rules/nftables", token);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ error: "This entity does not exist." });
    const kind = await api(ctx, "get", `/api/v1/entities/${seed.b.id}/rules/pf`, token);
    expect(kind.status).toBe(404);
    expect(kind.type).toBe("application/json");
  });
});

describe("a project's archive", () => {
  it.each(["iptables", "nftables"])("rules.zip?format=%s is byte for byte the download", async (format) => {
    const viaApi = await binary(
      api(ctx, "get", `/api/v1/projects/${seed.project.id}/rules.zip?format=${format}`, token),
    );
    const download = await binary(viewer.get(`/projects/${seed.project.id}/${format}.zip`));
    expect(viaApi.status).toBe(200);
    expect(download.status).toBe(200);
    expect(viaApi.headers["content-type"]).toBe("application/zip");
    expect(viaApi.headers["content-disposition"]).toBe(download.headers["content-disposition"]);
    expect(Buffer.compare(viaApi.body as Buffer, download.body as Buffer)).toBe(0);
    expect((viaApi.body as Buffer).subarray(0, 2).toString()).toBe("PK");
  });

  it("without a format it is the iptables archive", async () => {
    const plain = await binary(api(ctx, "get", `/api/v1/projects/${seed.project.id}/rules.zip`, token));
    const iptables = await binary(
      api(ctx, "get", `/api/v1/projects/${seed.project.id}/rules.zip?format=iptables`, token),
    );
    expect(Buffer.compare(plain.body as Buffer, iptables.body as Buffer)).toBe(0);
  });

  it("a bad format is a 400, an unknown project a 404, both in JSON", async () => {
    const bad = await api(ctx, "get", `/api/v1/projects/${seed.project.id}/rules.zip?format=pf`, token);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: "The query parameter format must be one of iptables, nftables." });
    const gone = await api(ctx, "get", "/api/v1/projects/999999/rules.zip", token);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ error: "This project does not exist." });
  });
});
