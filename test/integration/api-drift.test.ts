// POST /api/v1/entities/:id/drift (docs/api.md, "Drift check"): the host's
// rules as text/plain or JSON {"text"}, the entity page's answer as JSON;
// in sync for the entity's own files, exactly the one missing and one extra
// rule when they differ; 422 naming `text`, 413 over 2 MiB, 400, 401, 403,
// 404; a read-only token may check. The check runs in the app's worker pool:
// while a 2 MiB check runs the event loop keeps answering, and a full pool
// is a 503 for the API and the page alike.
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunication } from "../../src/data/communications.js";
import { createInterface } from "../../src/data/interfaces.js";
import { type GeneratedFiles, MAX_HOST_RULES_BYTES } from "../../src/domain/drift/check.js";
import { DriftWorkerPool, entityGeneratedFiles } from "../../src/services/drift.js";
import { api, apiToken } from "../support/api.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let token: string;
let readOnly: string;
let nobody: string;
let viewer: Agent;
let seed: Awaited<ReturnType<typeof seedProject>>;
let files: GeneratedFiles;

const RULE = "-A INPUT -s 10.0.0.1 -d 10.0.0.2 -p tcp -m tcp --dport 22 -j ACCEPT";
const EXTRA = "-A INPUT -s 10.0.0.9/32 -p tcp -m tcp --dport 23 -j ACCEPT";
const NFT_EMPTY = '{"nftables": [{"metainfo": {"json_schema_version": 1}}]}';
const url = (id: number | string = seed.b.id) => `/api/v1/entities/${id}/drift`;
const lineOf = (text: string, rule: string) => `line ${text.split("\n").indexOf(rule) + 1}`;

/** A text/plain check with the read-and-write token unless told otherwise. */
const check = (text: string, as = token, id?: number | string) =>
  api(ctx, "post", url(id), as).type("text/plain").send(text);

/** The entity's own iptables file with copies of RULE, each with its counters, up to `bytes`: in sync, and big. */
function inSyncText(bytes: number): string {
  const copies: string[] = [];
  let size = Buffer.byteLength(files.iptables);
  for (let n = 0; ; n++) {
    const copy = `[${n}:${n * 60}] ${RULE}`;
    if (size + copy.length + 1 > bytes) break;
    copies.push(copy);
    size += copy.length + 1;
  }
  return files.iptables.replace(RULE, [RULE, ...copies].join("\n"));
}

beforeAll(async () => {
  // One worker and one waiting check: a third check at once is refused (see the last test).
  ctx = await createTestContext({ driftChecks: new DriftWorkerPool({ workers: 1, maxQueue: 1 }) });
  const viewerId = await ctx.user("viewer", [], ["Viewers"]);
  token = await apiToken(ctx, viewerId);
  readOnly = await apiToken(ctx, viewerId, { readOnly: true });
  nobody = await apiToken(ctx, await ctx.user("nobody"));
  viewer = await ctx.login("viewer");
  seed = await seedProject(ctx.db, "Drift API");
  // An IPv6 flow too, so the ip6tables file has rules that say its family.
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
    port: 443,
    description: "web",
  });
  const generated = await entityGeneratedFiles(ctx.db, seed.b.id);
  if (!generated) throw new Error("the seeded entity has no files");
  files = generated;
  expect(files.iptables).toContain(RULE);
});
afterAll(() => ctx.close());

describe("the answer", () => {
  it("is in sync for the entity's own iptables and ip6tables files, sent as text/plain", async () => {
    for (const [text, format] of [
      [files.iptables, "iptables"],
      [files.ip6tables, "ip6tables"],
    ] as const) {
      const res = await check(text).expect(200);
      expect(res.type).toBe("application/json");
      expect(res.body).toEqual({ inSync: true, format, policies: [], missing: [], extra: [] });
    }
  });

  it("names exactly the one missing and the one extra rule, and the policy that differs", async () => {
    const host = files.iptables.replace(RULE, EXTRA).replace(":OUTPUT ACCEPT", ":OUTPUT DROP");
    const res = await check(host).expect(200);
    expect(res.body).toEqual({
      inSync: false,
      format: "iptables",
      policies: [{ chain: "OUTPUT", model: ":OUTPUT ACCEPT", host: ":OUTPUT DROP" }],
      missing: [{ chain: "INPUT", rule: RULE, where: lineOf(files.iptables, RULE) }],
      extra: [{ chain: "INPUT", rule: EXTRA, where: lineOf(host, EXTRA) }],
    });
  });

  it("takes the same text as JSON {text} and gives the same answer", async () => {
    const host = files.iptables.replace(RULE, EXTRA);
    const plain = await check(host).expect(200);
    const json = await api(ctx, "post", url(), token).send({ text: host }).expect(200);
    expect(json.body).toEqual(plain.body);
    expect(json.body.missing).toHaveLength(1);
  });

  it("compares nft -j output with the nftables file", async () => {
    const res = await check(NFT_EMPTY).expect(200);
    expect(res.body.format).toBe("nftables");
    expect(res.body.inSync).toBe(false);
    expect(res.body.missing.map((d: { rule: string }) => d.rule)).toContain(
      "ip saddr 10.0.0.1 ip daddr 10.0.0.2 tcp dport 22 accept",
    );
  });
});

describe("refusals", () => {
  it("text the check cannot read is a 422 naming the field text", async () => {
    const message =
      'This is not the output of iptables-save, ip6tables-save or nft -j list ruleset: it starts with "Chain INPUT (policy DROP)".';
    const res = await check("Chain INPUT (policy DROP)").expect(422);
    expect(res.body).toEqual({ error: message, fields: { text: message } });
    const empty = await check("").expect(422);
    expect(empty.body.fields.text).toMatch(/^The host rules are empty/);
  });

  it("a JSON body is an object with a string text and nothing else", async () => {
    const send = (body: unknown) => api(ctx, "post", url(), token).send(body as object);
    expect((await send({ text: 5 }).expect(422)).body.fields).toEqual({
      text: "text must be a string: the host's rules as one text.",
    });
    expect((await send({}).expect(422)).body.fields.text).toMatch(/^text is required/);
    expect((await send({ text: files.iptables, format: "nft" }).expect(422)).body.fields).toEqual({
      format: "Unknown field: a drift check takes only text, not format.",
    });
    expect((await send([files.iptables]).expect(400)).body.error).toBe("The body must be a JSON object.");
    const broken = await api(ctx, "post", url(), token).type("application/json").send('{"text": ').expect(400);
    expect(broken.body.error).toMatch(/^The body is not valid JSON/);
  });

  it("another content type is a 400 saying what to send (curl -d sends a form)", async () => {
    const res = await api(ctx, "post", url(), token).type("form").send("text=x").expect(400);
    expect(res.body.error).toContain('"Content-Type: text/plain"');
  });

  it("more than 2 MiB of text is a 413 with its size; a body past the parser's room says the limit", async () => {
    const over = `${"#".repeat(MAX_HOST_RULES_BYTES)}\n${files.iptables}`;
    const res = await check(over).expect(413);
    expect(res.body.error).toMatch(/^The host rules are 2,097,\d{3} bytes; they may be at most 2 MiB\.$/);
    const json = await api(ctx, "post", url(), token).send({ text: over }).expect(413);
    expect(json.body.error).toBe(res.body.error);
    const huge = await check("#".repeat(MAX_HOST_RULES_BYTES + 100 * 1024)).expect(413);
    expect(huge.body).toEqual({ error: "The host rules may be at most 2 MiB." });
  });

  it("needs a caller (401), the view permission (403) and an entity that exists (404)", async () => {
    const anonymous = await request(ctx.app).post(url()).type("text/plain").send(files.iptables).expect(401);
    expect(anonymous.type).toBe("application/json");
    expect((await check(files.iptables, nobody).expect(403)).body).toEqual({
      error: "You do not have permission to do this.",
    });
    expect((await check(files.iptables, token, 999999).expect(404)).body).toEqual({
      error: "This entity does not exist.",
    });
    await check(files.iptables, token, "beta").expect(404);
  });

  it("a read-only token may check, since the check changes nothing", async () => {
    expect((await check(files.iptables, readOnly).expect(200)).body.inSync).toBe(true);
    // It still cannot write.
    await api(ctx, "post", "/api/v1/projects", readOnly).send({ name: "No" }).expect(403);
  });

  it("a browser session checks with its CSRF token, as for every API write", async () => {
    await viewer.post(url()).type("text/plain").send(files.iptables).expect(403);
    const res = await viewer.post(url()).set("X-CSRF-Token", viewer.csrf).type("text/plain").send(files.iptables);
    expect(res.status).toBe(200);
    expect(res.body.inSync).toBe(true);
  });
});

describe("off the event loop", () => {
  it("keeps answering other requests while it checks 2 MiB", async () => {
    const big = inSyncText(MAX_HOST_RULES_BYTES);
    expect(Buffer.byteLength(big)).toBeGreaterThan(MAX_HOST_RULES_BYTES - 1024);
    // Ticks of the main thread and a cheap route's latency, while the check runs.
    let last = performance.now();
    let maxGapMs = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      maxGapMs = Math.max(maxGapMs, now - last);
      last = now;
    }, 10);
    const cheap: number[] = [];
    let done = false;
    const started = performance.now();
    const drift = check(big).then((res) => {
      done = true;
      return res;
    });
    while (!done) {
      const t = performance.now();
      await request(ctx.app).get("/api/v1/openapi.json").expect(200);
      cheap.push(performance.now() - t);
    }
    const res = await drift;
    const elapsedMs = performance.now() - started;
    clearInterval(ticker);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ inSync: true, format: "iptables", policies: [], missing: [], extra: [] });
    // A check on the event loop would stall both for about its whole length.
    const summary = JSON.stringify({ elapsedMs, maxGapMs, cheapMaxMs: Math.max(...cheap), cheap: cheap.length });
    expect(maxGapMs, summary).toBeLessThan(elapsedMs / 4);
    expect(Math.max(...cheap), summary).toBeLessThan(elapsedMs / 4);
    expect(cheap.length, summary).toBeGreaterThanOrEqual(5);
  });

  it("refuses a check with 503 when the pool is full, on the API and on the page", async () => {
    const pool = ctx.app.deps.driftChecks;
    const big = inSyncText(MAX_HOST_RULES_BYTES);
    // One running and one waiting fill this pool (one worker, one place in the queue).
    await pool.check(files, files.iptables);
    const running = pool.check(files, big);
    const waiting = pool.check(files, big);
    expect(pool.stats().queued).toBe(1);
    const [viaApi, viaPage] = await Promise.all([
      check(files.iptables),
      viewer.post(`/entities/${seed.b.id}/drift`).type("form").send({ _csrf: viewer.csrf, hostRules: files.iptables }),
    ]);
    expect(viaApi.status).toBe(503);
    expect(viaApi.headers["retry-after"]).toBe("5");
    expect(viaApi.body).toEqual({ error: "The server is busy with other drift checks; try again in a moment." });
    expect(viaPage.status).toBe(503);
    expect(viaPage.text).toContain("The server is busy with other drift checks; try again in a moment.");
    expect(viaPage.text).toContain('aria-invalid="true"');
    expect((await running).inSync).toBe(true);
    expect((await waiting).inSync).toBe(true);
    // Free again.
    expect((await check(files.iptables).expect(200)).body.inSync).toBe(true);
  });
});
