// One word per action (docs/usage.md): every link to a `…/delete` confirmation
// says "Delete", as the URL, the confirmation page and the flash messages do;
// no page offers "Remove".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let admin: Agent;
let seed: Awaited<ReturnType<typeof seedProject>>;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("admin");
  admin = await ctx.login("admin");
  seed = await seedProject(ctx.db, "Wording");
});
afterAll(() => ctx.close());

/** The visible words of every link to a deletion page. */
function deleteLinkWords(html: string): string[] {
  return [...html.matchAll(/<a [^>]*href="[^"]*\/delete(?:\?[^"]*)?"[^>]*>([^<]*)<\/a>/g)].map((m) => m[1] ?? "");
}

describe("deletion wording", () => {
  it.each([
    ["the main page", () => "/", 2],
    ["a project page", () => `/projects/${seed.project.id}`, 4],
    ["an entity page", () => `/entities/${seed.b.id}`, 3],
    ["the administration page", () => "/admin", 2],
  ])("%s says Delete, never Remove", async (_name, path, atLeast) => {
    const res = await admin.get(path());
    expect(res.status).toBe(200);
    const words = deleteLinkWords(res.text);
    expect(words.length).toBeGreaterThanOrEqual(atLeast);
    expect(new Set(words)).toEqual(new Set(["Delete"]));
    expect(res.text).not.toMatch(/\bRemove\b/);
  });

  it("the confirmation page and the flash message use the same word", async () => {
    const path = `/communications/${seed.communication}/delete`;
    const page = await admin.get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain("Yes, delete");
    expect(page.text).not.toMatch(/\bRemove\b/);
    const done = await admin.post(path).type("form").send({ _csrf: admin.csrf });
    expect(done.status).toBe(303);
    const after = await admin.get(done.headers.location as string);
    expect(after.text).toContain("Communication alpha -&gt; beta (TCP:22) was deleted.");
  });
});
