// The three files of every entity through the real loader (docs/rules.md):
// IPv6 ends, port ranges, ICMPv6, an entity that restricts outgoing traffic
// and flows that expired, in the single downloads, both ZIP formats per
// project and per location, and the entity page; the loader reads a project
// batch by batch with the same result and a number of statements that grows
// with the batches only.
import { unzipSync } from "fflate";
import type request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunication } from "../../src/data/communications.js";
import { createEntity } from "../../src/data/entities.js";
import { createInterface } from "../../src/data/interfaces.js";
import { createLocation } from "../../src/data/locations.js";
import { createProject } from "../../src/data/projects.js";
import { loadEntityRules, loadProjectRules, openProjectRules } from "../../src/data/rules.js";
import { addDays, todayUtc } from "../../src/domain/expiry.js";
import { generateEntityIp6Rules } from "../../src/domain/ip6tables.js";
import { generateEntityRules } from "../../src/domain/iptables.js";
import { generateEntityNftRules } from "../../src/domain/nftables.js";
import type { EntityRulesInput, IncomingFlow } from "../../src/domain/types.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";

let ctx: TestContext;
let viewer: Agent;
const ids: Record<string, number> = {};
const today = todayUtc();
const yesterday = addDays(today, -1);

const end = (address: string, netmask: string) => ({ address, netmask });
const V4 = {
  web: end("10.1.0.1", "255.255.255.255"),
  db: end("10.1.0.2", "255.255.255.255"),
  admins: end("10.2.0.0", "255.255.255.0"),
};
const V6 = { web: end("fd00:1::1", "128"), db: end("fd00:1::2", "128"), admins: end("fd00:77:9::", "64") };

function flow(
  protocol: IncomingFlow["protocol"],
  port: number,
  source: IncomingFlow["source"],
  destination: IncomingFlow["destination"],
  description: string,
  portEnd?: number,
): IncomingFlow {
  return { protocol, port, description, source, destination, ...(portEnd === undefined ? {} : { portEnd }) };
}

/** What the generators must read for each entity: the flows below, the expired one left out. */
const expected: Record<string, EntityRulesInput> = {
  web: {
    entity: { name: "Web", project: "Dual", location: "Site A" },
    incoming: [
      flow("TCP", 22, V4.admins, V4.web, "SSH"),
      flow("TCP", 8000, V6.admins, V6.web, "App", 8100),
      flow("ICMPv6", 128, V6.db, V6.web, "Ping6"),
      flow("TCP", 443, V4.db, V4.web, "Until today"),
    ],
  },
  admins: {
    entity: { name: "Admins", project: "Dual", location: "Site A" },
    incoming: [flow("TCP", 9000, V4.db, V4.admins, "", 9100)],
  },
  db: {
    entity: { name: "DB", project: "Dual", location: "Site B" },
    incoming: [flow("TCP", 5432, V4.web, V4.db, "Postgres")],
    restrictOutgoing: true,
    outgoing: [
      flow("ICMPv6", 128, V6.db, V6.web, "Ping6"),
      flow("TCP", 443, V4.db, V4.web, "Until today"),
      flow("TCP", 9000, V4.db, V4.admins, "", 9100),
    ],
  },
};

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => cb(null, Buffer.concat(chunks)));
}

async function zipOf(path: string): Promise<{ res: request.Response; files: Record<string, string> }> {
  const res = await viewer.get(path).buffer(true).parse(binary);
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toBe("application/zip");
  const entries = Object.entries(unzipSync(new Uint8Array(res.body as Buffer)));
  return { res, files: Object.fromEntries(entries.map(([k, v]) => [k, Buffer.from(v).toString("utf8")])) };
}

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("viewer", [], ["Viewers"]);
  viewer = await ctx.login("viewer");
  const project = await createProject(ctx.db, { name: "Dual", description: "" });
  const siteA = await createLocation(ctx.db, { name: "Site A", description: "" });
  const siteB = await createLocation(ctx.db, { name: "Site B", description: "" });
  const entity = async (name: string, locationId: number) =>
    (await createEntity(ctx.db, { name, description: "", projectId: project.id, locationId })).id;
  const web = await entity("Web", siteA.id);
  const admins = await entity("Admins", siteA.id);
  const db = await entity("DB", siteB.id);
  await ctx.db.run((c) => c.entity.update({ where: { id: db }, data: { restrictOutgoing: true } }));
  const iface = async (entityId: number, name: string, e: { address: string; netmask: string }) =>
    (await createInterface(ctx.db, { name, description: "", entityId, ...e })).id;
  const i = {
    web4: await iface(web, "eth0", V4.web),
    web6: await iface(web, "eth1", V6.web),
    db4: await iface(db, "eth0", V4.db),
    db6: await iface(db, "eth1", V6.db),
    admins4: await iface(admins, "eth0", V4.admins),
    admins6: await iface(admins, "eth1", V6.admins),
  };
  const add = (
    sourceId: number,
    destinationId: number,
    protocol: IncomingFlow["protocol"],
    port: number,
    description: string,
    more: { portEnd?: number; expires?: string } = {},
  ) => createCommunication(ctx.db, project.id, { sourceId, destinationId, protocol, port, description, ...more });
  await add(i.admins4, i.web4, "TCP", 22, "SSH");
  await add(i.admins6, i.web6, "TCP", 8000, "App", { portEnd: 8100 });
  await add(i.db6, i.web6, "ICMPv6", 128, "Ping6");
  await add(i.web4, i.db4, "TCP", 5432, "Postgres");
  await add(i.db4, i.web4, "UDP", 53, "Expired", { expires: yesterday });
  await add(i.db4, i.web4, "TCP", 443, "Until today", { expires: today });
  await add(i.db4, i.admins4, "TCP", 9000, "", { portEnd: 9100 });
  Object.assign(ids, { project: project.id, siteA: siteA.id, siteB: siteB.id, web, admins, db });
});
afterAll(() => ctx.close());

const GENERATORS = {
  iptables: generateEntityRules,
  ip6tables: generateEntityIp6Rules,
  nftables: generateEntityNftRules,
};
const NAMES = {
  iptables: (s: string) => `${s}-iptables.conf`,
  ip6tables: (s: string) => `${s}-ip6tables.conf`,
  nftables: (s: string) => `${s}.nft`,
};
const KINDS = ["iptables", "ip6tables", "nftables"] as const;
const ENTITIES = ["web", "admins", "db"] as const;

describe("the three files of an entity", () => {
  it.each(KINDS)("the %s download is the generator's file of the loaded flows, expired ones left out", async (kind) => {
    for (const name of ENTITIES) {
      const res = await viewer.get(`/entities/${ids[name]}/${kind}`);
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
      expect(res.headers["content-disposition"]).toBe(`attachment; filename=${NAMES[kind](name)}`);
      expect(res.text).toBe(GENERATORS[kind](expected[name] as EntityRulesInput));
      expect(res.text).not.toContain("Expired");
    }
  });

  it("writes ranges, IPv6 ends and the restricting entity's OUTPUT rules", async () => {
    const text = async (name: string, kind: string) => (await viewer.get(`/entities/${ids[name]}/${kind}`)).text;
    expect(await text("web", "ip6tables")).toContain(
      "-A INPUT -s fd00:77:9::/64 -d fd00:1::1 -p tcp -m tcp --dport 8000:8100 -j ACCEPT",
    );
    expect(await text("web", "nftables")).toContain(
      "ip6 saddr fd00:77:9::/64 ip6 daddr fd00:1::1 tcp dport 8000-8100 accept",
    );
    const web = await text("web", "iptables");
    expect(web).toContain(":OUTPUT ACCEPT [0:0]");
    expect(web).not.toContain("--dport 53");
    const db = await text("db", "iptables");
    expect(db).toContain(":OUTPUT DROP [0:0]");
    expect(db).toContain("-A OUTPUT -s 10.1.0.2 -d 10.2.0.0/255.255.255.0 -p tcp -m tcp --dport 9000:9100 -j ACCEPT");
    expect(await text("db", "nftables")).toContain("type filter hook output priority filter; policy drop;");
  });

  it("shows all three on the entity page, each under its heading with its own download link", async () => {
    const res = await viewer.get(`/entities/${ids.db}`);
    expect(res.status).toBe(200);
    const titles = {
      iptables: "iptables rules (IPv4)",
      ip6tables: "ip6tables rules (IPv6)",
      nftables: "nftables rules",
    };
    for (const kind of KINDS) {
      const url = `/entities/${ids.db}/${kind}`;
      expect(res.text).toContain(`<h2 id="${kind}-heading">${titles[kind]}</h2>`);
      expect(res.text).toContain(`href="${url}">Download the ${kind} file</a>`);
      expect(res.text).toContain(`href="${url}">Get ${kind}</a>`);
      const section = res.text.slice(res.text.indexOf(`<h2 id="${kind}-heading">`));
      const shown = /<pre class="rules">([\s\S]*?)<\/pre>/.exec(section)?.[1] ?? "";
      const unescaped = shown.replace(
        /&(lt|gt|quot|#39|amp);/g,
        (_, e: string) => ({ lt: "<", gt: ">", quot: '"', "#39": "'", amp: "&" })[e] as string,
      );
      expect(unescaped).toBe((await viewer.get(url)).text);
    }
    expect(res.text).toMatch(/<dt>Restrict outgoing traffic<\/dt><dd>yes<\/dd>/);
    expect((await viewer.get(`/entities/${ids.web}`)).text).toMatch(/<dt>Restrict outgoing traffic<\/dt><dd>no<\/dd>/);
  });
});

describe("the ZIP archives", () => {
  it("iptables.zip holds both restore files of every entity, nftables.zip the nft file, as the downloads", async () => {
    const iptables = await zipOf(`/projects/${ids.project}/iptables.zip`);
    expect(iptables.res.headers["content-disposition"]).toBe("attachment; filename=dual-iptables.zip");
    expect(Object.keys(iptables.files)).toEqual(ENTITIES.flatMap((n) => [NAMES.iptables(n), NAMES.ip6tables(n)]));
    const nftables = await zipOf(`/projects/${ids.project}/nftables.zip`);
    expect(nftables.res.headers["content-disposition"]).toBe("attachment; filename=dual-nftables.zip");
    expect(nftables.res.headers["cache-control"]).toBe("no-store");
    expect(Object.keys(nftables.files)).toEqual(ENTITIES.map((n) => NAMES.nftables(n)));
    for (const name of ENTITIES) {
      for (const kind of KINDS) {
        const files = kind === "nftables" ? nftables.files : iptables.files;
        expect(files[NAMES[kind](name)]).toBe((await viewer.get(`/entities/${ids[name]}/${kind}`)).text);
      }
    }
  });

  it("the location archives hold that location's entities only, with the other ends' addresses", async () => {
    const a = await zipOf(`/projects/${ids.project}/locations/${ids.siteA}/nftables.zip`);
    expect(a.res.headers["content-disposition"]).toBe("attachment; filename=dual-site_a-nftables.zip");
    expect(Object.keys(a.files)).toEqual(["web.nft", "admins.nft"]);
    const b = await zipOf(`/projects/${ids.project}/locations/${ids.siteB}/iptables.zip`);
    expect(b.res.headers["content-disposition"]).toBe("attachment; filename=dual-site_b-iptables.zip");
    expect(Object.keys(b.files)).toEqual(["db-iptables.conf", "db-ip6tables.conf"]);
    expect(b.files["db-iptables.conf"]).toBe(generateEntityRules(expected.db as EntityRulesInput));
  });
});

describe("the loader", () => {
  it("gives the same inputs whatever the batch size, in id order", async () => {
    const whole = await loadProjectRules(ctx.db, ids.project as number);
    expect(whole.map((e) => e.name)).toEqual(["Web", "Admins", "DB"]);
    for (const batchSize of [1, 2]) {
      expect(await loadProjectRules(ctx.db, ids.project as number, undefined, { batchSize })).toEqual(whole);
    }
    for (const rowChunk of [1, 2, 3]) {
      expect(await loadProjectRules(ctx.db, ids.project as number, undefined, { rowChunk })).toEqual(whole);
    }
    const siteB = await loadProjectRules(ctx.db, ids.project as number, ids.siteB, { rowChunk: 1, batchSize: 1 });
    expect(siteB).toEqual([whole[2]]);
    const single = await loadEntityRules(ctx.db, ids.db as number);
    expect(single).toEqual(whole[2]);
  });

  it("leaves out only the flows expired on the day it is given", async () => {
    const before = await loadEntityRules(ctx.db, ids.web as number, { today: yesterday });
    expect(before?.input.incoming.map((f) => f.description).sort()).toEqual([
      "App",
      "Expired",
      "Ping6",
      "SSH",
      "Until today",
    ]);
    const after = await loadEntityRules(ctx.db, ids.web as number, { today: addDays(today, 1) });
    expect(after?.input.incoming.map((f) => f.description).sort()).toEqual(["App", "Ping6", "SSH"]);
  });

  it("reads three statements, then two per batch of entities, and one per further chunk of rows", async () => {
    const statements = async (batchSize: number, rowChunk?: number) => {
      const before = ctx.db.queryCount;
      const rules = await openProjectRules(ctx.db, ids.project as number, undefined, { batchSize, rowChunk });
      for await (const _ of rules?.inputs() ?? []) {
        // read every batch
      }
      return ctx.db.queryCount - before;
    };
    expect(await statements(100)).toBe(3 + 2);
    expect(await statements(2)).toBe(3 + 2 * 2);
    expect(await statements(1)).toBe(3 + 2 * 3);
    // In chunks of 4 rows (expired flows are read, then left out): project, locations and entities, then
    // Web 2 (5 incoming rows) + 1 (none outgoing), Admins 1 + 1, DB 1 + 2 (4 outgoing rows).
    expect(await statements(1, 4)).toBe(3 + (2 + 1) + (1 + 1) + (1 + 2));
  });

  it("is null or empty for a project that does not exist", async () => {
    expect(await openProjectRules(ctx.db, 999999)).toBeNull();
    expect(await loadProjectRules(ctx.db, 999999)).toEqual([]);
    expect(await loadEntityRules(ctx.db, 999999)).toBeNull();
  });
});
