import { describe, expect, it } from 'vitest';
import { renderReportMarkdown } from '../../src/report/report-md.js';
import { renderResultLog } from '../../src/report/result-log.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderReportHtml } from '../../src/report/html.js';
import { byteSize } from '../../src/report/format.js';
import { COMMENT_LIMIT } from '../../src/constants.js';
import { CTX, invalidResult } from './results.js';
import type { GateResult } from '../../src/model.js';

function withTail(lines: string[], cause?: string): GateResult {
  const r = invalidResult();
  r.stages = [
    {
      id: 'train-baseline',
      title: 'Train Torch (baseline)',
      status: 'failed',
      reason: 'exited with code 2',
      exitCode: 2,
      log: 'torch_training.log',
      tail: lines,
      ...(cause ? { cause } : {}),
    },
    { id: 'train-candidate', title: 'Train TorchAcc (candidate)', status: 'skipped', reason: 'not started: the baseline training failed' },
  ];
  return r;
}

describe('failed-stage tails in the reports', () => {
  const tail = [
    'usage: run_clm.py [-h] [--fsdp {full_shard}]',
    "run_clm.py: error: argument --fsdp: invalid choice: 'x' (choose from 'full_shard')",
    '```</details><script>alert(1)</script>',
  ];
  it('report.md: a collapsible block whose fence and HTML the log cannot break', () => {
    const md = renderReportMarkdown(withTail(tail, "invalid choice 'x' for argument --fsdp"), CTX);
    expect(md).toContain("exited with code 2 — invalid choice 'x' for argument --fsdp");
    expect(md).toContain('<details><summary>Log tail of Train Torch (baseline): invalid choice &#39;x&#39; for argument --fsdp (torch_training.log)</summary>');
    expect(md).toContain('````text\nusage: run_clm.py');
    expect(md).toContain('```</details><script>alert(1)</script>\n````\n</details>');
  });

  it('report.md stays within the comment limit with huge tails', () => {
    const r = withTail(Array.from({ length: 30 }, (_, i) => `${i} ${'é'.repeat(300)}`));
    r.stages = Array.from({ length: 20 }, (_, i) => ({ ...r.stages[0]!, id: `s${i}`, title: `stage ${i}` }));
    const md = renderReportMarkdown(r, CTX);
    expect(byteSize(md)).toBeLessThan(COMMENT_LIMIT);
    expect(md).toContain('### Why stages failed');
  });

  it('result.log, junit and html carry the cause and the tail', () => {
    const r = withTail(tail, "invalid choice 'x' for argument --fsdp");
    const log = renderResultLog(r, CTX);
    expect(log).toMatch(/stage train-baseline\s+= FAILED \(exited with code 2 — invalid choice 'x' for argument --fsdp; log torch_training\.log\)/);
    expect(log).toContain("  | run_clm.py: error: argument --fsdp: invalid choice: 'x'");
    const junit = renderJunit(r, CTX);
    expect(junit).toMatch(/<error message="FAILED: exited with code 2 — invalid choice/);
    expect(junit).toContain('run_clm.py: error: argument --fsdp');
    const html = renderReportHtml(r, CTX, { uplotJs: '', uplotCss: '' });
    expect(html).toContain('<section id="tails">');
    expect(html).not.toContain('<script>alert(1)</script>');
  });
});
