// Known vulnerabilities of the production dependencies, for CI (.ci/run) and
// contributors: `npm run audit` runs `npm audit --omit=dev --audit-level=high`
// and exits 1 listing every high or critical advisory. When the registry's audit
// endpoint cannot be asked (offline, a mirror that answers 405) it prints one
// line saying so and why, and exits 0: the audit did not run, nothing was found
// wanting. Output it does not recognise is a failure, so a skip never hides findings.
import { execFile } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

const projectRoot = fileURLToPath(new URL("..", import.meta.url));

export interface AuditRun {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface AuditReport {
  vulnerabilities: Record<string, { name: string; severity: string; via: unknown[]; range?: string }>;
  metadata: { vulnerabilities: Record<string, number> };
}

const TIME_LIMIT_MS = 60_000;
const FAILING = ["high", "critical"];

function runAudit(): Promise<AuditRun> {
  return new Promise((resolve) => {
    execFile(
      "npm",
      ["audit", "--omit=dev", "--audit-level=high", "--json", "--fetch-retries=1", "--fetch-timeout=20000"],
      {
        cwd: projectRoot,
        timeout: TIME_LIMIT_MS,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, NO_UPDATE_NOTIFIER: "1" },
      },
      (error, stdout, stderr) => {
        const err = error as (NodeJS.ErrnoException & { killed?: boolean; code?: unknown }) | null;
        resolve({
          code: err ? (typeof err.code === "number" ? err.code : null) : 0,
          stdout,
          stderr,
          timedOut: Boolean(err?.killed),
        });
      },
    );
  });
}

const NETWORK =
  /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ESOCKETTIMEDOUT|ENETUNREACH|EHOSTUNREACH|ERR_SOCKET_TIMEOUT|FETCH_ERROR|CERT_[A-Z_]+|UNABLE_TO_[A-Z_]+|SELF_SIGNED_CERT[A-Z_]*)\b|network request .* failed|request to \S+ failed|audit endpoint returned an error/i;

/** Why the audit could not be asked, or null when the output is a report (or an error we do not recognise). */
export function unreachableReason(run: AuditRun, parsed: unknown): string | null {
  if (run.timedOut) return `npm audit did not answer within ${TIME_LIMIT_MS / 1000} s`;
  const value = parsed as {
    statusCode?: unknown;
    message?: unknown;
    error?: { code?: unknown; summary?: unknown };
  } | null;
  if (isReport(value)) return null;
  if (value && typeof value.statusCode === "number" && value.statusCode >= 400) {
    return `the registry's audit endpoint answered ${value.statusCode}: ${String(value.message ?? "")}`;
  }
  const text = `${run.stdout}\n${run.stderr}\n${String(value?.error?.code ?? "")} ${String(value?.error?.summary ?? "")}`;
  const match = NETWORK.exec(text);
  return match ? `the registry could not be reached (${match[0]})` : null;
}

export function isReport(value: unknown): value is AuditReport {
  const v = value as Partial<AuditReport> | null;
  return Boolean(v && typeof v === "object" && v.metadata?.vulnerabilities && v.vulnerabilities);
}

/** One line per vulnerable package: name, severity, range and the advisories behind it. */
export function describeFindings(report: AuditReport, severities: string[] = FAILING): string[] {
  return Object.values(report.vulnerabilities)
    .filter((v) => severities.includes(v.severity))
    .map((v) => {
      const via = v.via
        .map((x) =>
          typeof x === "string"
            ? `via ${x}`
            : `${(x as { title?: string }).title ?? "?"} ${(x as { url?: string }).url ?? ""}`,
        )
        .join("; ");
      return `${v.name} (${v.severity}, ${v.range ?? "?"}): ${via}`;
    });
}

/** What to print and the exit code, from one run of npm audit. */
export function verdict(run: AuditRun): { code: number; lines: string[] } {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(run.stdout);
  } catch {
    parsed = null;
  }
  const reason = unreachableReason(run, parsed);
  if (reason) return { code: 0, lines: [`audit: could not run, ${reason}`] };
  if (!isReport(parsed)) {
    return {
      code: 1,
      lines: [`audit: npm audit gave no report (exit ${run.code}):`, run.stdout.trim(), run.stderr.trim()],
    };
  }
  const findings = describeFindings(parsed);
  const counts = parsed.metadata.vulnerabilities;
  const failing = FAILING.reduce((n, severity) => n + (counts[severity] ?? 0), 0);
  if (findings.length > 0 || failing > 0) {
    return {
      code: 1,
      lines: [`audit: ${failing} high or critical advisories in production dependencies:`, ...findings],
    };
  }
  return { code: 0, lines: [`audit: no high or critical advisory (${counts.total ?? 0} below that level)`] };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = verdict(await runAudit());
  for (const line of result.lines) if (line) console.log(line);
  process.exitCode = result.code;
}
