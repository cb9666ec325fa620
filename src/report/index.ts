// The reports: pure renderers from a GateResult (+ context) to the result dir's text files.

export type { ReportContext } from './context.js';
export { renderResultLog } from './result-log.js';
export {
  buildSummary,
  renderSummaryJson,
  toJsonNumber,
  SUMMARY_SCHEMA_VERSION,
  type JsonNumber,
  type SummaryJson,
  type SummaryCheck,
  type SummaryTraining,
  type SummaryMtBench,
  type SummaryStage,
} from './summary.js';
export { renderReportMarkdown, type ReportOptions } from './report-md.js';
export { commentMarker } from './marker.js';
export { renderJunit, xmlEscape } from './junit.js';
export { lossChart, lossChartMermaid, type LossChart } from './mermaid.js';
export * from './format.js';
