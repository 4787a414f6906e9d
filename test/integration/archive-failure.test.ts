// A ZIP download whose rules cannot be generated for one entity (an address the
// database holds but the generator refuses, docs/rules.md): the server logs it
// and either answers a plain 500 page (nothing was sent yet) or cuts the
// connection (the archive had begun, so a truncated file must not look
// complete). Either way the process stays up and answers the next request;
// an exception thrown out of the archive's `entry` event used to end it.
import { Writable } from "node:stream";
import { unzipSync } from "fflate";
import { pino } from "pino";
import type request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunication } from "../../src/data/communications.js";
import { createEntity } from "../../src/data/entities.js";
import { createInterface } from "../../src/data/interfaces.js";
import { createLocation } from "../../src/data/locations.js";
import { createProject } from "../../src/data/projects.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";

const logLines: string[] = [];
const logStream = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});

let ctx: TestContext;
let viewer: Agent;

/**
 * A project of `fillers` entities without flows, then "source" and "target"
 * with one interface each and a flow source → target: the target's rules
 * read the source's address, and entries are archived in id order, so with
 * `targetFirst` the target's file is the archive's first entry.
 */
async function project(prefix: string, fillers: number, targetFirst = false) {
  const { id: projectId } = await createProject(ctx.db, { name: `${prefix} project`, description: "" });
  const { id: locationId } = await createLocation(ctx.db, { name: `${prefix} site`, description: "" });
  for (let i = 0; i < fillers; i++) {
    await createEntity(ctx.db, { name: `filler-${i}`, description: "", projectId, locationId });
  }
  const host = async (name: string, address: string) => {
    const entity = await createEntity(ctx.db, { name, description: "", projectId, locationId });
    const netmask = "255.255.255.255";
    return createInterface(ctx.db, { name: "eth0", description: "", entityId: entity.id, address, netmask });
  };
  let target = targetFirst ? await host("target", "10.0.0.2") : undefined;
  const source = await host("source", "10.0.0.1");
  target ??= await host("target", "10.0.0.2");
  await createCommunication(ctx.db, projectId, {
    sourceId: source.id,
    destinationId: target.id,
    protocol: "TCP",
    port: 22,
    description: "SSH",
  });
  return { projectId, source, entities: fillers + 2 };
}

/** Stores an address the forms would refuse, as a hand edit of the database could leave. */
async function corruptAddress(interfaceId: number): Promise<void> {
  await ctx.db.run((c) => c.interface.update({ where: { id: interfaceId }, data: { address: "300.0.0.1" } }));
}

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => cb(null, Buffer.concat(chunks)));
}

beforeAll(async () => {
  ctx = await createTestContext({ logger: pino({ level: "error" }, logStream) });
  await ctx.user("viewer", [], ["Viewers"]);
  viewer = await ctx.login("viewer");
});
afterAll(() => ctx.close());

describe.each([
  ["iptables", 2],
  ["nftables", 1],
] as const)("a %s ZIP archive whose rules fail for one entity", (format, filesPerEntity) => {
  it("answers a plain 500 page, not a download, when the first entry fails", async () => {
    const early = await project(`Early ${format}`, 0, true);
    await corruptAddress(early.source.id);
    logLines.length = 0;
    const res = await viewer.get(`/projects/${early.projectId}/${format}.zip`);
    expect(res.status).toBe(500);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.headers["content-disposition"]).toBeUndefined();
    expect(logLines.join("")).toContain("is not a dotted IPv4 address");
  });

  it("cuts the connection once the archive has begun, and the server keeps answering", async () => {
    const late = await project(`Late ${format}`, 20);
    const good = await project(`Good ${format}`, 3);
    await corruptAddress(late.source.id);
    logLines.length = 0;
    await expect(viewer.get(`/projects/${late.projectId}/${format}.zip`).buffer(true).parse(binary)).rejects.toThrow();
    expect(logLines.join("")).toContain("archive stream failed");

    const next = await viewer.get(`/projects/${good.projectId}/${format}.zip`).buffer(true).parse(binary);
    expect(next.status).toBe(200);
    expect(Object.keys(unzipSync(new Uint8Array(next.body as Buffer)))).toHaveLength(good.entities * filesPerEntity);
  });
});
