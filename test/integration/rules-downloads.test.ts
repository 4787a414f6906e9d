// Rule downloads (docs/rules.md): the entity file, the project and location ZIP
// archives, their entry names and download headers.
import { unzipSync } from "fflate";
import type request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunication } from "../../src/data/communications.js";
import { createEntity } from "../../src/data/entities.js";
import { createInterface } from "../../src/data/interfaces.js";
import { createLocation } from "../../src/data/locations.js";
import { createProject } from "../../src/data/projects.js";
import { generateEntityRules } from "../../src/domain/iptables.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";

let ctx: TestContext;
let viewer: Agent;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.user("viewer", [], ["Viewers"]);
  viewer = await ctx.login("viewer");
});
afterAll(() => ctx.close());

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => cb(null, Buffer.concat(chunks)));
}

async function zipOf(path: string) {
  const res = await viewer.get(path).buffer(true).parse(binary);
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toBe("application/zip");
  const files = unzipSync(new Uint8Array(res.body as Buffer));
  return {
    res,
    files: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Buffer.from(v).toString("utf8")])),
  };
}

describe("project and location archives", () => {
  let ids: Record<string, number> = {};
  beforeAll(async () => {
    const project = await createProject(ctx.db, { name: "Zürich Bank ünd Co", description: "" });
    const main = await createLocation(ctx.db, { name: "Main Site", description: "" });
    const dr = await createLocation(ctx.db, { name: "Ötztal DR", description: "" });
    const make = async (name: string, locationId: number, address: string) => {
      const e = await createEntity(ctx.db, { name, description: "", projectId: project.id, locationId });
      const i = await createInterface(ctx.db, {
        name: "eth0",
        description: "",
        entityId: e.id,
        address,
        netmask: "255.255.255.255",
      });
      return { e, i };
    };
    const web = await make("Web Server", main.id, "10.1.0.1");
    const web2 = await make("web server", main.id, "10.1.0.2"); // same slug: gets -ID
    const hostile = await make("../../etc/passwd", main.id, "10.1.0.3");
    const empty = await make("日本", dr.id, "10.1.0.4"); // slug empty: entity-ID
    await createCommunication(ctx.db, project.id, {
      sourceId: web2.i.id,
      destinationId: web.i.id,
      protocol: "TCP",
      port: 443,
      description: "HTTPS",
    });
    await createCommunication(ctx.db, project.id, {
      sourceId: web.i.id,
      destinationId: empty.i.id,
      protocol: "UDP",
      port: 53,
      description: "",
    });
    ids = {
      project: project.id,
      main: main.id,
      dr: dr.id,
      web: web.e.id,
      web2: web2.e.id,
      hostile: hostile.e.id,
      empty: empty.e.id,
    };
  });

  it("holds both restore files per entity with docs/rules.md names, collisions and empty slugs resolved", async () => {
    const { res, files } = await zipOf(`/projects/${ids.project}/iptables.zip`);
    const stems = ["web_server", `web_server-${ids.web2}`, "etcpasswd", `entity-${ids.empty}`];
    expect(Object.keys(files)).toEqual(stems.flatMap((s) => [`${s}-iptables.conf`, `${s}-ip6tables.conf`]));
    for (const name of Object.keys(files)) {
      expect(name).not.toMatch(/[/\\]|\.\./);
    }
    expect(files["web_server-iptables.conf"]).toContain(
      "-A INPUT -s 10.1.0.2 -d 10.1.0.1 -p tcp -m tcp --dport 443 -j ACCEPT",
    );
    // docs/rules.md slugs transliterate to [a-z0-9._-], so even a non-ASCII project name
    // gives a plain ASCII file name that needs no RFC 6266 `filename*`.
    expect(res.headers["content-disposition"]).toBe("attachment; filename=zurich_bank_und_co-iptables.zip");
  });

  it("has the same bytes in the archive as the single download", async () => {
    const { files } = await zipOf(`/projects/${ids.project}/iptables.zip`);
    const single = await viewer.get(`/entities/${ids.web}/iptables`);
    expect(single.status).toBe(200);
    expect(single.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(single.headers["content-disposition"]).toBe("attachment; filename=web_server-iptables.conf");
    expect(files["web_server-iptables.conf"]).toBe(single.text);
  });

  it("holds only the location's entities in the location archive", async () => {
    const { res, files } = await zipOf(`/projects/${ids.project}/locations/${ids.dr}/iptables.zip`);
    expect(Object.keys(files)).toEqual([`entity-${ids.empty}-iptables.conf`, `entity-${ids.empty}-ip6tables.conf`]);
    expect(files[`entity-${ids.empty}-iptables.conf`]).toContain(
      "-A INPUT -s 10.1.0.1 -d 10.1.0.4 -p udp -m udp --dport 53 -j ACCEPT",
    );
    expect(String(res.headers["content-disposition"])).toContain("zurich_bank_und_co-otztal_dr-iptables.zip");
  });

  it("answers a location without entities of the project with a message, not an empty archive", async () => {
    const other = await createLocation(ctx.db, { name: "Nowhere", description: "" });
    const res = await viewer.get(`/projects/${ids.project}/locations/${other.id}/iptables.zip`);
    expect(res.status).toBe(404);
    expect(res.headers["content-disposition"]).toBeUndefined();
    expect(res.text).toContain("The location &quot;Nowhere&quot; of project");
    expect(res.text).toContain("has no entities yet");
  });

  it("matches the generator for every entity", async () => {
    const { files } = await zipOf(`/projects/${ids.project}/iptables.zip`);
    const hostile = files["etcpasswd-iptables.conf"];
    expect(hostile).toBe(
      generateEntityRules({
        entity: { name: "../../etc/passwd", project: "Zürich Bank ünd Co", location: "Main Site" },
        incoming: [],
      }),
    );
  });

  it("answers 404 for unknown projects, locations and entities", async () => {
    for (const format of ["iptables", "nftables"]) {
      expect((await viewer.get(`/projects/999999/${format}.zip`)).status).toBe(404);
      expect((await viewer.get(`/projects/${ids.project}/locations/999999/${format}.zip`)).status).toBe(404);
      expect((await viewer.get(`/projects/x/${format}.zip`)).status).toBe(404);
    }
    for (const kind of ["iptables", "ip6tables", "nftables"]) {
      expect((await viewer.get(`/entities/999999/${kind}`)).status).toBe(404);
      expect((await viewer.get(`/entities/0/${kind}`)).status).toBe(404);
    }
  });
});
