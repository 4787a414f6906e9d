// Proof on a real kernel that the generated rules let through exactly the
// recorded flows (docs/rules.md).
//
// A small project (hosts, one /24 subnet entity with two member machines, and
// an entity with no communications) is laid out as network namespaces joined
// by veth pairs to a bridge in one extra "switch" namespace. All addresses are
// inside 10.203.0.0/16 and exist only in those namespaces. Each machine loads
// the file generateEntityRules produced for its entity. One probe agent per
// namespace (node, run with `ip netns exec`) listens on every TCP and UDP port
// of the catalogue below and probes other machines on request: TCP connect and
// read, UDP request/response (the reply comes back through RELATED,ESTABLISHED),
// ICMP echo with `ping -c1 -W1`, each with a 1 s limit.
//
// Every (source, destination, protocol, port) of the catalogue is probed from
// every machine to every other: recorded flows must pass, all others must be
// silently dropped (timeout). Then the firewalls are flushed and the same probes
// must all pass, which shows the drops came from the rules and not from the set-up.
// The firewall phase runs first so no connection-tracking entry of the control
// phase can let a probe through.
//
// Needs root, `ip netns`, veth and bridge support, iptables and ping (Debian:
// apt-get install -y iptables iputils-ping); otherwise the suite is skipped
// and the reason printed. Namespaces are named ct-<run id>-…; all are deleted
// in afterAll, after the agents started here are stopped by pid.
import { type ChildProcessWithoutNullStreams, execFile, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Protocol } from "../../src/domain/constants.js";
import { generateEntityRules } from "../../src/domain/iptables.js";
import { isAddressInNetwork } from "../../src/domain/ipv4.js";
import type { Endpoint, EntityRulesInput } from "../../src/domain/types.js";
import { mapLimit } from "../support/map-limit.js";

const execFileAsync = promisify(execFile);

const HOST = "255.255.255.255";
const PREFIX_LENGTH = 16;
const RUN_ID = `${process.pid.toString(36)}${randomBytes(2).toString("hex")}`;
const SWITCH = `ct-${RUN_ID}-switch`;
const PROBE_CONCURRENCY = 128;

interface Communication {
  source: string;
  destination: string;
  protocol: Protocol;
  port: number;
  description: string;
}

/** The project as plain data: entities with one interface each, and the communications between them. */
const project = {
  name: "E2E firewall",
  entities: [
    { name: "web", location: "DC", interface: { address: "10.203.1.10", netmask: HOST } },
    { name: "db", location: "DC", interface: { address: "10.203.1.20", netmask: HOST } },
    { name: "dns", location: "DC", interface: { address: "10.203.1.30", netmask: HOST } },
    { name: "monitor", location: "DC", interface: { address: "10.203.1.40", netmask: HOST } },
    { name: "admin", location: "Office", interface: { address: "10.203.1.50", netmask: HOST } },
    { name: "office", location: "Office", interface: { address: "10.203.2.0", netmask: "255.255.255.0" } },
    { name: "visitor", location: "Office", interface: { address: "10.203.3.99", netmask: HOST } },
  ],
  communications: [
    { source: "office", destination: "web", protocol: "TCP", port: 80, description: "HTTP" },
    { source: "office", destination: "web", protocol: "TCP", port: 443, description: "HTTPS" },
    { source: "web", destination: "db", protocol: "TCP", port: 5432, description: "Application database" },
    { source: "admin", destination: "web", protocol: "TCP", port: 22, description: "SSH" },
    { source: "admin", destination: "db", protocol: "TCP", port: 22, description: "SSH" },
    { source: "admin", destination: "dns", protocol: "TCP", port: 22, description: "SSH" },
    { source: "admin", destination: "office", protocol: "TCP", port: 22, description: "SSH" },
    { source: "web", destination: "dns", protocol: "UDP", port: 53, description: "DNS" },
    { source: "db", destination: "dns", protocol: "UDP", port: 53, description: "DNS" },
    { source: "office", destination: "dns", protocol: "UDP", port: 53, description: "DNS" },
    { source: "monitor", destination: "dns", protocol: "UDP", port: 161, description: "SNMP" },
    { source: "web", destination: "monitor", protocol: "UDP", port: 514, description: "Syslog" },
    { source: "db", destination: "monitor", protocol: "UDP", port: 514, description: "Syslog" },
    { source: "monitor", destination: "web", protocol: "ICMP", port: 8, description: "Ping" },
    { source: "monitor", destination: "db", protocol: "ICMP", port: 8, description: "Ping" },
    { source: "monitor", destination: "dns", protocol: "ICMP", port: 8, description: "Ping" },
    { source: "admin", destination: "office", protocol: "ICMP", port: 8, description: "Ping" },
  ] satisfies Communication[],
};

/** The machines: one namespace each, carrying an address of its entity's interface. */
const machines = [
  { key: "web", entity: "web", address: "10.203.1.10" },
  { key: "db", entity: "db", address: "10.203.1.20" },
  { key: "dns", entity: "dns", address: "10.203.1.30" },
  { key: "mon", entity: "monitor", address: "10.203.1.40" },
  { key: "admin", entity: "admin", address: "10.203.1.50" },
  { key: "ws1", entity: "office", address: "10.203.2.11" },
  { key: "ws2", entity: "office", address: "10.203.2.12" },
  { key: "visitor", entity: "visitor", address: "10.203.3.99" },
].map((machine, index) => ({
  ...machine,
  namespace: `ct-${RUN_ID}-${machine.key}`,
  mac: `02:cb:00:00:00:${(index + 1).toString(16).padStart(2, "0")}`,
  port: `v${index}`,
}));
type Machine = (typeof machines)[number];

/** Every service probed between every pair of machines: the recorded ones and some that nobody asked for. */
const catalogue: { protocol: Protocol; port: number }[] = [
  ...new Map(
    [
      ...project.communications,
      { protocol: "TCP", port: 8080 },
      { protocol: "TCP", port: 53 },
      { protocol: "TCP", port: 161 },
      { protocol: "UDP", port: 80 },
      { protocol: "UDP", port: 22 },
      { protocol: "UDP", port: 5432 },
      { protocol: "ICMP", port: 8 },
    ].map(({ protocol, port }) => [`${protocol}:${port}`, { protocol: protocol as Protocol, port }]),
  ).values(),
];

function entityOf(name: string) {
  const entity = project.entities.find((e) => e.name === name);
  if (entity === undefined) throw new Error(`unknown entity ${name}`);
  return entity;
}

/** The rules input of one entity: its incoming communications with both interfaces' addresses. */
function rulesInput(name: string): EntityRulesInput {
  const endpoint = (entity: string): Endpoint => entityOf(entity).interface;
  return {
    entity: { name, project: project.name, location: entityOf(name).location },
    incoming: project.communications
      .filter((c) => c.destination === name)
      .map((c) => ({ ...c, source: endpoint(c.source), destination: endpoint(c.destination) })),
  };
}

/** The oracle: a probe may pass only when a communication covers both machines, the protocol and the port. */
function isRecorded(from: Machine, to: Machine, protocol: Protocol, port: number): boolean {
  return project.communications.some(
    (c) =>
      c.protocol === protocol &&
      c.port === port &&
      isAddressInNetwork(from.address, entityOf(c.source).interface) &&
      isAddressInNetwork(to.address, entityOf(c.destination).interface),
  );
}

/** Runs inside each namespace: serves the catalogue ports and probes other machines on request (JSON lines). */
const AGENT = String.raw`
const net = require("node:net");
const dgram = require("node:dgram");
const { execFile } = require("node:child_process");
const { createInterface } = require("node:readline");
const { tcp, udp, timeout } = JSON.parse(process.argv[1]);
const send = (message) => process.stdout.write(JSON.stringify(message) + "\n");
let waiting = tcp.length + udp.length;
const listening = () => { if (--waiting === 0) send({ ready: true }); };
const fatal = (what) => (error) => send({ fatal: what + ": " + error.message });
for (const port of tcp) {
  const server = net.createServer((socket) => { socket.on("error", () => {}); socket.end("ok\n"); });
  server.on("error", fatal("tcp " + port));
  server.listen(port, "0.0.0.0", listening);
}
for (const port of udp) {
  const server = dgram.createSocket("udp4");
  server.on("message", (message, peer) => server.send(Buffer.concat([Buffer.from("pong "), message]), peer.port, peer.address));
  server.on("error", fatal("udp " + port));
  server.bind(port, "0.0.0.0", listening);
}
const probes = {
  TCP(host, port, done) {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => { socket.destroy(); done(false, "timeout"); }, timeout);
    let data = "";
    socket.on("data", (chunk) => { data += chunk; if (data.includes("ok")) { clearTimeout(timer); socket.destroy(); done(true, "reply"); } });
    socket.on("error", (error) => { clearTimeout(timer); done(false, error.code || error.message); });
  },
  UDP(host, port, done, id) {
    const socket = dgram.createSocket("udp4");
    const token = "probe " + id;
    const timer = setTimeout(() => { socket.close(); done(false, "timeout"); }, timeout);
    socket.on("message", (message) => { if (message.toString() === "pong " + token) { clearTimeout(timer); socket.close(); done(true, "reply"); } });
    socket.on("error", (error) => { clearTimeout(timer); socket.close(); done(false, error.code || error.message); });
    socket.send(token, port, host);
  },
  ICMP(host, _port, done) {
    execFile("ping", ["-n", "-c", "1", "-W", String(Math.ceil(timeout / 1000)), host], (error) => done(!error, error ? "timeout" : "reply"));
  },
};
createInterface({ input: process.stdin }).on("line", (line) => {
  const { id, protocol, host, port } = JSON.parse(line);
  let answered = false;
  probes[protocol](host, port, (ok, detail) => { if (!answered) { answered = true; send({ id, ok, detail }); } }, id);
});
process.stdin.on("end", () => process.exit(0));
if (waiting === 0) send({ ready: true });
`;

interface ProbeResult {
  ok: boolean;
  detail: string;
}

/** A probe agent running in one namespace, answering probe requests by id. */
class Agent {
  private nextId = 0;
  private readonly waiting = new Map<number, (result: ProbeResult) => void>();
  private readonly readyPromise: Promise<void>;

  constructor(
    readonly machine: Machine,
    readonly child: ChildProcessWithoutNullStreams,
  ) {
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    this.readyPromise = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`agent in ${machine.namespace} not ready: ${stderr}`)), 15_000);
      child.on("exit", (code) => reject(new Error(`agent in ${machine.namespace} exited (${code}): ${stderr}`)));
      createInterface({ input: child.stdout }).on("line", (line) => {
        const message = JSON.parse(line) as { ready?: boolean; fatal?: string; id?: number } & ProbeResult;
        if (message.fatal !== undefined) reject(new Error(`agent in ${machine.namespace}: ${message.fatal}`));
        if (message.ready) {
          clearTimeout(timer);
          resolve();
        }
        if (message.id !== undefined) {
          this.waiting.get(message.id)?.({ ok: message.ok, detail: message.detail });
          this.waiting.delete(message.id);
        }
      });
    });
  }

  static start(machine: Machine, tcp: number[], udp: number[]): Agent {
    const child = spawn(
      "ip",
      ["netns", "exec", machine.namespace, process.execPath, "-e", AGENT, JSON.stringify({ tcp, udp, timeout: 1000 })],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    return new Agent(machine, child);
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  probe(protocol: Protocol, host: string, port: number): Promise<ProbeResult> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.stdin.write(`${JSON.stringify({ id, protocol, host, port })}\n`);
    });
  }
}

async function run(command: string, args: string[], input?: string): Promise<string> {
  if (input === undefined) return (await execFileAsync(command, args)).stdout;
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} ${args.join(" ")}: ${stderr || error.message}`)) : resolve(stdout),
    );
    child.stdin?.end(input);
  });
}

const inNamespace = (machine: Machine, ...command: string[]) =>
  run("ip", ["netns", "exec", machine.namespace, ...command]);

/** Why the kernel test cannot run here, or null when it can. */
function skipReason(): string | null {
  if (process.getuid?.() !== 0) return "not running as root";
  for (const [command, args, hint] of [
    ["iptables-restore", ["--version"], "apt-get install -y iptables"],
    ["ping", ["-V"], "apt-get install -y iputils-ping"],
  ] as const) {
    const result = spawnSync(command, args, { encoding: "utf8" });
    if (result.error || result.status !== 0) return `${command} is missing (${hint})`;
  }
  const probe = `ct-${RUN_ID}-probe`;
  const add = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
  if (add.error || add.status !== 0) return `ip netns add failed: ${add.error?.message ?? add.stderr.trim()}`;
  try {
    const bridge = spawnSync("ip", ["-n", probe, "link", "add", "name", "br0", "type", "bridge"], { encoding: "utf8" });
    if (bridge.status !== 0) return `cannot create a bridge in a namespace: ${bridge.stderr.trim()}`;
    const veth = spawnSync(
      "ip",
      ["-n", probe, "link", "add", "name", "probe0", "type", "veth", "peer", "name", "probe1"],
      {
        encoding: "utf8",
      },
    );
    if (veth.status !== 0) return `cannot create a veth pair in a namespace: ${veth.stderr.trim()}`;
  } finally {
    spawnSync("ip", ["netns", "del", probe]);
  }
  return null;
}

const reason = skipReason();
if (reason !== null) console.warn(`e2e firewall test skipped: ${reason}`);

describe.skipIf(reason !== null)(
  `generated rules in network namespaces${reason ? ` (skipped: ${reason})` : ""}`,
  () => {
    const created: string[] = [];
    const agents: Agent[] = [];
    const tcpPorts = catalogue.filter((s) => s.protocol === "TCP").map((s) => s.port);
    const udpPorts = catalogue.filter((s) => s.protocol === "UDP").map((s) => s.port);
    const probes = machines.flatMap((from) =>
      machines
        .filter((to) => to !== from)
        .flatMap((to) =>
          catalogue.map(({ protocol, port }) => ({
            from,
            to,
            protocol,
            port,
            recorded: isRecorded(from, to, protocol, port),
          })),
        ),
    );
    type Probe = (typeof probes)[number];
    const describeProbe = (p: Probe, result: ProbeResult) =>
      `${p.from.key} (${p.from.address}) -> ${p.to.key} (${p.to.address}) ${p.protocol}:${p.port}: ${result.detail}`;

    function probeOne(p: Probe): Promise<ProbeResult> {
      const agent = agents.find((a) => a.machine === p.from);
      if (agent === undefined) throw new Error(`no agent for ${p.from.key}`);
      return agent.probe(p.protocol, p.to.address, p.port);
    }

    async function probeAll(): Promise<ProbeResult[]> {
      return mapLimit(probes, PROBE_CONCURRENCY, probeOne);
    }

    function cleanup(): void {
      for (const agent of agents.splice(0)) {
        agent.child.stdin.end();
        if (agent.child.exitCode === null && agent.child.pid !== undefined) {
          try {
            process.kill(agent.child.pid);
          } catch {
            // already gone
          }
        }
      }
      for (const namespace of created.splice(0).reverse()) {
        // Anything still running inside our namespaces (a ping in flight) was started by this test.
        const pids = spawnSync("ip", ["netns", "pids", namespace], { encoding: "utf8" }).stdout.split("\n");
        for (const pid of pids.map(Number).filter((n) => n > 1)) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
        spawnSync("ip", ["netns", "del", namespace]);
      }
    }

    beforeAll(async () => {
      process.once("exit", cleanup);
      await run("ip", ["netns", "add", SWITCH]);
      created.push(SWITCH);
      await run("ip", ["-n", SWITCH, "link", "add", "name", "br0", "type", "bridge"]);
      await run("ip", ["-n", SWITCH, "link", "set", "br0", "up"]);
      for (const machine of machines) {
        await run("ip", ["netns", "add", machine.namespace]);
        created.push(machine.namespace);
      }
      await Promise.all(
        machines.map(async (m) => {
          await run("ip", [
            "-n",
            SWITCH,
            "link",
            "add",
            "name",
            m.port,
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            m.namespace,
          ]);
          await run("ip", ["-n", SWITCH, "link", "set", m.port, "master", "br0", "up"]);
          const commands = [
            `link set lo up`,
            `link set eth0 address ${m.mac}`,
            `addr add ${m.address}/${PREFIX_LENGTH} dev eth0`,
            `link set eth0 up`,
            // Static neighbours: no ARP round trip can delay or lose the first packet of a probe.
            ...machines
              .filter((other) => other !== m)
              .map((other) => `neigh replace ${other.address} lladdr ${other.mac} dev eth0 nud permanent`),
          ];
          await run("ip", ["-n", m.namespace, "-batch", "-"], `${commands.join("\n")}\n`);
        }),
      );
      for (const machine of machines) agents.push(Agent.start(machine, tcpPorts, udpPorts));
      await Promise.all(agents.map((agent) => agent.ready()));
    }, 60_000);

    afterAll(() => {
      process.removeListener("exit", cleanup);
      cleanup();
    });

    it("loads each entity's generated file into each of its machines", async () => {
      for (const machine of machines) {
        const input = rulesInput(machine.entity);
        await run("ip", ["netns", "exec", machine.namespace, "iptables-restore"], generateEntityRules(input));
        const listed = (await inNamespace(machine, "iptables", "-S")).trimEnd().split("\n");
        expect(
          listed.filter((line) => line.startsWith("-P ")),
          machine.key,
        ).toEqual(["-P INPUT DROP", "-P FORWARD DROP", "-P OUTPUT ACCEPT"]);
        expect(listed.filter((line) => line.startsWith("-A ")).length, machine.key).toBe(input.incoming.length + 2);
      }
      expect(probes.filter((p) => p.recorded).length).toBeGreaterThanOrEqual(project.communications.length);
    });

    let firewalled: ProbeResult[] = [];

    it("lets every recorded flow through and silently drops every other probe", async () => {
      firewalled = await probeAll();
      // A recorded flow that timed out on a busy machine gets a second, unhurried try;
      // a probe that passed where it must be dropped is never retried.
      await mapLimit(
        probes.flatMap((p, i) => (p.recorded && !firewalled[i]?.ok ? [i] : [])),
        8,
        async (i) => {
          firewalled[i] = await probeOne(probes[i] as Probe);
        },
      );
      const wrong = probes
        .map((p, i) => ({ p, result: firewalled[i] as ProbeResult }))
        .filter(({ p, result }) => (p.recorded ? !result.ok : result.ok || result.detail !== "timeout"))
        .map(
          ({ p, result }) =>
            `${p.recorded ? "recorded but blocked" : "unrecorded but not dropped"}: ${describeProbe(p, result)}`,
        );
      expect(wrong).toEqual([]);
      // The matrix covers each kind of refusal: other ports, other sources, other protocols, the subnet's members.
      const passed = probes.filter((_, i) => firewalled[i]?.ok);
      expect(passed.length).toBe(probes.filter((p) => p.recorded).length);
      expect(passed.some((p) => p.from.key === "ws2" && p.to.key === "web" && p.port === 443)).toBe(true);
      expect(passed.some((p) => p.from.key === "admin" && p.to.key === "ws1" && p.protocol === "ICMP")).toBe(true);
      expect(passed.some((p) => p.from.key === "db" && p.to.key === "mon" && p.protocol === "UDP")).toBe(true);
    }, 60_000);

    it("passes every probe once the firewalls are flushed, so the drops came from the rules", async () => {
      expect(firewalled.length).toBe(probes.length);
      await Promise.all(
        machines.map((m) =>
          inNamespace(m, "sh", "-c", "iptables -P INPUT ACCEPT && iptables -P FORWARD ACCEPT && iptables -F"),
        ),
      );
      const open = await probeAll();
      // A pass proves the path is open; a timeout on a busy machine proves nothing, so
      // the failed probes get a second, unhurried try before they count.
      const first = probes.map((p, i) => ({ p, result: open[i] as ProbeResult })).filter(({ result }) => !result.ok);
      const again = await mapLimit(first, 8, async ({ p }) => ({ p, result: await probeOne(p) }));
      const failed = again.filter(({ result }) => !result.ok);
      expect(failed.map(({ p, result }) => describeProbe(p, result))).toEqual([]);
    }, 60_000);
  },
);
