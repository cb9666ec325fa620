// report.html's stylesheet (light only: the canvas charts are drawn in fixed colours).

export const PAGE_CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f3f4f6;color:#111827;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:12px 16px 40px}
h1{font-size:20px;margin:0 0 2px}h2{font-size:17px;margin:0 0 10px}h3{font-size:14px;margin:14px 0 6px}
section,header.head{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:14px 18px;margin:12px 0}
header.head{display:flex;gap:18px;align-items:center;border-left-width:8px}
.verdict{font-size:26px;font-weight:800;letter-spacing:.04em;color:#fff;padding:10px 16px;border-radius:6px;min-width:150px;text-align:center}
.v-pass{border-left-color:#15803d}.v-pass .verdict{background:#15803d}
.v-fail{border-left-color:#b91c1c}.v-fail .verdict{background:#b91c1c}
.v-inconclusive{border-left-color:#b45309}.v-inconclusive .verdict{background:#b45309}
.v-invalid{border-left-color:#6b21a8}.v-invalid .verdict{background:#6b21a8}
.v-ungated{border-left-color:#4b5563}.v-ungated .verdict{background:#4b5563}
.headline{font-size:16px;font-weight:600;margin:4px 0}
.meta,.muted,.note{color:#6b7280}.note{font-size:12px;margin:4px 0 0}
.gate{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.synthetic{background:repeating-linear-gradient(-45deg,#fef3c7 0 14px,#fde68a 14px 28px);border:2px solid #d97706;color:#78350f;font-weight:700;font-size:16px;padding:10px 16px;border-radius:8px;margin:12px 0;text-align:center}
.alert{border-radius:6px;padding:8px 12px;margin:8px 0}.abort{background:#fff7ed;border:1px solid #fdba74;color:#9a3412}
.problems{border-color:#d8b4fe;background:#faf5ff}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{font-weight:600;background:#f9fafb}table.numbers td:not(:first-child){font-variant-numeric:tabular-nums}
td code,p code{font-size:12px;word-break:break-all}
.badge{display:inline-block;font-size:11px;font-weight:700;padding:1px 7px;border-radius:10px;white-space:nowrap}
.b-pass,.b-ok{background:#dcfce7;color:#166534}.b-fail,.b-failed{background:#fee2e2;color:#991b1b}
.b-inconclusive,.b-aborted,.b-timeout{background:#fef3c7;color:#92400e}.b-invalid,.b-cancelled{background:#f3e8ff;color:#6b21a8}
.b-info,.b-cached{background:#e0f2fe;color:#075985}.b-skipped,.b-ungated{background:#f3f4f6;color:#4b5563}
.warn{color:#b45309}
figure{margin:8px 0}
.chart text{font-size:12px;fill:#374151}.chart .tick{fill:#6b7280}.chart .val{font-size:10px;fill:#374151}.chart .lbl.muted{fill:#9ca3af}
.chart .grid{stroke:#e5e7eb;stroke-width:1}.chart .axis{stroke:#9ca3af;stroke-width:1}
.uplot-box{min-height:60px}.hint{font-size:12px;color:#6b7280;margin:2px 0 6px}
.u-legend{font-size:12px}.u-legend .u-value{font-variant-numeric:tabular-nums}
`;
