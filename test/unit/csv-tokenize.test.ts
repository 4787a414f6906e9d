// The CSV tokenizer (src/domain/csv/tokenize.ts): hostile input costs time in
// proportion to its size (compared as a ratio, never against a clock), the caps
// refuse with a message naming the line, and the work is cut into pieces the
// server can pause between.
import { describe, expect, it } from "vitest";
import {
  type CsvLimits,
  parseCsv,
  readCsvRowsSteps,
  runSteps,
  runStepsInSlices,
  tokenizeCsvSteps,
  WEB_CSV_LIMITS,
} from "../../src/domain/csv-import.js";
import { readCsvImport } from "../../src/validation/csv-import.js";

const UNLIMITED: CsvLimits = {
  maxBytes: Number.POSITIVE_INFINITY,
  maxRows: Number.POSITIVE_INFINITY,
  maxFields: Number.POSITIVE_INFINITY,
  maxFieldChars: Number.POSITIVE_INFINITY,
};

/** The best times of parsing two texts, runs interleaved: the least disturbed by other work on the machine. */
function bestTimes(a: string, b: string, limits: CsvLimits): [number, number] {
  const fastest: [number, number] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  for (let run = 0; run < 7; run++) {
    [a, b].forEach((text, i) => {
      const started = performance.now();
      parseCsv(text, limits);
      fastest[i] = Math.min(fastest[i] as number, performance.now() - started);
    });
  }
  return fastest;
}

const KIB = 1024;
// Shapes that made the old tokenizer (or a naive one) quadratic: quotes inside an
// unquoted field (11.8 s for 140 KB before), doubled quotes, separators, line
// ends; each with a size that takes csv-parse some milliseconds.
const HOSTILE: Record<string, { make: (bytes: number) => string; bytes: number }> = {
  "quotes inside an unquoted field": { make: (n) => `a,b\nx${'"'.repeat(n)}`, bytes: 128 * KIB },
  "doubled quotes inside a quoted field": { make: (n) => `a,"${'""'.repeat(n / 2)}"`, bytes: 128 * KIB },
  "separators only": { make: (n) => ",".repeat(n), bytes: 64 * KIB },
  "one separator per line": { make: (n) => ",\n".repeat(n / 2), bytes: 32 * KIB },
  "blank lines": { make: (n) => "\r\n".repeat(n / 2), bytes: 256 * KIB },
  "spaces before a quote": { make: (n) => `a,${" ".repeat(n)}"b"`, bytes: 128 * KIB },
};

describe("CSV tokenizer cost", () => {
  for (const [shape, { make, bytes }] of Object.entries(HOSTILE)) {
    it(`grows linearly with ${shape}`, () => {
      const small = make(bytes);
      const large = make(2 * bytes);
      parseCsv(small, UNLIMITED); // warm-up: compile the parser's hot paths first
      const [t1, t2] = bestTimes(small, large, UNLIMITED);
      // Linear: about 2×; quadratic would be about 4×. The margin absorbs a busy machine.
      expect(t2 / Math.max(t1, 1)).toBeLessThan(3);
    });
  }
});

describe("CSV caps", () => {
  it("refuses a document over the byte cap before reading it", () => {
    const text = `a,b\n${"x,y\n".repeat(300_000)}`;
    const steps = tokenizeCsvSteps(text, WEB_CSV_LIMITS);
    const first = steps.next();
    expect(first.done).toBe(true);
    expect(first.value).toEqual({
      records: [],
      error: {
        line: 1,
        message: "the CSV data is 1.1 MiB; at most 1 MiB can be imported at once, so split it into several imports",
      },
    });
  });

  it("counts bytes, not characters", () => {
    const limits = { ...WEB_CSV_LIMITS, maxBytes: 11 };
    expect(parseCsv("é,é,é,é", limits).error).toBeNull();
    expect(parseCsv("é,é,é,é,", limits).error?.message).toMatch(/^the CSV data is 12 bytes; at most 11 bytes/);
  });

  it("refuses the row after the last one allowed, naming its line", () => {
    const limits = { ...WEB_CSV_LIMITS, maxRows: 3 };
    expect(parseCsv("h\n1\n2\n\n3", limits).error).toBeNull();
    const { records, error } = parseCsv("h\n1\n2\n\n3\n4\n5", limits);
    expect(error).toEqual({
      line: 6,
      message: "more than 3 rows; at most 3 rows can be imported at once, so split the file",
    });
    expect(records).toHaveLength(4);
  });

  it("refuses a row with too many fields and a field that is too long", () => {
    expect(parseCsv(`a,b\n${",".repeat(100)}`, WEB_CSV_LIMITS).error).toEqual({
      line: 2,
      message: "101 fields; a row may have at most 100",
    });
    expect(parseCsv(`a,b,c\n1,"${"x".repeat(10_001)}",3`, WEB_CSV_LIMITS).error).toEqual({
      line: 2,
      message: "field 2 has 10,001 characters; a field may have at most 10,000",
    });
    expect(parseCsv(`a,b,c\n1,"${"x".repeat(10_000)}",3`, WEB_CSV_LIMITS).error).toBeNull();
  });

  it("refuses a megabyte of hostile shapes at once or parses it", () => {
    for (const { make } of Object.values(HOSTILE)) {
      const text = make(1024 * KIB - 16);
      const { error } = parseCsv(text, WEB_CSV_LIMITS);
      if (error) expect(error.line).toBeGreaterThanOrEqual(1);
    }
    expect(readCsvImport(",".repeat(1024 * KIB - 1)).errors[0]?.message).toBe(
      "1,048,576 fields; a row may have at most 100",
    );
  });
});

describe("CSV pieces", () => {
  it("yields many times on a large document, and gives the same result sliced or at once", async () => {
    const text = `a,b,c\n${'1,"two, ""2""",3\n'.repeat(40_000)}`;
    let yields = 0;
    const steps = tokenizeCsvSteps(text, { ...WEB_CSV_LIMITS, maxRows: 50_000 });
    let next = steps.next();
    while (!next.done) {
      yields++;
      next = steps.next();
    }
    // 680 KB in 2 KiB pieces: hundreds of places to pause.
    expect(yields).toBeGreaterThan(300);
    expect(next.value.error).toBeNull();
    expect(next.value.records).toHaveLength(40_001);

    let pauses = 0;
    const sliced = await runStepsInSlices(
      tokenizeCsvSteps(text, { ...WEB_CSV_LIMITS, maxRows: 50_000 }),
      async () => {
        pauses++;
      },
      0,
    );
    expect(pauses).toBe(yields);
    expect(sliced).toEqual(runSteps(tokenizeCsvSteps(text, { ...WEB_CSV_LIMITS, maxRows: 50_000 })));
    const rows = runSteps(
      readCsvRowsSteps(
        `source entity,source address,destination entity,destination address,protocol,port\n${"a,1.1.1.1,b,1.1.1.2,TCP,22\n".repeat(2000)}`,
      ),
    );
    expect(rows.errors).toEqual([]);
    expect(rows.rows).toHaveLength(2000);
  });

  it("keeps line numbers across pieces, CR LF, blank lines and quoted line breaks", () => {
    const filler = "x".repeat(9000);
    const { records, error } = parseCsv(`a,b\r\n\r\n"${filler}\r\nmore",1\r\n\r\n\r\nlast,"é\n😀"\r\nz,z`);
    expect(error).toBeNull();
    expect(records.map((r) => r.line)).toEqual([1, 3, 7, 9]);
    expect(records[2]?.fields).toEqual(["last", "é\n😀"]);
    expect(parseCsv(`a,b\n\n"${filler}\n"x"y,2\n`).error).toEqual({
      line: 4,
      message: "unexpected text after a closing quote",
    });
  });
});
