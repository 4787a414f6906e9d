// A megabyte of CSV through the import page (src/routes/imports.ts): hostile
// text is refused with a clear message or imported, never with a 413/500 page
// without explanation, and the server keeps answering /healthz meanwhile (the
// reading, validating and planning pause on the event loop between slices).
// Progress is asserted by order and ratios, never by absolute times.
import { monitorEventLoopDelay } from "node:perf_hooks";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEB_CSV_LIMITS } from "../../src/domain/csv-import.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let seed: Awaited<ReturnType<typeof seedProject>>;
let editor: Agent;

const HEADER = "source entity,source address,destination entity,destination address,protocol,port,description";
const MIB = WEB_CSV_LIMITS.maxBytes;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("editor", [], ["Editors"]);
  seed = await seedProject(ctx.db, "Hostile CSV");
  editor = await ctx.login("editor");
});
afterAll(() => ctx.close());

const url = () => `/projects/${seed.project.id}/import`;

/** Posts the CSV and, until it is answered, asks /healthz again and again; counts the answers in between. */
async function postWhileProbing(csv: string) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const started = performance.now();
  let answered = false;
  const post = editor
    .post(url())
    .type("form")
    .send({ _csrf: editor.csrf, csv, location: String(seed.location.id) })
    .then((res) => {
      answered = true;
      return res;
    });
  let healthy = 0;
  const probes = (async () => {
    while (!answered) {
      const res = await request(ctx.app).get("/healthz");
      if (res.status === 200 && !answered) healthy++;
    }
  })();
  const res = await post;
  const elapsedMs = performance.now() - started;
  await probes;
  delay.disable();
  return { res, healthy, elapsedMs, maxDelayMs: delay.max / 1e6 };
}

describe("a megabyte of CSV on the import page", () => {
  it("refuses a field of a megabyte of quotes with the line and field, answering /healthz meanwhile", async () => {
    const csv = `${HEADER}\nalpha,10.0.0.1,beta,10.0.0.2,TCP,22,x${'"'.repeat(MIB - HEADER.length - 40)}`;
    const { res, healthy, elapsedMs, maxDelayMs } = await postWhileProbing(csv);
    expect(res.status).toBe(422);
    expect(res.text).toContain("Nothing was imported.");
    expect(res.text).toMatch(/Line 2: field 7 has [0-9,]+ characters; a field may have at most 10,000/);
    expect(healthy).toBeGreaterThanOrEqual(3);
    // A single turn of the event loop never took a large part of the import.
    expect(maxDelayMs).toBeLessThan(elapsedMs / 3);
  });

  it("imports a megabyte of valid rows full of quotes, answering /healthz while reading", async () => {
    const rows: string[] = [HEADER];
    let bytes = HEADER.length + 1;
    for (let port = 1; ; port++) {
      const row = `alpha,10.0.0.1,beta,10.0.0.2,TCP,${port},"say ""${"hi"}"", ""${port}"", ""again"""`;
      if (bytes + row.length + 1 > MIB || rows.length > WEB_CSV_LIMITS.maxRows) break;
      rows.push(row);
      bytes += row.length + 1;
    }
    const { res, healthy, elapsedMs, maxDelayMs } = await postWhileProbing(rows.join("\n"));
    expect(res.status).toBe(303);
    const page = await editor.get(res.headers.location as string);
    // The seeded project records alpha → beta TCP 22 already.
    expect(page.text).toContain(`Imported ${rows.length - 2} communications; 1 row already recorded was skipped.`);
    expect(healthy).toBeGreaterThanOrEqual(3);
    expect(maxDelayMs).toBeLessThan(elapsedMs / 3);
    const stored = await ctx.db.run((c) =>
      c.communication.findFirst({ where: { port: 7, source: { entity: { projectId: seed.project.id } } } }),
    );
    expect(stored?.description).toBe('say "hi", "7", "again"');
  });

  it("answers text over the cap with the form and its limit", async () => {
    const csv = `${HEADER}\n${"alpha,10.0.0.1,beta,10.0.0.2,TCP,22,x\n".repeat(MIB / 38 + 10)}`;
    const res = await editor.post(url()).type("form").send({ _csrf: editor.csrf, csv });
    expect(res.status).toBe(413);
    expect(res.text).toMatch(
      /The CSV data is 1,04[89],[0-9]{3} bytes; it may be at most 1 MiB\. Split it into several imports/,
    );
    expect(res.text).toContain('name="csv"');
  });

  it("answers a body beyond even the form's limit with a page that says why", async () => {
    // Every byte %-escaped: more than three megabytes on the wire.
    const csv = "é".repeat(MIB);
    const res = await editor.post(url()).type("form").send({ _csrf: editor.csrf, csv });
    expect(res.status).toBe(413);
    expect(res.text).toContain("The CSV data may be at most 1 MiB. Split it into several imports");
  });
});
