// How `npm run audit` (scripts/audit.ts) reads npm audit's answer: the audit
// itself runs in CI, never in vitest. A refused or unreachable endpoint is the
// one case that exits 0 without a report; it must never hide findings.
import { describe, expect, it } from "vitest";
import {
  type AuditReport,
  type AuditRun,
  describeFindings,
  isReport,
  unreachableReason,
  verdict,
} from "../../scripts/audit.js";

const run = (stdout: string, stderr = "", code: number | null = 1): AuditRun => ({
  code,
  stdout,
  stderr,
  timedOut: false,
});
const findings: AuditReport = {
  vulnerabilities: {
    "bad-lib": {
      name: "bad-lib",
      severity: "critical",
      range: "<2.0.0",
      via: [{ title: "Prototype pollution", url: "https://github.com/advisories/GHSA-x" }],
    },
    "uses-bad": { name: "uses-bad", severity: "high", range: "*", via: ["bad-lib"] },
    "meh-lib": { name: "meh-lib", severity: "moderate", range: "*", via: [] },
  },
  metadata: { vulnerabilities: { info: 0, low: 0, moderate: 1, high: 1, critical: 1, total: 3 } },
};
const refused = {
  message: "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
  statusCode: 405,
};

describe("reading npm audit's answer", () => {
  it("treats a report with findings as an answer, and lists the high and critical ones", () => {
    expect(unreachableReason(run(JSON.stringify(findings)), findings)).toBeNull();
    expect(isReport(findings)).toBe(true);
    expect(describeFindings(findings)).toEqual([
      "bad-lib (critical, <2.0.0): Prototype pollution https://github.com/advisories/GHSA-x",
      "uses-bad (high, *): via bad-lib",
    ]);
  });

  it("treats a report whose text mentions a network word as an answer too", () => {
    const tricky = {
      ...findings,
      vulnerabilities: { x: { name: "x", severity: "high", via: [{ title: "ECONNRESET handling" }] } },
    };
    expect(unreachableReason(run(JSON.stringify(tricky)), tricky)).toBeNull();
  });

  it("recognises an endpoint that refuses, a registry that cannot be reached, and a time-out", () => {
    expect(unreachableReason(run(JSON.stringify(refused)), refused)).toMatch(/answered 405/);
    const offline = {
      error: {
        code: "ENOTFOUND",
        summary: "request to https://registry.npmjs.org/-/npm/v1/security/advisories/bulk failed",
      },
    };
    expect(unreachableReason(run(JSON.stringify(offline)), offline)).toMatch(/could not be reached/);
    expect(unreachableReason(run("", "npm error code EAI_AGAIN"), null)).toMatch(/EAI_AGAIN/);
    expect(unreachableReason({ ...run(""), timedOut: true }, null)).toMatch(/did not answer/);
  });

  it("does not skip on output it does not recognise", () => {
    expect(unreachableReason(run("not json", "npm error something else"), null)).toBeNull();
    expect(isReport(null)).toBe(false);
  });
});

describe("the verdict of npm run audit", () => {
  it("fails on high or critical findings and lists them", () => {
    const result = verdict(run(JSON.stringify(findings)));
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([
      "audit: 2 high or critical advisories in production dependencies:",
      "bad-lib (critical, <2.0.0): Prototype pollution https://github.com/advisories/GHSA-x",
      "uses-bad (high, *): via bad-lib",
    ]);
  });

  it("passes a report with only moderate findings", () => {
    const moderate: AuditReport = {
      vulnerabilities: { "meh-lib": { name: "meh-lib", severity: "moderate", range: "*", via: [] } },
      metadata: { vulnerabilities: { moderate: 1, high: 0, critical: 0, total: 1 } },
    };
    expect(verdict(run(JSON.stringify(moderate), "", 0))).toEqual({
      code: 0,
      lines: ["audit: no high or critical advisory (1 below that level)"],
    });
  });

  it("says in one line that the audit could not run, and why, when the endpoint refuses (exit 0)", () => {
    const result = verdict(run(JSON.stringify(refused), "npm error audit endpoint returned an error"));
    expect(result.code).toBe(0);
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]).toMatch(/^audit: could not run, the registry's audit endpoint answered 405/);
  });

  it("fails on output that is neither a report nor a refusal", () => {
    expect(verdict(run("{}", "npm error code EWHATEVER")).code).toBe(1);
  });
});
