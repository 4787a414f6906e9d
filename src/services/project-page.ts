// The project page's model (docs/usage.md "Project page"): its rows, the DOT of
// its diagram and the report's counts. Building it reads every entity and flow
// of the project, writes the DOT and runs the report; the page shows 100 flows.
// So the model is kept per project until the data changes: dataRevision
// (src/data/history.ts) is the data revision, which database triggers bump in
// every write to a content table, whoever the writer; the day is part of the
// key too, since flows expire by date. The diagram's state is asked anew on
// every request (a render may have finished since), from the kept DOT.
import { loadAnalysisModel } from "../data/analysis.js";
import { diagramInput } from "../data/diagrams.js";
import type { Database } from "../data/engine.js";
import { getProjectPage, type ProjectPage } from "../data/entities.js";
import { dataRevision } from "../data/history.js";
import { buildProjectDot } from "../domain/dot.js";
import { todayUtc } from "../domain/expiry.js";
import { buildReport } from "../domain/report.js";

/** Communications the project page lists at most; the communications list pages through all of them. */
export const PROJECT_PAGE_COMMUNICATIONS = 100;
/** Up to this many flows the project page counts the report's findings on its link (a few milliseconds per hundred flows). */
export const REPORT_COUNT_MAX_FLOWS = 3000;

export interface ProjectPageModel extends ProjectPage {
  /** All of the project's flows (the page lists the first PROJECT_PAGE_COMMUNICATIONS). */
  communicationCount: number;
  dot: string;
  reportCounts: { errors: number; warnings: number } | null;
}

interface Kept {
  key: string;
  model: Promise<ProjectPageModel>;
}

async function build(db: Database, projectId: number, today: string): Promise<ProjectPageModel> {
  const page = await getProjectPage(db, projectId);
  const dot = buildProjectDot(diagramInput(page));
  const model = page.communications.length <= REPORT_COUNT_MAX_FLOWS ? await loadAnalysisModel(db, projectId) : null;
  const report = model === null ? null : buildReport(model, today);
  return {
    ...page,
    // Only what the page shows is kept.
    communications: page.communications.slice(0, PROJECT_PAGE_COMMUNICATIONS),
    communicationCount: page.communications.length,
    dot,
    reportCounts: report === null ? null : { errors: report.errors, warnings: report.warnings },
  };
}

/** The project pages' models, the most recently used `limit` projects of them. */
export class ProjectPages {
  private readonly kept = new Map<number, Kept>();

  constructor(
    private readonly db: Database,
    private readonly limit = 8,
  ) {}

  async get(projectId: number): Promise<ProjectPageModel> {
    const today = todayUtc();
    const key = `${await dataRevision(this.db)}@${today}`;
    const hit = this.kept.get(projectId);
    this.kept.delete(projectId);
    if (hit?.key === key) {
      this.kept.set(projectId, hit);
      return hit.model;
    }
    const model = build(this.db, projectId, today);
    const entry = { key, model };
    this.kept.set(projectId, entry);
    for (const oldest of this.kept.keys()) {
      if (this.kept.size <= this.limit) break;
      this.kept.delete(oldest);
    }
    // A failed build is not kept: the next request tries again.
    model.catch(() => {
      if (this.kept.get(projectId) === entry) this.kept.delete(projectId);
    });
    return model;
  }
}
