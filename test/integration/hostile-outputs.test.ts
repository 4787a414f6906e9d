// Hostile names and descriptions through every output (issue 7). Two
// databases get the same project, structure and ids through the data layer:
// one with harmless names, one with a corpus of hostile ones (markup, quotes,
// DOT and iptables syntax, backslash escapes, line breaks, RTL overrides, path
// tricks, 100-character names). Then:
// - every HTML page parses (parse5) to the same elements and attribute names,
//   the same parse errors and the same attribute values (except those that
//   carry text) as its harmless twin, so no data became markup; the hostile
//   text is there, as text;
// - every rule file (single download and ZIP entries) has one `-A INPUT` line
//   per permitted flow plus the two standing rules, comments stay one line,
//   and iptables-restore --test accepts it when it can run here;
// - the DOT source has one node per entity and one edge per communication, and
//   so has the rendered SVG, which holds no script, event handler or link;
// - the suggestions are valid JSON with the names intact, and ZIP entries
//   and download names stay plain file names in the archive root.
import { spawnSync } from "node:child_process";
import { unzipSync } from "fflate";
import { type DefaultTreeAdapterMap, parse } from "parse5";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunication } from "../../src/data/communications.js";
import { diagramInput } from "../../src/data/diagrams.js";
import { createEntity, getProjectPage } from "../../src/data/entities.js";
import { createInterface } from "../../src/data/interfaces.js";
import { createLocation } from "../../src/data/locations.js";
import { createProject } from "../../src/data/projects.js";
import { saveGroup } from "../../src/data/users.js";
import type { Protocol } from "../../src/domain/constants.js";
import { buildProjectDot } from "../../src/domain/dot.js";
import { toOneLine } from "../../src/domain/iptables.js";
import { type Agent, createTestContext, type TestContext } from "../support/app.js";
import { parseXml, textOf, walk } from "../support/xml.js";

// ---------------------------------------------------------------- the data

const ENTITIES = 10;

interface Names {
  project: string;
  projectDescription: string;
  locations: [string, string];
  entities: string[];
  entityDescriptions: string[];
  interfaces: string[];
  interfaceDescriptions: string[];
  communications: string[];
  group: string;
}

const HOSTILE: Names = {
  project: '</text><script>alert(1)</script> "P" \\N',
  projectDescription: "<b>bold</b>\n-A INPUT -j ACCEPT\r\nCOMMIT\n{{7*7}} findme",
  locations: ['a"]; b -> c [label="x', "\u202Eevil.exe\nCOMMIT"],
  entities: [
    "</text><script>alert(1)</script>",
    'a"]; b -> c [label="x',
    "\\N \\l \\\\ \\G \\E",
    "line\nbreak\r\n-A INPUT -j ACCEPT",
    "*filter",
    "COMMIT",
    "../../etc/passwd",
    // Nothing of it survives in a file name: the download is entity-ID-iptables.conf.
    "東京🚀\u202E",
    `${"W".repeat(99)}<`,
    '" onmouseover="alert(1)',
  ],
  entityDescriptions: Array.from({ length: ENTITIES }, (_, i) => `<img src=x onerror=alert(${i})>\n*filter findme`),
  interfaces: [
    "<img src=x onerror=alert(1)>",
    "eth0\n-A INPUT -j ACCEPT",
    '\'; DROP TABLE "Interface"; --',
    "\\\\server\\share",
    "{{ 1111*1111 }}",
    "</pre><script>x</script>",
    "\u202Egnp.exe Zürich e\u0301",
    "&amp; &lt;",
    `${"i".repeat(100)}`,
    "javascript:alert(1)",
  ],
  interfaceDescriptions: Array.from({ length: ENTITIES }, (_, i) => `</textarea><script>${i}</script>`),
  communications: [
    "x\n-A INPUT -j ACCEPT",
    "# \r\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]",
    "\u2028-A INPUT -s 0.0.0.0/0 -j ACCEPT",
    "<b>bold</b>{{7*7}}",
    "a\tb\u0085c\u000bd",
    "\u202E reversed \u2066isolate\u2069",
    "\\N\\l\\\\",
    "",
    "\"quoted\" 'single'",
    "../../etc/passwd",
    "]]></svg><script>alert(1)</script>",
    `${"d".repeat(9990)}\n-A INPUT -j ACCEPT`,
    "ok",
  ],
  group: "<svg onload=alert(1)>",
};

const HARMLESS: Names = {
  project: "Harmless project",
  projectDescription: "A plain description findme",
  locations: ["Site one", "Site two"],
  entities: Array.from({ length: ENTITIES }, (_, i) => `entity ${i}`),
  entityDescriptions: Array.from({ length: ENTITIES }, (_, i) => `entity description ${i} findme`),
  interfaces: Array.from({ length: ENTITIES }, (_, i) => `eth${i}`),
  interfaceDescriptions: Array.from({ length: ENTITIES }, (_, i) => `interface description ${i}`),
  // Same emptiness as the hostile ones (one is empty), so pages have the same shape.
  communications: HOSTILE.communications.map((d, i) => (d === "" ? "" : `flow ${i}`)),
  group: "Plain group",
};

/** The flows: a ring, plus a few more (ICMP type 255 is written commented out). */
const FLOWS: { from: number; to: number; protocol: Protocol; port: number }[] = [
  ...Array.from({ length: ENTITIES }, (_, i) => ({
    from: i,
    to: (i + 1) % ENTITIES,
    protocol: "TCP" as const,
    port: 22,
  })),
  { from: 0, to: 2, protocol: "UDP", port: 53 },
  { from: 3, to: 1, protocol: "ICMP", port: 8 },
  { from: 4, to: 5, protocol: "ICMP", port: 255 },
];
/** `-A INPUT` lines each entity's file must have besides the two standing rules. */
const permittedFlowsTo = (entity: number) =>
  FLOWS.filter((f) => f.to === entity && !(f.protocol === "ICMP" && f.port === 255)).length;

interface Built {
  project: number;
  locations: number[];
  entities: number[];
  interfaces: number[];
  communications: number[];
  group: number;
}

async function build(ctx: TestContext, n: Names): Promise<Built> {
  const db = ctx.db;
  const project = await createProject(db, { name: n.project, description: n.projectDescription });
  const locations = [];
  for (const name of n.locations)
    locations.push((await createLocation(db, { name, description: `${name} findme` })).id);
  const entities: number[] = [];
  const interfaces: number[] = [];
  for (let i = 0; i < ENTITIES; i++) {
    const entity = await createEntity(db, {
      name: n.entities[i] as string,
      description: n.entityDescriptions[i] as string,
      projectId: project.id,
      locationId: locations[i % 2] as number,
    });
    entities.push(entity.id);
    const iface = await createInterface(db, {
      name: n.interfaces[i] as string,
      description: n.interfaceDescriptions[i] as string,
      entityId: entity.id,
      address: `10.1.${i}.${i + 1}`,
      netmask: i % 3 === 0 ? "255.255.255.0" : "255.255.255.255",
    });
    interfaces.push(iface.id);
  }
  const communications: number[] = [];
  for (const [k, f] of FLOWS.entries()) {
    communications.push(
      await createCommunication(db, project.id, {
        sourceId: interfaces[f.from] as number,
        destinationId: interfaces[f.to] as number,
        protocol: f.protocol,
        port: f.port,
        description: n.communications[k % n.communications.length] as string,
      }),
    );
  }
  const group = await saveGroup(db, null, { name: n.group, permissions: ["view"] });
  return { project: project.id, locations, entities, interfaces, communications, group };
}

// ---------------------------------------------------------------- two sites

let hostile: { ctx: TestContext; agent: Agent; ids: Built };
let harmless: { ctx: TestContext; agent: Agent; ids: Built };

beforeAll(async () => {
  const make = async (names: Names) => {
    const ctx = await createTestContext();
    await ctx.user("admin");
    const ids = await build(ctx, names);
    return { ctx, agent: await ctx.login("admin"), ids };
  };
  [hostile, harmless] = [await make(HOSTILE), await make(HARMLESS)];
  // Same structure, same ids: the pages' URLs are the same on both sites.
  expect(hostile.ids).toEqual(harmless.ids);
});
afterAll(async () => {
  await hostile?.ctx.close();
  await harmless?.ctx.close();
});

// ---------------------------------------------------------------- HTML

type Node = DefaultTreeAdapterMap["node"];
type Element = DefaultTreeAdapterMap["element"];

/** Attributes whose value may carry stored text (`label`: a select's <optgroup>); every other value must be the same on both sites. */
const TEXT_ATTRIBUTES = new Set(["aria-label", "title", "value", "alt", "label"]);

interface Shape {
  /** `tag[attr attr …]` of every element, sorted. */
  elements: string[];
  /** `tag attr=value` of every attribute that carries no text, sorted. */
  values: string[];
  errors: string[];
  /** All text nodes, joined. */
  text: string;
  /** Attribute values that carry text, joined. */
  attributeText: string;
}

function shapeOf(html: string): Shape {
  const errors: string[] = [];
  const doc = parse(html, { onParseError: (e) => errors.push(e.code) });
  const elements: string[] = [];
  const values: string[] = [];
  const texts: string[] = [];
  const attributeTexts: string[] = [];
  const visit = (node: Node) => {
    if (node.nodeName === "#text") texts.push((node as DefaultTreeAdapterMap["textNode"]).value);
    if ("tagName" in node) {
      const element = node as Element;
      elements.push(
        `${element.tagName}[${element.attrs
          .map((a) => a.name)
          .sort()
          .join(" ")}]`,
      );
      for (const a of element.attrs) {
        if (TEXT_ATTRIBUTES.has(a.name)) attributeTexts.push(a.value);
        // The diagram URL carries a hash of its DOT source.
        else values.push(`${element.tagName} ${a.name}=${a.name === "src" ? a.value.replace(/\?v=.*$/, "") : a.value}`);
      }
    }
    if ("childNodes" in node) for (const child of node.childNodes) visit(child);
  };
  visit(doc);
  return {
    elements: elements.sort(),
    values: values.sort(),
    errors: errors.sort(),
    text: texts.join(""),
    attributeText: attributeTexts.join("\n"),
  };
}

/**
 * Parse errors about the document's structure. Control characters and
 * non-characters in text (a C1 control or U+000B in a description) are parse
 * errors too, but change no element.
 */
const structural = (errors: string[]) =>
  errors.filter(
    (e) =>
      !["control-character-in-input-stream", "noncharacter-in-input-stream", "surrogate-in-input-stream"].includes(e),
  );

/** How the HTML parser reads text: CR LF and lone CR become LF. */
const asParsed = (text: string) => text.replace(/\r\n?/g, "\n");

// The form focus and the select filter (every page) and the search suggestions (logged in): no other script, none inline.
const ALLOWED_SCRIPTS = ["/static/js/form-focus.js", "/static/js/search.js", "/static/js/select-filter.js"];

function checkPage(url: string, hostileHtml: string, harmlessHtml: string, shown: string[]) {
  const bad = shapeOf(hostileHtml);
  const good = shapeOf(harmlessHtml);
  expect(bad.elements, `${url}: elements`).toEqual(good.elements);
  // Times (last log-in, created) differ between the two renderings, not their shape.
  const untimed = (values: string[]) => values.map((v) => v.replace(/^time datetime=.*$/, "time datetime=TIME"));
  expect(untimed(bad.values), `${url}: attribute values`).toEqual(untimed(good.values));
  expect(structural(bad.errors), `${url}: parse errors`).toEqual(structural(good.errors));
  // Belt and braces, whatever the harmless page holds.
  for (const entry of bad.elements) {
    const [, attrs = ""] = /\[(.*)\]/.exec(entry) ?? [];
    for (const attr of attrs.split(" ")) expect(attr.startsWith("on"), `${url}: ${entry}`).toBe(false);
  }
  for (const value of bad.values) {
    expect(value, url).not.toMatch(/^(a href|form action|img src|link href)=\s*javascript:/i);
    if (value.startsWith("script src=")) expect(ALLOWED_SCRIPTS).toContain(value.slice("script src=".length));
  }
  expect(
    bad.elements.filter((e) => e.startsWith("script[")),
    url,
  ).toEqual(ALLOWED_SCRIPTS.map(() => "script[defer src]"));
  for (const name of shown) {
    const expected = asParsed(name);
    expect(
      bad.text.includes(expected) || bad.attributeText.includes(expected),
      `${url} shows ${JSON.stringify(name)}`,
    ).toBe(true);
  }
  expect(bad.text).not.toContain("1234321");
}

describe("HTML pages", () => {
  const pages = (): { url: string; twin?: string; shown: string[] }[] => {
    const { project, locations, entities, interfaces, communications, group } = hostile.ids;
    const [l0, l1] = locations;
    const all = HOSTILE.entities;
    return [
      { url: "/", shown: [HOSTILE.project, ...HOSTILE.locations] },
      {
        url: `/projects/${project}`,
        shown: [HOSTILE.project, HOSTILE.projectDescription, ...HOSTILE.locations, ...all],
      },
      { url: `/projects/${project}/edit`, shown: [HOSTILE.project, HOSTILE.projectDescription] },
      { url: `/projects/${project}/delete`, shown: [HOSTILE.project, ...all, ...HOSTILE.interfaces] },
      { url: `/projects/${project}/import`, shown: [HOSTILE.project, ...HOSTILE.locations] },
      { url: `/locations/${l0}/edit`, shown: [HOSTILE.locations[0]] },
      { url: `/locations/${l1}/delete`, shown: [HOSTILE.locations[1]] },
      ...entities.flatMap((id, i) => [
        {
          url: `/entities/${id}`,
          shown: [all[i] as string, HOSTILE.entityDescriptions[i] as string, HOSTILE.interfaces[i] as string],
        },
        { url: `/entities/${id}/edit`, shown: [all[i] as string] },
        { url: `/entities/${id}/delete`, shown: [all[i] as string, HOSTILE.interfaces[i] as string] },
      ]),
      { url: `/entities/new?project=${project}`, shown: [HOSTILE.project, ...HOSTILE.locations] },
      { url: `/entities/new?project=${project}&location=${l1}`, shown: [HOSTILE.locations[1]] },
      { url: `/interfaces/${interfaces[3]}/edit`, shown: [HOSTILE.interfaces[3] as string] },
      { url: `/interfaces/${interfaces[0]}/delete`, shown: [HOSTILE.interfaces[0] as string] },
      { url: `/interfaces/new?entity=${entities[1]}`, shown: [all[1] as string] },
      { url: `/communications/new?project=${project}`, shown: all },
      { url: `/communications/new?from_entity=${entities[7]}&next=/entities/${entities[7]}`, shown: all },
      { url: `/communications/${communications[0]}/edit`, shown: [HOSTILE.communications[0] as string] },
      { url: `/communications/${communications[1]}/delete`, shown: [all[1] as string, all[2] as string] },
      { url: "/search?q=findme", shown: [HOSTILE.project, ...all.slice(0, 5)] },
      // One entity by its name on each site.
      {
        url: `/search?q=${encodeURIComponent(all[1] as string)}`,
        twin: "/search?q=entity%201",
        shown: [all[1] as string],
      },
      { url: "/admin", shown: [HOSTILE.group] },
      { url: `/admin/groups/${group}/edit`, shown: [HOSTILE.group] },
      { url: `/admin/groups/${group}/delete`, shown: [HOSTILE.group] },
      { url: "/admin/users/1/edit", shown: [HOSTILE.group] },
      { url: "/projects/999999", shown: [] },
    ];
  };

  it("every page has the same elements and attributes as with harmless names, and shows the hostile text as text", async () => {
    for (const { url, twin, shown } of pages()) {
      const [bad, good] = await Promise.all([hostile.agent.get(url), harmless.agent.get(twin ?? url)]);
      expect(bad.status, url).toBe(good.status);
      expect([200, 404], url).toContain(bad.status);
      checkPage(url, bad.text, good.text, shown);
    }
  });

  it("a re-displayed form lists the hostile names as options, as text", async () => {
    const url = `/communications/new?project=${hostile.ids.project}`;
    const post = (site: typeof hostile) =>
      site.agent
        .post(url)
        .type("form")
        .send({
          _csrf: site.agent.csrf,
          source: String(site.ids.interfaces[0]),
          destination: "",
          protocol: "TCP",
          port: "0",
        });
    const [bad, good] = await Promise.all([post(hostile), post(harmless)]);
    expect(bad.status).toBe(422);
    expect(good.status).toBe(422);
    checkPage(`POST ${url}`, bad.text, good.text, HOSTILE.entities);
  });
});

// ---------------------------------------------------------------- rule files

const FIXED_LINES = new Set([
  "*filter",
  ":INPUT DROP [0:0]",
  ":FORWARD DROP [0:0]",
  ":OUTPUT ACCEPT [0:0]",
  "COMMIT",
  "",
]);
const RULE =
  /^-A INPUT (?:-i lo -j ACCEPT|-m state --state RELATED,ESTABLISHED -j ACCEPT|-s [0-9./]+ -d [0-9./]+ -p (tcp|udp|icmp) -m \1 --(?:dport|icmp-type) \d+ -j ACCEPT)$/;
const QUOTED = '"(?:[^"\\\\]|\\\\.)*"';
const HEADER = new RegExp(`^# Conntrackt rules for entity ${QUOTED} \\(project ${QUOTED}, location ${QUOTED}\\)$`);
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** One entity's file: only known lines, one `-A INPUT` per permitted flow plus two, comments on one line. */
function checkRules(text: string, flows: number, where: string) {
  expect(text.endsWith("COMMIT\n"), where).toBe(true);
  expect(text, where).not.toContain("\r");
  const lines = text.slice(0, -1).split("\n");
  expect(lines[0], where).toMatch(HEADER);
  expect(lines[1]).toBe("*filter");
  expect(
    lines.filter((l) => l === "*filter"),
    where,
  ).toHaveLength(1);
  expect(
    lines.filter((l) => l === "COMMIT"),
    where,
  ).toHaveLength(1);
  for (const line of lines) {
    expect(LINE_BREAKING.test(line), `${where}: ${JSON.stringify(line)}`).toBe(false);
    if (line.startsWith("#")) continue;
    if (FIXED_LINES.has(line)) continue;
    expect(line, where).toMatch(RULE);
  }
  expect(
    lines.filter((l) => l.startsWith("-A INPUT")),
    where,
  ).toHaveLength(flows + 2);
  // Every line is short enough for iptables-restore's line buffer.
  for (const line of lines) expect(Buffer.byteLength(line), where).toBeLessThan(7000);
}

/** iptables-restore --test, when it can run here (root with netfilter); else null. */
const iptablesRestore = (() => {
  const probe = spawnSync("iptables-restore", ["--test"], {
    input: "*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n",
    timeout: 10_000,
  });
  if (probe.error || probe.status !== 0) {
    console.warn("hostile-outputs: iptables-restore --test cannot run here; rule files are checked as text only");
    return null;
  }
  return (text: string) => spawnSync("iptables-restore", ["--test"], { input: text, timeout: 10_000 });
})();

const SAFE_FILE = /^[a-z0-9._-]+$/;

function attachmentName(disposition: string | undefined): string {
  expect(disposition).toBeDefined();
  expect(disposition).not.toMatch(/[\r\n]/);
  // A token-safe name goes unquoted; anything else quoted, with an RFC 6266 filename* beside it.
  const match =
    /^attachment; filename=(?:"([^"\\]*)"|([!#$%&'*+.^_`|~0-9A-Za-z-]+))(?:; filename\*=UTF-8''[A-Za-z0-9%._~!$&'()*+,;=:@-]*)?$/.exec(
      String(disposition),
    );
  expect(match, String(disposition)).not.toBeNull();
  return match?.[1] ?? match?.[2] ?? "";
}

describe("rule files", () => {
  const singles = new Map<number, string>();

  it("each entity's download has one -A INPUT line per permitted flow plus the two standing rules", async () => {
    for (const [i, id] of hostile.ids.entities.entries()) {
      const res = await hostile.agent.get(`/entities/${id}/iptables`);
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toMatch(/^text\/plain/);
      const name = attachmentName(res.headers["content-disposition"]);
      expect(name).toMatch(SAFE_FILE);
      expect(name).not.toContain("..");
      if (i === 7) expect(name).toBe(`entity-${id}-iptables.conf`);
      checkRules(res.text, permittedFlowsTo(i), `entity ${i}`);
      singles.set(id, res.text);
      // The entity page shows the same rules.
      const page = shapeOf((await hostile.agent.get(`/entities/${id}`)).text);
      expect(page.text).toContain(res.text.trimEnd());
    }
    // The hostile comments are there, each reduced to one line.
    const all = [...singles.values()].join("");
    for (const description of HOSTILE.communications.slice(0, 7)) {
      const line = toOneLine(description);
      if (line !== "") expect(all).toContain(`\n# ${line}\n`);
    }
  });

  it("iptables-restore --test accepts every file", (ctx) => {
    if (!iptablesRestore) return ctx.skip("iptables-restore --test cannot run here");
    for (const [id, text] of singles) {
      const result = iptablesRestore(text);
      expect(result.status, `entity ${id}: ${String(result.stderr)}`).toBe(0);
    }
  });

  it("the project and location ZIPs hold the same files, named in the archive root", async () => {
    const { project, locations, entities } = hostile.ids;
    const archives = [
      { url: `/projects/${project}/iptables.zip`, members: entities },
      ...locations.map((l, k) => ({
        url: `/projects/${project}/locations/${l}/iptables.zip`,
        members: entities.filter((_, i) => i % 2 === k),
      })),
    ];
    for (const { url, members } of archives) {
      const res = await hostile.agent
        .get(url)
        .buffer(true)
        .parse((r, done) => {
          const chunks: Buffer[] = [];
          r.on("data", (c: Buffer) => chunks.push(c));
          r.on("end", () => done(null, Buffer.concat(chunks)));
        });
      expect(res.status, url).toBe(200);
      const name = attachmentName(res.headers["content-disposition"]);
      expect(name).toMatch(/^[a-z0-9._-]+-iptables\.zip$/);
      const files = unzipSync(new Uint8Array(res.body as Buffer));
      const names = Object.keys(files);
      // Both restore files per entity (docs/rules.md): SLUG-iptables.conf and SLUG-ip6tables.conf.
      expect(names).toHaveLength(2 * members.length);
      for (const entry of names) {
        expect(entry, url).toMatch(/^[a-z0-9._-]+-ip6?tables\.conf$/);
        expect(entry, url).not.toContain("..");
        expect(entry.startsWith("."), url).toBe(false);
      }
      expect(new Set(names).size).toBe(names.length);
      const contents = Object.entries(files)
        .filter(([entry]) => entry.endsWith("-iptables.conf"))
        .map(([, bytes]) => Buffer.from(bytes).toString("utf8"))
        .sort();
      expect(contents, url).toEqual(members.map((id) => singles.get(id)).sort());
    }
  });
});

// ---------------------------------------------------------------- diagram

describe("diagram", () => {
  it("the DOT source has one node per entity and one edge per communication, nothing else", async () => {
    const dot = buildProjectDot(diagramInput(await getProjectPage(hostile.ctx.db, hostile.ids.project)));
    const lines = dot.trimEnd().split("\n");
    const node =
      /^ {4}e(\d+) \[label="(?:[^"\\\n]|\\.)*", URL="\/entities\/\1", target="_top", style=filled, fillcolor="#[0-9A-Fa-f]{6}", fontcolor="#[0-9A-Fa-f]{6}"\];$/;
    const edge = /^ {2}e\d+ -> e\d+ \[label="(?:TCP|UDP|ICMP):\d+", color="#[0-9A-Fa-f]{6}"\];$/;
    const cluster = /^ {2}subgraph cluster_\d+ \{$/;
    const clusterLabel = /^ {4}label="(?:[^"\\\n]|\\.)*";$/;
    const fixed = ["digraph conntrackt {", "  }", "}"];
    // Default attributes of the graph, nodes and edges: constants, no label.
    const defaults = /^ {2}(?:graph|node|edge) \[[^\n]*\];$/;
    expect(lines.filter((l) => node.test(l))).toHaveLength(ENTITIES);
    expect(lines.filter((l) => edge.test(l))).toHaveLength(FLOWS.length);
    expect(lines.filter((l) => cluster.test(l))).toHaveLength(2);
    expect(lines.filter((l) => clusterLabel.test(l))).toHaveLength(2);
    for (const line of lines) {
      const known =
        fixed.includes(line) ||
        (defaults.test(line) && !line.includes("label")) ||
        [node, edge, cluster, clusterLabel].some((re) => re.test(line));
      expect(known, JSON.stringify(line)).toBe(true);
    }
    // No attribute that reads files, and no link but each node's entity page (from its id), whatever the names say.
    const withoutEntityLinks = dot.replace(/ URL="\/entities\/\d+", target="_top",/g, "");
    expect(withoutEntityLinks.replace(/"(?:[^"\\]|\\.)*"/g, '""')).not.toMatch(
      /\b(URL|href|image|imagepath|shapefile|fontpath|tooltip|target)\s*=/i,
    );
  });

  it("the SVG has one node per entity and one edge per communication, and no script, handler or link", async () => {
    const url = `/projects/${hostile.ids.project}/diagram.svg`;
    const res = await hostile.agent
      .get(url)
      .buffer(true)
      .parse((r, done) => {
        let body = "";
        r.setEncoding("utf8");
        r.on("data", (c: string) => {
          body += c;
        });
        r.on("end", () => done(null, body));
      });
    expect(res.status, String(res.body)).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^image\/svg\+xml/);
    const svg = String(res.body);
    expect(svg).not.toMatch(/<script|<foreignObject|<iframe|javascript:/i);
    const root = parseXml(svg.replace(/^<\?xml[^>]*\?>\s*/, ""));
    const elements = [...walk(root)];
    for (const element of elements) {
      for (const [attribute, value] of Object.entries(element.attrs)) {
        const lower = attribute.toLowerCase();
        // The one link a node carries: its entity's page.
        const entityLink = element.name === "a" && lower === "xlink:href" && /^\/entities\/\d+$/.test(value);
        expect(
          lower.startsWith("on") || (lower.endsWith("href") && !entityLink) || lower === "style",
          `${element.name} ${attribute}`,
        ).toBe(false);
      }
    }
    const byClass = (c: string) => elements.filter((e) => e.name === "g" && e.attrs.class === c);
    expect(byClass("node")).toHaveLength(ENTITIES);
    expect(byClass("edge")).toHaveLength(FLOWS.length);
    expect(byClass("cluster")).toHaveLength(2);
    // Node titles are the synthetic ids; their labels are the names, as text.
    const labels = byClass("node").map((g) => {
      const title = g.children.find((c) => typeof c !== "string" && c.name === "title");
      expect(textOf(title as never)).toMatch(/^e\d+$/);
      // The label sits inside the node's entity link.
      return [...walk(g)]
        .filter((c) => c.name === "text")
        .map((t) => textOf(t))
        .join("");
    });
    for (const name of [
      'a"]; b -> c [label="x',
      "\\N \\l \\\\ \\G \\E",
      "</text><script>alert(1)</script>",
      "*filter",
      "COMMIT",
    ]) {
      expect(labels, name).toContain(name);
    }
  });
});

// ---------------------------------------------------------------- JSON

describe("search suggestions", () => {
  it("are valid JSON with the names exactly as stored", async () => {
    const stored = new Set([HOSTILE.project, ...HOSTILE.entities]);
    for (const q of ["findme", "<script>", 'b -> c [label="x', "\\N", "../", "COMMIT", "\u202E"]) {
      const res = await hostile.agent.get(`/search/suggest?q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toMatch(/^application\/json/);
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      const list = JSON.parse(res.text) as { type: string; name: string; url: string }[];
      expect(list.length, q).toBeGreaterThan(0);
      expect(list.length).toBeLessThanOrEqual(10);
      for (const hit of list) {
        expect(stored.has(hit.name), JSON.stringify(hit.name)).toBe(true);
        expect(hit.url).toMatch(/^\/(projects|entities)\/\d+$/);
      }
    }
    const exact = JSON.parse((await hostile.agent.get(`/search/suggest?q=${encodeURIComponent("line\nbreak")}`)).text);
    expect(exact.map((h: { name: string }) => h.name)).toEqual(["line\nbreak\r\n-A INPUT -j ACCEPT"]);
  });
});
