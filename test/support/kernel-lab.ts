// A small network on a real kernel for firewall proofs (test/e2e/dual-stack-kernel.test.ts):
// one network namespace per machine, all joined by veth pairs to one bridge in
// a "switch" namespace, each machine with its IPv4 and IPv6 host addresses
// (`nodad`, so none is tentative) and an on-link default route per family, so
// every address of the lab is one hop away whatever its prefix. IPv4 uses ARP
// and IPv6 neighbour discovery as on any network (no static neighbours): an
// IPv6 probe that passes a firewall proves neighbour discovery passes it too.
//
// One probe agent per machine (node, run with `ip netns exec`) serves the TCP
// and UDP ports it is given (UDP bound per address, so a reply leaves from the
// address the request reached) and probes other machines on request: TCP
// connect and read, UDP request and echo, ICMP or ICMPv6 echo with `ping -c1`;
// other ICMP and ICMPv6 types go through raw sockets (python3: a sender, and a
// listener in machines marked rawIcmp). Each probe gives up after its timeout,
// one second unless it asks for more. Every TCP and UDP probe uses a source
// port of its own (from 20000 up, skipping the served ports), so no
// connection-tracking entry of an earlier probe can let a later one through.
//
// Needs root, `ip netns`, veth and bridge support, ping, and Debian's python3
// for raw ICMP: labSkipReason says what is missing. Namespaces are named
// ct-RUN-…; close() stops the agents by pid and deletes every namespace it created.
import { type ChildProcessWithoutNullStreams, execFile, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import type { Protocol } from "../../src/domain/constants.js";

export interface LabMachine {
  /** Short name, unique in the lab (at most 8 characters: it is part of a namespace name). */
  key: string;
  /** Host addresses, IPv4 dotted quads or IPv6 in any text form. */
  addresses: string[];
  tcp: number[];
  udp: number[];
  /** Receives ICMP or ICMPv6 probes of types other than echo request (isRawIcmp): starts a raw listener (python3). */
  rawIcmp?: boolean;
}

export interface ProbeRequest {
  protocol: Protocol;
  /** The source address (one of the probing machine's addresses). */
  from: string;
  to: string;
  /** TCP or UDP port; for ICMP and ICMPv6 the type (echo request with ping, any other type raw). */
  port: number;
  /**
   * How long to wait for the answer (1000 ms by default): short for probes
   * expected to be dropped, longer for those expected to pass, which answer as
   * soon as they do, so a loaded machine cannot turn a slow answer into a drop.
   */
  timeoutMs?: number;
}

export interface ProbeResult {
  ok: boolean;
  /** `reply`, `timeout`, or the error (e.g. `EPERM` when the sender's own OUTPUT chain drops the packet). */
  detail: string;
}

/** How long a probe waits for its answer unless it says otherwise. */
export const DEFAULT_TIMEOUT_MS = 1000;

/** Runs a command to its end; resolves with its output and exit code, never rejects for a failing command. */
export function runCommand(
  command: string,
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr: error !== null && code === -1 ? `${stderr}${error.message}` : stderr });
    });
    // A command that exits without reading its input must not fail the caller.
    child.stdin?.on("error", () => {});
    child.stdin?.end(input ?? "");
  });
}

/** Why the lab cannot be built here, or null when it can; tools are extra commands that must succeed, with their Debian package. */
export function labSkipReason(tools: { run: string[]; install: string }[]): string | null {
  if (process.getuid?.() !== 0) return "not running as root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)";
  for (const tool of [{ run: ["ping", "-V"], install: "iputils-ping" }, ...tools]) {
    const result = spawnSync(tool.run[0] ?? "", tool.run.slice(1), { encoding: "utf8" });
    if (result.error || result.status !== 0) {
      return `${tool.run[0]} is missing or fails (apt-get install -y ${tool.install})`;
    }
  }
  const probe = `ct-${randomBytes(3).toString("hex")}-probe`;
  const add = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
  if (add.error || add.status !== 0) return `ip netns add failed: ${add.error?.message ?? add.stderr.trim()}`;
  try {
    const ip = (...args: string[]) => spawnSync("ip", ["-n", probe, ...args], { encoding: "utf8" });
    const bridge = ip("link", "add", "name", "br0", "type", "bridge");
    if (bridge.status !== 0) return `cannot create a bridge in a namespace: ${bridge.stderr.trim()}`;
    const veth = ip("link", "add", "name", "p0", "type", "veth", "peer", "name", "p1");
    if (veth.status !== 0) return `cannot create a veth pair in a namespace: ${veth.stderr.trim()}`;
  } finally {
    spawnSync("ip", ["netns", "del", probe]);
  }
  return null;
}

/** Runs inside each namespace: serves its ports, probes on request (JSON lines in and out). */
const AGENT = String.raw`
const net = require("node:net");
const dgram = require("node:dgram");
const { execFile } = require("node:child_process");
const { createInterface } = require("node:readline");
const { addresses, tcp, udp } = JSON.parse(process.argv[1]);
const send = (message) => process.stdout.write(JSON.stringify(message) + "\n");
const udpBinds = udp.flatMap((port) => addresses.map((address) => ({ port, address })));
let waiting = tcp.length + udpBinds.length;
const listening = () => { if (--waiting === 0) send({ ready: true }); };
const fatal = (what) => (error) => send({ fatal: what + ": " + error.message });
for (const port of tcp) {
  const server = net.createServer((socket) => { socket.on("error", () => {}); socket.end("ok\n"); });
  server.on("error", fatal("tcp " + port));
  server.listen({ port, host: "::", ipv6Only: false }, listening);
}
for (const { port, address } of udpBinds) {
  const server = dgram.createSocket(address.includes(":") ? { type: "udp6", ipv6Only: true } : { type: "udp4" });
  server.on("message", (message, peer) => server.send(Buffer.concat([Buffer.from("pong "), message]), peer.port, peer.address));
  server.on("error", fatal("udp " + address + " " + port));
  server.bind(port, address, listening);
}
const served = new Set([...tcp, ...udp]);
let nextPort = 20000;
const sourcePort = () => {
  do nextPort = nextPort >= 32767 ? 20000 : nextPort + 1; while (served.has(nextPort));
  return nextPort;
};
const probes = {
  TCP({ from, to, port, timeoutMs }, done) {
    const socket = net.connect({ host: to, port, localAddress: from, localPort: sourcePort() });
    const timer = setTimeout(() => { socket.destroy(); done(false, "timeout"); }, timeoutMs);
    let data = "";
    socket.on("data", (chunk) => { data += chunk; if (data.includes("ok")) { clearTimeout(timer); socket.destroy(); done(true, "reply"); } });
    socket.on("error", (error) => { clearTimeout(timer); done(false, error.code || error.message); });
  },
  UDP({ from, to, port, timeoutMs }, done, id) {
    const socket = dgram.createSocket(to.includes(":") ? "udp6" : "udp4");
    const token = "probe " + id;
    let closed = false;
    const finish = (ok, detail) => { clearTimeout(timer); if (!closed) { closed = true; socket.close(); } done(ok, detail); };
    const timer = setTimeout(() => finish(false, "timeout"), timeoutMs);
    socket.on("message", (message) => { if (message.toString() === "pong " + token) finish(true, "reply"); });
    socket.on("error", (error) => finish(false, error.code || error.message));
    socket.bind(sourcePort(), from, () => socket.send(token, port, to, (error) => { if (error) finish(false, error.code || error.message); }));
  },
  ICMP({ from, to, timeoutMs }, done) {
    const family = to.includes(":") ? "-6" : "-4";
    const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
    execFile("ping", [family, "-n", "-c", "1", "-W", seconds, "-I", from, to], (error, _stdout, stderr) =>
      done(!error, !error ? "reply" : error.code === 1 && !/not permitted/i.test(stderr) ? "timeout" : /not permitted/i.test(stderr) ? "EPERM" : "ping: " + stderr.trim()));
  },
};
probes.ICMPv6 = probes.ICMP;
createInterface({ input: process.stdin }).on("line", (line) => {
  const request = JSON.parse(line);
  let answered = false;
  probes[request.protocol](request, (ok, detail) => { if (!answered) { answered = true; send({ id: request.id, ok, detail }); } }, request.id);
});
process.stdin.on("end", () => process.exit(0));
if (waiting === 0) send({ ready: true });
`;

/**
 * ICMP and ICMPv6 types other than echo request, which ping cannot send: a raw
 * socket listener in each namespace reports the probes it receives (a raw
 * socket sees a packet only once the INPUT chain has accepted it), and a
 * one-shot sender writes one message of the type carrying the probe's token.
 */
const RAW_LISTENER = String.raw`
import os, select, socket, sys
s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
sys.stdout.write("ready\n"); sys.stdout.flush()
while True:
    ready, _, _ = select.select([s4, s6, sys.stdin], [], [])
    if sys.stdin in ready and not os.read(sys.stdin.fileno(), 4096):
        break
    for s in (s4, s6):
        if s in ready:
            data, peer = s.recvfrom(65535)
            if s is s4:
                data = data[(data[0] & 15) * 4:]
            mark = data.find(b"ctprobe ")
            if mark >= 0:
                token = data[mark + 8:].split(b"\0")[0].decode()
                sys.stdout.write("heard " + token + "\n"); sys.stdout.flush()
`;
const RAW_SENDER = String.raw`
import socket, struct, sys
family, src, dst, kind, token = sys.argv[1:]
packet = struct.pack("!BBHI", int(kind), 0, 0, 0) + b"ctprobe " + token.encode() + b"\0"
if family == "6":
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)  # the kernel sums ICMPv6
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    padded = packet + b"\0" * (len(packet) % 2)
    words = sum(struct.unpack("!%dH" % (len(padded) // 2), padded))
    words = (words >> 16) + (words & 0xFFFF)
    packet = packet[:2] + struct.pack("!H", ~(words + (words >> 16)) & 0xFFFF) + packet[4:]
s.bind((src, 0))
try:
    s.sendto(packet, (dst, 0))
except PermissionError:
    print("EPERM")
    sys.exit(3)
`;

/** Debian's python3 (python3-minimal), not a shim on PATH: each raw probe starts it once. */
export const PYTHON = "/usr/bin/python3";

/** Echo request, which ping sends; other ICMP and ICMPv6 types go through the raw sockets. */
const ECHO_REQUEST: Partial<Record<Protocol, number>> = { ICMP: 8, ICMPv6: 128 };

/** Whether a probe is an ICMP or ICMPv6 type other than echo request, sent and heard with raw sockets. */
export function isRawIcmp(request: Pick<ProbeRequest, "protocol" | "port">): boolean {
  const echo = ECHO_REQUEST[request.protocol];
  return echo !== undefined && echo !== request.port;
}

/** A raw ICMP listener in one namespace, resolving the tokens it hears. */
class RawListener {
  private readonly expected = new Map<string, () => void>();
  private readonly readyPromise: Promise<void>;

  constructor(
    readonly namespace: string,
    readonly child: ChildProcessWithoutNullStreams,
  ) {
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    this.readyPromise = new Promise((resolve, reject) => {
      child.on("exit", (code) => reject(new Error(`raw ICMP listener in ${namespace} exited (${code}): ${stderr}`)));
      createInterface({ input: child.stdout }).on("line", (line) => {
        if (line === "ready") resolve();
        if (line.startsWith("heard ")) this.expected.get(line.slice("heard ".length))?.();
      });
    });
  }

  static start(namespace: string): RawListener {
    const child = spawn("ip", ["netns", "exec", namespace, PYTHON, "-u", "-c", RAW_LISTENER], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    return new RawListener(namespace, child);
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  /**
   * Starts listening for the token; the answer resolves true once it is heard,
   * false when the deadline set by `within(ms)` (called once sent) passes first.
   */
  hear(token: string): { within: (ms: number) => Promise<boolean> } {
    let heard = false;
    let settle: ((value: boolean) => void) | undefined;
    this.expected.set(token, () => {
      heard = true;
      this.expected.delete(token);
      settle?.(true);
    });
    return {
      within: (ms) =>
        new Promise((resolve) => {
          if (heard) return resolve(true);
          settle = resolve;
          setTimeout(() => {
            this.expected.delete(token);
            resolve(heard);
          }, ms);
        }),
    };
  }

  stop(): void {
    this.child.stdin.end();
    if (this.child.exitCode === null && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid);
      } catch {
        // already gone
      }
    }
  }
}

/** A probe agent in one namespace, answering probe requests by id. */
class Agent {
  private nextId = 0;
  private readonly waiting = new Map<number, (result: ProbeResult) => void>();
  private readonly readyPromise: Promise<void>;

  constructor(
    readonly namespace: string,
    readonly child: ChildProcessWithoutNullStreams,
  ) {
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    this.readyPromise = new Promise((resolve, reject) => {
      // Generous: on a loaded machine a dozen node processes start slowly.
      const timer = setTimeout(() => reject(new Error(`agent in ${namespace} not ready: ${stderr}`)), 45_000);
      child.on("exit", (code) => reject(new Error(`agent in ${namespace} exited (${code}): ${stderr}`)));
      createInterface({ input: child.stdout }).on("line", (line) => {
        const message = JSON.parse(line) as { ready?: boolean; fatal?: string; id?: number } & ProbeResult;
        if (message.fatal !== undefined) reject(new Error(`agent in ${namespace}: ${message.fatal}`));
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

  static start(namespace: string, machine: LabMachine): Agent {
    const options = JSON.stringify({ addresses: machine.addresses, tcp: machine.tcp, udp: machine.udp });
    const child = spawn("ip", ["netns", "exec", namespace, process.execPath, "-e", AGENT, options], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    return new Agent(namespace, child);
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  probe(request: ProbeRequest): Promise<ProbeResult> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.stdin.write(`${JSON.stringify({ id, timeoutMs: DEFAULT_TIMEOUT_MS, ...request })}\n`);
    });
  }

  stop(): void {
    this.child.stdin.end();
    if (this.child.exitCode === null && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid);
      } catch {
        // already gone
      }
    }
  }
}

/** The lab: machines by key, their namespaces and agents. */
export class KernelLab {
  private readonly created: string[] = [];
  private readonly agents = new Map<string, Agent>();
  private readonly listeners = new Map<string, RawListener>();
  private nextToken = 0;
  private readonly namespaces = new Map<string, string>();
  private readonly runId = `${process.pid.toString(36)}${randomBytes(2).toString("hex")}`;
  private readonly onExit = () => this.close();

  private constructor(readonly machines: readonly LabMachine[]) {}

  /** Builds the network and starts every agent and raw listener; on failure, removes what it made and rethrows. */
  static async create(machines: readonly LabMachine[]): Promise<KernelLab> {
    const lab = new KernelLab(machines);
    process.once("exit", lab.onExit);
    try {
      await lab.build();
    } catch (error) {
      lab.close();
      throw error;
    }
    return lab;
  }

  private async must(args: string[], input?: string): Promise<void> {
    const result = await runCommand("ip", args, input);
    if (result.code !== 0) throw new Error(`ip ${args.join(" ")} failed: ${result.stderr.trim()}`);
  }

  private async build(): Promise<void> {
    const keys = new Set(this.machines.map((m) => m.key));
    if (keys.size !== this.machines.length) throw new Error("machine keys must be unique");
    const switchNs = `ct-${this.runId}-sw`;
    await this.must(["netns", "add", switchNs]);
    this.created.push(switchNs);
    await this.must(["-n", switchNs, "link", "add", "name", "br0", "type", "bridge"]);
    await this.must(["-n", switchNs, "link", "set", "br0", "up"]);
    await Promise.all(
      this.machines.map(async (machine, index) => {
        const namespace = `ct-${this.runId}-${machine.key}`;
        await this.must(["netns", "add", namespace]);
        this.created.push(namespace);
        this.namespaces.set(machine.key, namespace);
        const port = `v${index}`;
        await this.must([
          "-n",
          switchNs,
          "link",
          "add",
          port,
          "type",
          "veth",
          "peer",
          "name",
          "eth0",
          "netns",
          namespace,
        ]);
        await this.must(["-n", switchNs, "link", "set", port, "master", "br0", "up"]);
        const sysctl = await runCommand("ip", [
          "netns",
          "exec",
          namespace,
          "sysctl",
          "-q",
          "-w",
          "net.ipv6.conf.eth0.accept_dad=0",
        ]);
        if (sysctl.code !== 0) throw new Error(`sysctl in ${namespace} failed: ${sysctl.stderr.trim()}`);
        const commands = [
          "link set lo up",
          "link set eth0 up",
          ...machine.addresses.map((address) =>
            address.includes(":") ? `addr add ${address}/128 dev eth0 nodad` : `addr add ${address}/32 dev eth0`,
          ),
          "route add 0.0.0.0/0 dev eth0",
          "route add ::/0 dev eth0",
        ];
        await this.must(["-n", namespace, "-batch", "-"], `${commands.join("\n")}\n`);
      }),
    );
    for (const machine of this.machines) {
      this.agents.set(machine.key, Agent.start(this.namespaceOf(machine.key), machine));
      if (machine.rawIcmp) this.listeners.set(machine.key, RawListener.start(this.namespaceOf(machine.key)));
    }
    await Promise.all([...this.agents.values(), ...this.listeners.values()].map((child) => child.ready()));
  }

  namespaceOf(key: string): string {
    const namespace = this.namespaces.get(key);
    if (namespace === undefined) throw new Error(`no machine ${key} in the lab`);
    return namespace;
  }

  /** Runs a command inside a machine's namespace. */
  run(key: string, command: string[], input?: string) {
    return runCommand("ip", ["netns", "exec", this.namespaceOf(key), ...command], input);
  }

  /** Sends one probe from machine key: TCP, UDP, echo request with ping, other ICMP types raw. */
  probe(key: string, request: ProbeRequest): Promise<ProbeResult> {
    const agent = this.agents.get(key);
    if (agent === undefined) throw new Error(`no agent for ${key}`);
    return isRawIcmp(request) ? this.rawProbe(key, request) : agent.probe(request);
  }

  private async rawProbe(key: string, request: ProbeRequest): Promise<ProbeResult> {
    const target = this.machines.find((m) => m.addresses.includes(request.to));
    const listener = target === undefined ? undefined : this.listeners.get(target.key);
    if (listener === undefined) {
      throw new Error(`ICMP type ${request.port} to ${request.to}: no raw listener there (give its machine rawIcmp)`);
    }
    const token = `${this.runId}-${this.nextToken++}`;
    const heard = listener.hear(token);
    const family = request.protocol === "ICMPv6" ? "6" : "4";
    const sent = await this.run(key, [
      PYTHON,
      "-c",
      RAW_SENDER,
      family,
      request.from,
      request.to,
      String(request.port),
      token,
    ]);
    if (sent.code === 3)
      return (await heard.within(0)) ? { ok: true, detail: "reply" } : { ok: false, detail: "EPERM" };
    if (sent.code !== 0) throw new Error(`raw ICMP sender in ${key} failed: ${sent.stderr.trim()}`);
    const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return (await heard.within(timeoutMs)) ? { ok: true, detail: "reply" } : { ok: false, detail: "timeout" };
  }

  /** Stops the agents and deletes the namespaces; safe to call twice. */
  close(): void {
    process.removeListener("exit", this.onExit);
    for (const child of [...this.agents.values(), ...this.listeners.values()]) child.stop();
    this.agents.clear();
    this.listeners.clear();
    for (const namespace of this.created.splice(0).reverse()) {
      // Anything still running in our namespaces (a ping in flight) was started by this lab.
      const pids = spawnSync("ip", ["netns", "pids", namespace], { encoding: "utf8" }).stdout ?? "";
      for (const pid of pids
        .split("\n")
        .map(Number)
        .filter((n) => n > 1)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      spawnSync("ip", ["netns", "del", namespace]);
    }
  }
}
