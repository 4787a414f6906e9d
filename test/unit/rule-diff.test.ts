// The rule diff between two moments of a project (src/domain/rule-diff.ts,
// docs/usage.md "Deployments and rule diff").
//
// Golden files: test/golden/diff/<case>.diff (the unified text); refresh on purpose with
//   UPDATE_GOLDEN=1 npx vitest run --project unit test/unit/rule-diff.test.ts
import { applyPatch, parsePatch } from "diff";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RULES_FILE_KINDS } from "../../src/domain/archive-names.js";
import { generateEntityIp6Rules } from "../../src/domain/ip6tables.js";
import { generateEntityRules } from "../../src/domain/iptables.js";
import { generateEntityNftRules } from "../../src/domain/nftables.js";
import {
  diffRuleFiles,
  type EntityRuleFiles,
  MAX_EDIT_LINES,
  rulesDiffer,
  unifiedRuleDiff,
} from "../../src/domain/rule-diff.js";
import type { EntityRulesInput, IncomingFlow } from "../../src/domain/types.js";
import { expectGolden } from "../support/golden.js";

const where = { project: "Acme", location: "Main site" };
const web = { address: "192.168.1.10", netmask: "255.255.255.255" };
const db = { address: "192.168.1.20", netmask: "255.255.255.255" };
const db6 = { address: "fd00:1::20", netmask: "128" };
const web6 = { address: "fd00:1::10", netmask: "128" };
const lan = { address: "10.1.0.0", netmask: "255.255.0.0" };

const tcp = (port: number, source = web, destination = db, description = ""): IncomingFlow => ({
  protocol: "TCP",
  port,
  description,
  source,
  destination,
});

/** Files of one entity, from the real generators. */
function filesOf(id: number, input: EntityRulesInput): EntityRuleFiles {
  return {
    id,
    name: input.entity.name,
    files: {
      iptables: generateEntityRules(input),
      ip6tables: generateEntityIp6Rules(input),
      nftables: generateEntityNftRules(input),
    },
  };
}

const entity = (name: string, incoming: IncomingFlow[], extra: Partial<EntityRulesInput> = {}) => ({
  entity: { name, ...where },
  incoming,
  ...extra,
});

/** A project of three entities: web (restricts outgoing), db, and a LAN that receives nothing. */
function project(dbPort: number): EntityRuleFiles[] {
  const flows = [
    tcp(5432, web, db, "PostgreSQL"),
    tcp(dbPort, web, db, "Backup agent"),
    tcp(22, lan, db, "SSH"),
    tcp(5432, web6, db6, "PostgreSQL"),
  ];
  return [
    filesOf(
      1,
      entity("web", [tcp(443, lan, web, "HTTPS")], {
        restrictOutgoing: true,
        outgoing: flows.filter((f) => f.source !== lan),
      }),
    ),
    filesOf(2, entity("db", flows)),
    filesOf(3, entity("Office LAN", [])),
  ];
}

/** Lines of a unified text that add or remove (not the --- / +++ headers). */
const changedLines = (text: string) => text.split("\n").filter((l) => /^[-+](?![-+]{2} )/.test(l));

describe("diffRuleFiles", () => {
  it("finds nothing between equal moments: every entity unchanged, empty unified text", () => {
    const diff = diffRuleFiles(project(9102), project(9102));
    expect(diff.counts).toEqual({ changed: 0, unchanged: 3, added: 0, removed: 0 });
    expect(diff.entities.every((e) => e.files.every((f) => !f.changed && f.unified === ""))).toBe(true);
    expect(unifiedRuleDiff(diff)).toBe("");
    expect(rulesDiffer(diff)).toBe(false);
  });

  it("a port changed on one flow: exactly that rule line, on the destination and on the source that restricts outgoing", () => {
    const diff = diffRuleFiles(project(9102), project(9103));
    expect(diff.counts).toEqual({ changed: 2, unchanged: 1, added: 0, removed: 0 });
    const status = Object.fromEntries(diff.entities.map((e) => [e.name, e.status]));
    expect(status).toEqual({ db: "changed", web: "changed", "Office LAN": "unchanged" });
    const files = (name: string) => diff.entities.find((e) => e.name === name)?.files ?? [];
    const [dbIp4, dbIp6, dbNft] = files("db");
    expect(changedLines(dbIp4?.unified ?? "")).toEqual([
      "--A INPUT -s 192.168.1.10 -d 192.168.1.20 -p tcp -m tcp --dport 9102 -j ACCEPT",
      "+-A INPUT -s 192.168.1.10 -d 192.168.1.20 -p tcp -m tcp --dport 9103 -j ACCEPT",
    ]);
    // An IPv4 flow: the IPv6 file does not change.
    expect(dbIp6?.changed).toBe(false);
    expect(changedLines(dbNft?.unified ?? "")).toEqual([
      "-        ip saddr 192.168.1.10 ip daddr 192.168.1.20 tcp dport 9102 accept",
      "+        ip saddr 192.168.1.10 ip daddr 192.168.1.20 tcp dport 9103 accept",
    ]);
    const [webIp4] = files("web");
    expect(changedLines(webIp4?.unified ?? "")).toEqual([
      "--A OUTPUT -s 192.168.1.10 -d 192.168.1.20 -p tcp -m tcp --dport 9102 -j ACCEPT",
      "+-A OUTPUT -s 192.168.1.10 -d 192.168.1.20 -p tcp -m tcp --dport 9103 -j ACCEPT",
    ]);
    expect(rulesDiffer(diff)).toBe(true);
    expectGolden("diff/port-change.diff", unifiedRuleDiff(diff));
  });

  it("an added, a removed and a renamed entity: /dev/null on the missing side, both names for the renamed one", () => {
    const before = project(9102);
    const [webFiles, dbFiles] = before;
    const renamed = filesOf(2, entity("database", [tcp(5432, web, db, "PostgreSQL")]));
    const added = filesOf(7, entity("backup", [tcp(873, db, { address: "192.168.1.30", netmask: "255.255.255.255" })]));
    const after = [webFiles as EntityRuleFiles, renamed, added];
    const diff = diffRuleFiles(before, after);
    expect(diff.counts).toEqual({ changed: 1, unchanged: 1, added: 1, removed: 1 });
    expect(diff.entities.map((e) => [e.name, e.status])).toEqual([
      ["Office LAN", "removed"],
      ["backup", "added"],
      ["database", "changed"],
      ["web", "unchanged"],
    ]);
    const database = diff.entities.find((e) => e.id === 2);
    expect(database?.oldName).toBe(dbFiles?.name);
    expect(database?.files.map((f) => [f.oldName, f.newName])).toEqual([
      ["db-iptables.conf", "database-iptables.conf"],
      ["db-ip6tables.conf", "database-ip6tables.conf"],
      ["db.nft", "database.nft"],
    ]);
    const text = unifiedRuleDiff(diff);
    expect(text).toContain("--- a/office_lan-iptables.conf\n+++ /dev/null\n@@ -1,");
    expect(text).toContain("--- /dev/null\n+++ b/backup.nft\n@@ -0,0 +1,");
    expectGolden("diff/entities.diff", text);
  });

  it("names files as the archive of each moment does: colliding slugs get the entity id", () => {
    const one = filesOf(4, entity("Web", []));
    const two = filesOf(9, entity("web", []));
    const changed = filesOf(9, entity("web", [tcp(80, lan, web)]));
    const diff = diffRuleFiles([one, two], [one, changed]);
    expect(diff.entities.find((e) => e.id === 9)?.files.map((f) => f.newName)).toEqual([
      "web-9-iptables.conf",
      "web-9-ip6tables.conf",
      "web-9.nft",
    ]);
  });

  it("keeps hostile names out of the headers: file names are slugs", () => {
    const evil = "x\n+++ b/../../etc/passwd\n@@ -1 +1 @@";
    const diff = diffRuleFiles([], [filesOf(5, entity(evil, []))]);
    const headers = unifiedRuleDiff(diff)
      .split("\n")
      .filter((l) => l.startsWith("+++ ") || l.startsWith("--- "));
    expect(headers).toHaveLength(6);
    for (const header of headers) expect(header).toMatch(/^(--- \/dev\/null|\+\+\+ b\/[a-z0-9._-]+)$/);
    expect(headers.join("\n")).not.toContain("..");
  });

  it("shows a change beyond MAX_EDIT_LINES lines as one hunk replacing the file, still a valid patch", () => {
    const lines = (prefix: string) =>
      Array.from({ length: MAX_EDIT_LINES + 10 }, (_, i) => `${prefix} ${i}`).join("\n");
    const oldText = `${lines("old")}\n`;
    const newText = `${lines("new")}\n`;
    const side = (text: string) => [{ id: 1, name: "big", files: { iptables: text, ip6tables: "", nftables: "" } }];
    const diff = diffRuleFiles(side(oldText), side(newText));
    const [file] = diff.entities[0]?.files ?? [];
    expect(file?.hunks).toHaveLength(1);
    expect(file?.hunks[0]?.header).toBe(`@@ -1,${MAX_EDIT_LINES + 10} +1,${MAX_EDIT_LINES + 10} @@`);
    expect([file?.removed, file?.added]).toEqual([MAX_EDIT_LINES + 10, MAX_EDIT_LINES + 10]);
    expect(applyPatch(oldText, parsePatch(file?.unified ?? "")[0] ?? "")).toBe(newText);
  });

  it("gives patches that turn the old file into the new one (random files)", () => {
    const line = fc.constantFrom("-A INPUT -j ACCEPT", "# comment", "", "COMMIT", "*filter", "a", "b");
    const text = fc
      .tuple(fc.array(line, { maxLength: 40 }), fc.boolean())
      .map(([ls, newline]) => ls.join("\n") + (newline && ls.length > 0 ? "\n" : ""));
    fc.assert(
      fc.property(text, text, (oldText, newText) => {
        const files = (t: string) => ({ iptables: t, ip6tables: t, nftables: t });
        const diff = diffRuleFiles(
          [{ id: 1, name: "e", files: files(oldText) }],
          [{ id: 1, name: "e", files: files(newText) }],
        );
        const [file] = diff.entities[0]?.files ?? [];
        if (oldText === newText) return file?.unified === "";
        const patch = parsePatch(file?.unified ?? "")[0];
        return patch !== undefined && applyPatch(oldText, patch) === newText;
      }),
    );
  });

  it("refuses a duplicate entity id and a missing file", () => {
    const one = filesOf(1, entity("a", []));
    expect(() => diffRuleFiles([one, { ...one, name: "b" }], [])).toThrow(RangeError);
    const broken = { id: 2, name: "b", files: { iptables: "x" } } as unknown as EntityRuleFiles;
    expect(() => diffRuleFiles([], [broken])).toThrow(/entity 2: the ip6tables file is missing/);
    expect(RULES_FILE_KINDS).toEqual(["iptables", "ip6tables", "nftables"]);
  });
});
