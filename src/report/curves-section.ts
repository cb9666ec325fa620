// The comment's loss-curves section: both arms' smoothed training loss (curves-chart.ts) and, when
// evaluations ran during training, their eval loss. Below the gap chart; it gives way first when
// the comment runs out of room (the gap chart is what is gated, the curves are context).
import type { GateResult } from '../model.js';
import { mdText } from './markdown.js';
import { curvesChart, evalCurvesChart, CURVE_POINTS } from './curves-chart.js';
import { byteSize, formatNumber } from './format.js';

export function curvesSection(r: GateResult, maxPoints = CURVE_POINTS): (budget: number) => string {
  return (budget) => {
    const chart = curvesChart(r, maxPoints);
    if (!chart) return '';
    const base = mdText(r.labels.baseline, 80);
    const cand = mdText(r.labels.candidate, 80);
    const legend = `Orange: ${base} (baseline). Blue: ${cand} (candidate).`;
    const notes = chart.notes.map((n) => `- ${mdText(n, 300)}\n`).join('');
    const loss =
      `### Loss curves\n\n\`\`\`mermaid\n${chart.source}\n\`\`\`\n\n` +
      `${legend} Training loss, EMA-smoothed (α = ${formatNumber(chart.alpha, 3)}) as the loss-curve check does, ` +
      `at ${chart.points} evenly spaced steps from ${formatNumber(chart.from)} to ${formatNumber(chart.to)}.\n` +
      (notes ? `\n${notes}` : '');
    if (byteSize(loss) > budget) return '';
    const evals = evalCurvesChart(r);
    if (!evals) return loss;
    const evalText =
      `\n\`\`\`mermaid\n${evals.source}\n\`\`\`\n\n` +
      `${legend} Eval loss of the evaluations during training (not smoothed), at ${evals.steps.length} of the steps both arms evaluated.\n`;
    return byteSize(loss + evalText) <= budget ? loss + evalText : loss;
  };
}
