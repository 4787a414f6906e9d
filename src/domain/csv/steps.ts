// Long CSV work (tokenizing, validating and planning up to a megabyte of rows)
// is written as generators that yield between small pieces of work. Run to the
// end at once (`runSteps`, the command line), or with a pause whenever a slice
// has taken its time budget (`runStepsInSlices`, the web server), so one import
// never holds the event loop (docs/architecture.md). The pause is injected:
// the domain stays free of timers and I/O.

/** Work that yields between pieces and returns T. */
export type Steps<T> = Generator<void, T, void>;

/** Runs the work to the end without pausing. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Runs the work, awaiting `pause()` each time a slice has run for `budgetMs`. */
export async function runStepsInSlices<T>(steps: Steps<T>, pause: () => Promise<unknown>, budgetMs = 10): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    if (performance.now() - sliceStart >= budgetMs) {
      await pause();
      sliceStart = performance.now();
    }
  }
}
