// CSV import of communications, the way a spreadsheet holds them: one row per
// flow, both ends given by entity name and address (docs/cli.md, import-csv).
// Pure, in three steps, each in src/domain/csv/:
//   tokenize.ts  text → records with line numbers (csv-parse, with caps)
//   columns.ts   header → columns, records → raw rows by column
//   plan.ts      validated rows + the project's state → what to create
//                (interfaces.ts: which interface a row's end means)
// Field validation between columns and plan is src/validation/csv-import.ts;
// the data layer (src/data/csv-import.ts) applies a plan in one transaction.
// Each step is a generator (csv/steps.ts) so the server can pause between pieces.
export {
  CSV_COLUMNS,
  type CsvColumn,
  csvColumnOf,
  type RawCsvRow,
  REQUIRED_CSV_COLUMNS,
  readCsvRows,
  readCsvRowsSteps,
} from "./csv/columns.js";
export {
  type CsvEndpoint,
  type CsvFlowFields,
  type CsvImportOptions,
  type CsvImportPlan,
  type CsvImportState,
  type CsvPlanResult,
  type CsvRow,
  type InterfaceKey,
  planCsvImport,
  planCsvImportSteps,
  sortLineErrors,
} from "./csv/plan.js";
export { runSteps, runStepsInSlices, type Steps } from "./csv/steps.js";
export {
  CLI_CSV_LIMITS,
  type CsvLimits,
  type CsvRecord,
  detectDelimiter,
  formatBytes,
  formatSizeOver,
  type LineError,
  parseCsv,
  tokenizeCsvSteps,
  WEB_CSV_LIMITS,
} from "./csv/tokenize.js";
