// The one-way layering of docs/architecture.md, checked on the import
// statements of every module under src/ (generated Prisma clients excepted):
// domain is pure, validation knows no web or database, data knows no service
// or route, routes never reach Prisma nor another route, only src/data loads
// Prisma, reading the configuration loads no database client, and no import
// cycle exists. Type-only imports count for cycles too: they are erased at run
// time, so they cannot break module initialisation, but they still tie two
// modules together — the `AppDeps` cycle between src/app.ts and every route
// was made of type imports only. The second block feeds the same checker
// small hand-made trees, so a rule that silently stopped matching would fail.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type ImportRecord, scanImports } from "../support/import-scan.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Module path (relative to the repository, "src/…") → source text. */
type Tree = Map<string, string>;

interface Edge extends ImportRecord {
  from: string;
  /** The resolved module for a relative specifier, else undefined (a package or `node:` module). */
  to: string | undefined;
}

function readTree(): Tree {
  const tree: Tree = new Map();
  const walk = (dir: string) => {
    for (const name of readdirSync(path.join(ROOT, dir))) {
      const relative = `${dir}/${name}`;
      if (relative === "src/generated") continue;
      if (statSync(path.join(ROOT, relative)).isDirectory()) walk(relative);
      else if (name.endsWith(".ts")) tree.set(relative, readFileSync(path.join(ROOT, relative), "utf8"));
    }
  };
  walk("src");
  return tree;
}

/** "src/data/x.ts" → "data"; a file directly in src/ → its own name ("app", "config"). */
function layerOf(module: string): string {
  const parts = module.split("/");
  return parts.length > 2 ? (parts[1] as string) : (parts[1] as string).replace(/\.ts$/, "");
}

function resolveSpecifier(tree: Tree, from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  const candidates = [base.replace(/\.js$/, ".ts"), base, `${base}.ts`, `${base}/index.ts`];
  const found = candidates.find((candidate) => tree.has(candidate));
  // Generated clients are not scanned but are real modules.
  if (found === undefined && base.startsWith("src/generated/")) return base.replace(/\.js$/, ".ts");
  return found;
}

function edgesOf(tree: Tree): { edges: Edge[]; problems: string[] } {
  const edges: Edge[] = [];
  const problems: string[] = [];
  for (const [module, source] of tree) {
    for (const record of scanImports(source)) {
      const to = resolveSpecifier(tree, module, record.specifier);
      if (record.specifier.startsWith(".") && to === undefined) {
        problems.push(`${module}:${record.line} imports ${record.specifier}, which is no module under src/`);
      }
      edges.push({ ...record, from: module, to });
    }
  }
  return { edges, problems };
}

/**
 * Packages domain code may use: pure computation on values already in memory,
 * no I/O, no framework. csv-parse splits CSV text into records (docs/cli.md);
 * diff (jsdiff) compares two texts line by line (docs/usage.md, rule diff).
 */
const DOMAIN_PACKAGES = new Set(["csv-parse", "diff"]);

const isPrisma = (edge: Edge) =>
  /^(@prisma\/|prisma($|\/))/.test(edge.specifier) || (edge.to?.startsWith("src/generated/") ?? false);
const isExpress = (edge: Edge) => /^express($|\/)/.test(edge.specifier);
const inLayer = (edge: Edge, ...layers: string[]) => edge.to !== undefined && layers.includes(layerOf(edge.to));
const where = (edge: Edge) => `${edge.from}:${edge.line} imports ${edge.specifier}`;

/** Every layering rule broken in `tree`, one line each. */
function layerViolations(tree: Tree): string[] {
  const { edges, problems } = edgesOf(tree);
  const out = [...problems];
  for (const edge of edges) {
    const layer = layerOf(edge.from);
    const domainPackage = edge.to === undefined && DOMAIN_PACKAGES.has(edge.specifier);
    if (layer === "domain" && !domainPackage && !(edge.to !== undefined && layerOf(edge.to) === "domain")) {
      out.push(`${where(edge)}: src/domain is pure TypeScript and imports only src/domain (and pure parsers)`);
    }
    if (
      layer === "validation" &&
      (isExpress(edge) || isPrisma(edge) || inLayer(edge, "data", "services", "routes", "web", "app"))
    ) {
      out.push(`${where(edge)}: src/validation holds zod schemas only (no web, database, service or route)`);
    }
    if (layer === "data" && (isExpress(edge) || inLayer(edge, "services", "routes", "web", "app", "server", "cli"))) {
      out.push(`${where(edge)}: src/data imports no service, route, web glue or Express`);
    }
    if (layer === "routes" && isPrisma(edge)) {
      out.push(`${where(edge)}: routes reach the database through src/data only`);
    }
    if (layer === "routes" && inLayer(edge, "routes", "app", "server")) {
      out.push(`${where(edge)}: a route imports no other route nor the app (shared code belongs in services/ or web/)`);
    }
    if (layer !== "data" && layer !== "generated" && isPrisma(edge)) {
      out.push(`${where(edge)}: only src/data touches Prisma`);
    }
  }
  out.push(...clientCalls(tree), ...configLoadsNoDatabase(edges), ...cycles(edges));
  return [...new Set(out)];
}

/**
 * Routes and web glue get the Prisma client only through `db.run` or
 * `db.transaction` callbacks, so an import rule cannot see them use it: any
 * such call outside src/data is a query that belongs in src/data.
 */
function clientCalls(tree: Tree): string[] {
  const out: string[] = [];
  for (const [module, source] of tree) {
    if (!["routes", "web"].includes(layerOf(module))) continue;
    source.split("\n").forEach((text, index) => {
      if (/\bdb\s*\.\s*(run|transaction)\s*\(/.test(text.replace(/\/\/.*$/, ""))) {
        out.push(
          `${module}:${index + 1} calls the Prisma client (db.run/db.transaction): move the query into src/data`,
        );
      }
    });
  }
  return out;
}

/** Reading the configuration (src/config.ts) must not load a Prisma client or driver. */
function configLoadsNoDatabase(edges: Edge[]): string[] {
  const runtime = edges.filter((edge) => !edge.typeOnly && !edge.dynamic);
  const seen = new Set<string>(["src/config.ts"]);
  const stack = ["src/config.ts"];
  const out: string[] = [];
  while (stack.length > 0) {
    const module = stack.pop() as string;
    for (const edge of runtime.filter((e) => e.from === module)) {
      if (isPrisma(edge)) out.push(`${where(edge)}: loading src/config.ts loads the database client`);
      if (edge.to && !seen.has(edge.to)) {
        seen.add(edge.to);
        stack.push(edge.to);
      }
    }
  }
  return out;
}

/** Each strongly connected group of two or more modules (or a module importing itself), as a sorted list. */
function cycles(edges: Edge[]): string[] {
  const graph = new Map<string, Set<string>>();
  for (const edge of edges) {
    if (!edge.to) continue;
    if (!graph.has(edge.from)) graph.set(edge.from, new Set());
    graph.get(edge.from)?.add(edge.to);
  }
  // Tarjan's algorithm.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[] = [];
  let counter = 0;
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    if (group.length > 1 || graph.get(node)?.has(node)) out.push(`import cycle: ${group.sort().join(" ⇄ ")}`);
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return out;
}

describe("layers (docs/architecture.md)", () => {
  it("src/ keeps every layering rule and has no import cycle", () => {
    const tree = readTree();
    // The scan saw the tree: a broken walk or parser must not pass for a clean one.
    expect(tree.size).toBeGreaterThan(50);
    const { edges } = edgesOf(tree);
    expect(edges.filter((e) => e.from === "src/app.ts" && e.to?.startsWith("src/routes/")).length).toBeGreaterThan(5);
    expect(layerViolations(tree)).toEqual([]);
  });
});

describe("the layering checker", () => {
  const clean: [string, string][] = [
    ["src/domain/a.ts", 'import { b } from "./b.js";\nimport { Parser } from "csv-parse";\nexport const a = b;\n'],
    ["src/domain/b.ts", "export const b = 1;\n"],
    ["src/services/passwords.ts", "export const hash = 1;\n"],
    [
      "src/data/engine.ts",
      'import { PrismaClient } from "../generated/sqlite/client.js";\nexport const c = PrismaClient;\n',
    ],
    ["src/data/x.ts", 'import type { Database } from "./engine.js";\nimport { a } from "../domain/a.js";\n'],
    ["src/config.ts", 'import { z } from "zod";\nimport type { Database } from "./data/engine.js";\n'],
    [
      "src/web/deps.ts",
      'import type { Database } from "../data/engine.js";\nexport interface AppDeps { db: Database }\n',
    ],
    ["src/routes/r.ts", 'import type { AppDeps } from "../web/deps.js";\nimport { Router } from "express";\n'],
    ["src/app.ts", 'import { r } from "./routes/r.js";\nimport type { AppDeps } from "./web/deps.js";\n'],
  ];
  const check = (...extra: [string, string][]) => {
    const tree: Tree = new Map(clean);
    for (const [file, text] of extra) tree.set(file, `${tree.get(file) ?? ""}${text}`);
    return layerViolations(tree);
  };

  it("passes a clean tree", () => {
    expect(check()).toEqual([]);
  });

  it.each([
    ["src/domain/a.ts", 'import express from "express";\n', "src/domain is pure"],
    ["src/domain/a.ts", 'import { readFileSync } from "node:fs";\n', "src/domain is pure"],
    ["src/domain/a.ts", 'import type { Client } from "@prisma/client";\n', "src/domain is pure"],
    ["src/domain/a.ts", 'import nunjucks from "nunjucks";\n', "src/domain is pure"],
    ["src/domain/a.ts", 'import { x } from "../data/x.js";\n', "src/domain is pure"],
    ["src/validation/v.ts", 'import { Router } from "express";\n', "src/validation holds"],
    ["src/validation/v.ts", 'import { x } from "../data/x.js";\n', "src/validation holds"],
    ["src/validation/v.ts", 'import { r } from "../routes/r.js";\n', "src/validation holds"],
    ["src/data/x.ts", 'import { hash } from "../services/passwords.js";\n', "src/data imports no service"],
    ["src/data/x.ts", 'import type { Request } from "express";\n', "src/data imports no service"],
    ["src/data/x.ts", 'import type { AppDeps } from "../web/deps.js";\n', "src/data imports no service"],
    ["src/routes/r.ts", 'import { PrismaClient } from "../generated/sqlite/client.js";\n', "through src/data only"],
    ["src/routes/r.ts", 'import { Prisma } from "@prisma/client";\n', "through src/data only"],
    ["src/routes/r.ts", 'import { helper } from "./other.js";\n', "no other route"],
    ["src/routes/r.ts", 'import type { AppOptions } from "../app.js";\n', "no other route nor the app"],
    ["src/web/w.ts", 'import { PrismaPg } from "@prisma/adapter-pg";\n', "only src/data touches Prisma"],
    ["src/config.ts", 'import { engineOf } from "./data/engine.js";\n', "loading src/config.ts loads the database"],
    ["src/domain/b.ts", 'import { a } from "./a.js";\n', "import cycle: src/domain/a.ts ⇄ src/domain/b.ts"],
    ["src/web/deps.ts", 'import type { AppOptions } from "../app.js";\n', "import cycle"],
    ["src/data/x.ts", 'import { gone } from "./missing.js";\n', "no module under src/"],
    ["src/routes/r.ts", "const n = await db.run((c) => c.entity.count());\n", "move the query into src/data"],
    ["src/web/w.ts", "await deps.db.transaction(async (tx) => tx.user.delete({ where: { id } }));\n", "move the query"],
  ])("fails on %s adding %s", (file, line, message) => {
    const tree: Tree = new Map(clean);
    if (file === "src/routes/r.ts") tree.set("src/routes/other.ts", "export const helper = 1;\n");
    if (file === "src/validation/v.ts") tree.set(file, "");
    if (file === "src/web/w.ts") tree.set(file, "");
    tree.set(file, `${tree.get(file) ?? ""}${line}`);
    const found = layerViolations(tree);
    expect(
      found.some((violation) => violation.includes(message)),
      found.join("\n"),
    ).toBe(true);
  });

  it("sees imports written every way, and none inside strings, comments or templates", () => {
    const source = [
      'import a from "a";',
      'import * as b from "b";',
      'import { c1, type c2 } from "c";',
      'import { type d1, type d2 } from "d";',
      'import type { e } from "e";',
      'import f, { type f2 } from "f";',
      'import "g";',
      'export { h } from "h";',
      'export * from "i";',
      'export type { j } from "j";',
      "export type K = { k: 1 };",
      'const l = await import("l");',
      'type M = typeof import("m");',
      "import {",
      "  n1,",
      "  n2,",
      '} from "n";',
      '// import x from "comment";',
      '/* import y from "block"; */',
      "const s = \"import z from 'string'\";",
      "const t = `",
      'import("template")',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text for the scanner, not a template
      '${"nested" + `import("deeper")`}`;',
      'const r = /import\\("regex"\\)/.test(s);',
      'const q = url.replace(/^file:\\/\\//, "");',
      'import o = require("o");',
    ].join("\n");
    const seen = scanImports(source).map(
      (r) => `${r.specifier}${r.typeOnly ? " type" : ""}${r.dynamic ? " dynamic" : ""}`,
    );
    expect(seen).toEqual([
      "a",
      "b",
      "c",
      "d type",
      "e type",
      "f",
      "g",
      "h",
      "i",
      "j type",
      "l dynamic",
      "m type dynamic",
      "n",
      "o",
    ]);
  });

  it("refuses to guess on source it cannot lex", () => {
    expect(() => scanImports('import a from "a;\n')).toThrow(/unterminated string/);
  });
});
