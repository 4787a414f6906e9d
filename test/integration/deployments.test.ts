// Deployments and the rule diff on the web (docs/usage.md "Deployments and
// rule diff"): "Mark as deployed" stores every entity's three files once by
// content, the list shows the marks, and /projects/:id/diff shows per entity
// exactly what changed since (or between two marks).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDeployment } from "../../src/data/deployment-store.js";
import type { Database } from "../../src/data/engine.js";
import { createEntity, deleteEntity } from "../../src/data/entities.js";
import { createInterface } from "../../src/data/interfaces.js";
import { DESCRIPTION_MAX } from "../../src/domain/constants.js";
import { addDays, todayUtc } from "../../src/domain/expiry.js";
import { markDeployed } from "../../src/services/deployments.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { seedProject } from "../support/fixtures.js";

let ctx: TestContext;
let marker: Agent;
let viewer: Agent;
let seed: Awaited<ReturnType<typeof seedProject>>;

beforeAll(async () => {
  ctx = await createTestContext();
  // Exactly the permissions the form needs, and a viewer without change_project.
  await ctx.user("marker", ["view", "change_project"]);
  await ctx.user("viewer", [], ["Viewers"]);
  marker = await ctx.login("marker");
  viewer = await ctx.login("viewer");
});
afterAll(() => ctx.close());
beforeEach(async () => {
  seed = await seedProject(ctx.db);
});

const count = (db: Database) =>
  db.run((c) =>
    Promise.all([c.deployment.count(), c.ruleSnapshot.count(), c.snapshotEntity.count(), c.ruleFile.count()]),
  );

/** File bodies that no snapshot names. */
const unreferencedFiles = (db: Database) =>
  db.run((c) =>
    c.ruleFile.count({ where: { iptables: { none: {} }, ip6tables: { none: {} }, nftables: { none: {} } } }),
  );

/** The entity blocks of the diff page: entity id → data-entity-status. */
function statuses(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/data-entity-status="([a-z]+)" data-entity-id="(\d+)"/g))
    out[m[2] as string] = m[1] as string;
  return out;
}

/** The changed lines (+/-) of the diff page, without the file headers. */
function changedLines(html: string): string[] {
  return [...html.matchAll(/<(ins|del)>([^<]*)<\/\1>/g)].map((m) => m[2] as string);
}

const mark = (agent: Agent, note = "") =>
  agent.post(`/projects/${seed.project.id}/deployments`).type("form").send({ _csrf: agent.csrf, note });

describe("Mark as deployed", () => {
  it("stores the mark with the user and the note, and lists it newest first with its entity count", async () => {
    const first = await mark(marker, "Change 4711\nall hosts");
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe(`/projects/${seed.project.id}/deployments`);
    await mark(marker, "second");
    const page = await viewer.get(`/projects/${seed.project.id}/deployments`);
    expect(page.status).toBe(200);
    const rows = [...page.text.matchAll(/<tr data-deployment="(\d+)">([\s\S]*?)<\/tr>/g)];
    expect(rows).toHaveLength(2);
    const [newest, oldest] = rows.map((r) => r[2] as string);
    expect(Number(rows[0]?.[1])).toBeGreaterThan(Number(rows[1]?.[1]));
    expect(newest).toContain("second");
    expect(oldest).toContain("Change 4711\nall hosts");
    expect(oldest).toContain("<td>marker</td>");
    expect(oldest).toContain("<td>2</td>");
    expect(oldest).toMatch(/<time datetime="\d{4}-\d\d-\d\dT/);
    expect(oldest).toContain(`/projects/${seed.project.id}/diff?from=${rows[1]?.[1]}`);
  });

  it("is refused to a viewer (403) and stores nothing", async () => {
    const before = await count(ctx.db);
    const res = await mark(viewer, "not mine");
    expect(res.status).toBe(403);
    expect(await count(ctx.db)).toEqual(before);
  });

  it("refuses a note over the description limit with the form again, naming the field", async () => {
    const before = await count(ctx.db);
    const res = await mark(marker, "x".repeat(DESCRIPTION_MAX + 1));
    expect(res.status).toBe(422);
    expect(res.text).toContain(`Note must be at most ${DESCRIPTION_MAX} characters.`);
    expect(res.text).toContain('<button type="submit" class="button button-primary">Mark as deployed</button>');
    expect(await count(ctx.db)).toEqual(before);
    const control = await mark(marker, "bell\u0007");
    expect(control.status).toBe(422);
    expect(control.text).toContain("Note must not contain control characters.");
  });

  it("stores an unchanged project once: 100 marks make 100 deployments of one snapshot and one copy of each file", async () => {
    await markDeployed(ctx.db, { projectId: seed.project.id, actor: "t", note: "" });
    const [deployments, snapshots, entities, files] = await count(ctx.db);
    for (let i = 0; i < 99; i++) await markDeployed(ctx.db, { projectId: seed.project.id, actor: "t", note: `${i}` });
    expect(await count(ctx.db)).toEqual([deployments + 99, snapshots, entities, files]);
    // A changed port: a new snapshot, and only beta's files that changed (IPv4 and nftables) stored anew.
    await ctx.db.run((c) =>
      c.communication.update({ where: { id: seed.communication }, data: { port: 2222, portEnd: 2222 } }),
    );
    await markDeployed(ctx.db, { projectId: seed.project.id, actor: "t", note: "" });
    expect(await count(ctx.db)).toEqual([deployments + 100, snapshots + 1, entities + 2, files + 2]);
    // The list shows them a hundred at a time, newest first.
    const list = `/projects/${seed.project.id}/deployments`;
    const first = await viewer.get(list);
    const ids = (html: string) => [...html.matchAll(/<tr data-deployment="(\d+)">/g)].map((m) => Number(m[1]));
    expect(ids(first.text)).toHaveLength(100);
    const older = /href="([^"]+\?before=\d+)">Older deployments</.exec(first.text)?.[1] ?? "";
    const second = await viewer.get(older.replace(/&amp;/g, "&"));
    expect(ids(second.text)).toHaveLength(1);
    expect(Math.max(...ids(second.text))).toBeLessThan(Math.min(...ids(first.text)));
    expect(second.text).toContain("Newest deployments");
    expect(second.text).not.toContain("Older deployments");
    expect((await viewer.get(`${list}?before=abc`)).status).toBe(400);
    // A hundred marks, each generating and hashing every file: allow a loaded machine its time.
  }, 120_000);

  it("is all or nothing: a failure after every write leaves no deployment, and the next mark removes its files", async () => {
    const before = await count(ctx.db);
    const failing: Database = {
      ...ctx.db,
      engine: ctx.db.engine,
      run: (fn) => ctx.db.run(fn),
      transaction: (fn) =>
        ctx.db.transaction(async (tx) => {
          await fn(tx);
          throw new Error("disk full");
        }),
    };
    const files = { iptables: "a\n", ip6tables: "b\n", nftables: `c ${Date.now()}\n` };
    const entities = [{ id: seed.a.id, name: "alpha", files }];
    await expect(
      createDeployment(failing, { projectId: seed.project.id, actor: "t", note: "", entities }),
    ).rejects.toThrow("disk full");
    const after = await count(ctx.db);
    expect(after.slice(0, 3)).toEqual(before.slice(0, 3));
    await markDeployed(ctx.db, { projectId: seed.project.id, actor: "t", note: "" });
    expect(await unreferencedFiles(ctx.db)).toBe(0);
  });

  it("starts again when another mark's clean-up removed its stored files before its transaction", async () => {
    let transactions = 0;
    const racing: Database = {
      ...ctx.db,
      engine: ctx.db.engine,
      run: (fn) => ctx.db.run(fn),
      transaction: (fn) => {
        // The first time, as another mark finishing meanwhile would: every file no snapshot names goes.
        if (++transactions === 1) {
          return ctx.db
            .run((c) =>
              c.ruleFile.deleteMany({
                where: { iptables: { none: {} }, ip6tables: { none: {} }, nftables: { none: {} } },
              }),
            )
            .then(() => ctx.db.transaction(fn));
        }
        return ctx.db.transaction(fn);
      },
    };
    const files = { iptables: `x ${Date.now()}\n`, ip6tables: "y\n", nftables: "z\n" };
    const row = await createDeployment(racing, {
      projectId: seed.project.id,
      actor: "t",
      note: "raced",
      entities: [{ id: seed.a.id, name: "alpha", files }],
    });
    expect(transactions).toBe(2);
    expect(row?.note).toBe("raced");
    expect(await unreferencedFiles(ctx.db)).toBe(0);
  });

  it("cleans up after a deleted project: its snapshots and files go at the next mark", async () => {
    const other = await seedProject(ctx.db);
    await markDeployed(ctx.db, { projectId: other.project.id, actor: "t", note: "" });
    const before = await count(ctx.db);
    await ctx.db.run((c) => c.project.delete({ where: { id: other.project.id } }));
    await markDeployed(ctx.db, { projectId: seed.project.id, actor: "t", note: "" });
    const [deployments, snapshots, entities, files] = await count(ctx.db);
    // Gone: the other project's deployment, snapshot, 2 entities and 6 files; added: this mark's.
    expect([deployments, snapshots, entities, files]).toEqual([
      (before[0] as number) - 1 + 1,
      (before[1] as number) - 1 + 1,
      (before[2] as number) - 2 + 2,
      (before[3] as number) - 6 + 6,
    ]);
  });
});

describe("the rule diff page", () => {
  const diffPage = (query = "") => viewer.get(`/projects/${seed.project.id}/diff${query}`);

  it("says so clearly when the project was never marked", async () => {
    const res = await diffPage();
    expect(res.status).toBe(200);
    expect(res.text).toContain("This project has never been marked as deployed");
    expect(res.text).not.toContain("data-entity-status");
  });

  it("right after a mark: every entity unchanged, collapsed, and a summary of zeros", async () => {
    await mark(marker);
    const res = await diffPage();
    expect(res.status).toBe(200);
    expect(statuses(res.text)).toEqual({ [seed.a.id]: "unchanged", [seed.b.id]: "unchanged" });
    expect(res.text).toMatch(/<details class="diff-entity" data-entity-status="unchanged"/);
    expect(res.text).toMatch(/<li data-count="changed"><strong>0<\/strong> changed<\/li>/);
    expect(res.text).toMatch(/<li data-count="unchanged"><strong>2<\/strong> unchanged<\/li>/);
  });

  it("a changed port: exactly that rule line on exactly the destination entity", async () => {
    await mark(marker);
    await ctx.db.run((c) =>
      c.communication.update({ where: { id: seed.communication }, data: { port: 2222, portEnd: 2222 } }),
    );
    const res = await diffPage();
    expect(statuses(res.text)).toEqual({ [seed.a.id]: "unchanged", [seed.b.id]: "changed" });
    expect(res.text).toMatch(/<li data-count="changed"><strong>1<\/strong> changed<\/li>/);
    expect(changedLines(res.text)).toEqual([
      "--A INPUT -s 10.0.0.1 -d 10.0.0.2 -p tcp -m tcp --dport 22 -j ACCEPT",
      "+-A INPUT -s 10.0.0.1 -d 10.0.0.2 -p tcp -m tcp --dport 2222 -j ACCEPT",
      "-        ip saddr 10.0.0.1 ip daddr 10.0.0.2 tcp dport 22 accept",
      "+        ip saddr 10.0.0.1 ip daddr 10.0.0.2 tcp dport 2222 accept",
    ]);
    expect(res.text).toContain("beta-ip6tables.conf: unchanged.");
    // After another mark, nothing differs again.
    await mark(marker);
    expect(Object.values(statuses((await diffPage()).text))).toEqual(["unchanged", "unchanged"]);
  });

  it("a changed port with a source that restricts outgoing traffic: that line on both ends, nothing else", async () => {
    await ctx.db.run((c) => c.entity.update({ where: { id: seed.a.id }, data: { restrictOutgoing: true } }));
    await mark(marker);
    await ctx.db.run((c) =>
      c.communication.update({ where: { id: seed.communication }, data: { port: 8443, portEnd: 8443 } }),
    );
    const res = await diffPage();
    expect(statuses(res.text)).toEqual({ [seed.a.id]: "changed", [seed.b.id]: "changed" });
    expect(changedLines(res.text)).toEqual([
      "--A OUTPUT -s 10.0.0.1 -d 10.0.0.2 -p tcp -m tcp --dport 22 -j ACCEPT",
      "+-A OUTPUT -s 10.0.0.1 -d 10.0.0.2 -p tcp -m tcp --dport 8443 -j ACCEPT",
      "-        ip saddr 10.0.0.1 ip daddr 10.0.0.2 tcp dport 22 accept",
      "+        ip saddr 10.0.0.1 ip daddr 10.0.0.2 tcp dport 8443 accept",
      "--A INPUT -s 10.0.0.1 -d 10.0.0.2 -p tcp -m tcp --dport 22 -j ACCEPT",
      "+-A INPUT -s 10.0.0.1 -d 10.0.0.2 -p tcp -m tcp --dport 8443 -j ACCEPT",
      "-        ip saddr 10.0.0.1 ip daddr 10.0.0.2 tcp dport 22 accept",
      "+        ip saddr 10.0.0.1 ip daddr 10.0.0.2 tcp dport 8443 accept",
    ]);
  });

  it("a flow expired yesterday shows as removed from its destination's files", async () => {
    await mark(marker);
    const yesterday = addDays(todayUtc(), -1);
    await ctx.db.run((c) =>
      c.communication.update({ where: { id: seed.communication }, data: { expires: yesterday } }),
    );
    const res = await diffPage();
    expect(statuses(res.text)[seed.b.id]).toBe("changed");
    const lines = changedLines(res.text);
    expect(lines).toContain("--A INPUT -s 10.0.0.1 -d 10.0.0.2 -p tcp -m tcp --dport 22 -j ACCEPT");
    expect(lines.filter((l) => l.startsWith("+") && !l.startsWith("+#"))).toEqual([]);
  });

  it("added and removed entities, and a diff between two deployments (?from=&to=)", async () => {
    await mark(marker);
    const [first] = await ctx.db.run((c) =>
      c.deployment.findMany({ where: { projectId: seed.project.id }, orderBy: { id: "desc" }, take: 1 }),
    );
    await deleteEntity(ctx.db, seed.a.id);
    const gamma = await createEntity(ctx.db, {
      name: "gamma",
      description: "",
      projectId: seed.project.id,
      locationId: seed.location.id,
    });
    await createInterface(ctx.db, {
      name: "eth0",
      description: "",
      entityId: gamma.id,
      address: "10.0.0.3",
      netmask: "255.255.255.255",
    });
    const now = await diffPage();
    expect(statuses(now.text)).toEqual({ [seed.a.id]: "removed", [seed.b.id]: "changed", [gamma.id]: "added" });
    expect(now.text).toContain("--- a/alpha-iptables.conf\n+++ /dev/null");
    expect(now.text).toContain("--- /dev/null\n+++ b/gamma.nft");
    await mark(marker, "after");
    const second = await ctx.db.run((c) =>
      c.deployment.findFirstOrThrow({ where: { projectId: seed.project.id }, orderBy: { id: "desc" } }),
    );
    const between = await diffPage(`?from=${first?.id}&to=${second.id}`);
    expect(between.status).toBe(200);
    expect(statuses(between.text)).toEqual(statuses(now.text));
    expect(between.text).toContain(`deployment ${second.id}`);
    const reverse = await diffPage(`?from=${second.id}&to=${first?.id}`);
    expect(statuses(reverse.text)).toEqual({ [seed.a.id]: "added", [seed.b.id]: "changed", [gamma.id]: "removed" });
    expect(statuses((await diffPage(`?from=${second.id}&to=now`)).text)).toEqual({
      [seed.b.id]: "unchanged",
      [gamma.id]: "unchanged",
    });
  });

  it("answers bad and unknown deployment numbers with a clear 400 or 404", async () => {
    await mark(marker);
    const other = await seedProject(ctx.db);
    const foreign = await markDeployed(ctx.db, { projectId: other.project.id, actor: "t", note: "" });
    const cases: [string, number, string][] = [
      ["?from=abc", 400, "from must be a deployment number."],
      ["?to=yesterday", 400, "to must be a deployment number or now."],
      ["?from=1&from=2", 400, "from must be a single value."],
      ["?from=99999999999", 400, "from must be a deployment number."],
      ["?from=2147483647", 404, "This project has no deployment 2147483647."],
      [`?from=${foreign?.id}`, 404, `This project has no deployment ${foreign?.id}.`],
    ];
    for (const [query, status, message] of cases) {
      const res = await diffPage(query);
      expect([query, res.status]).toEqual([query, status]);
      expect(res.text).toContain(message);
    }
  });
});
