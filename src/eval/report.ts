import type { CaseResult, EvalReport } from './run.js';

const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;
const usd = (x: number | null) => (x === null ? 'n/a' : `$${x.toFixed(4)}`);

export function formatCaseLine(r: CaseResult): string {
  const t = r.tokens;
  const lines = [
    `${r.pass ? 'PASS' : 'FAIL'}  ${r.name}  (${r.topic})  steps ${r.steps}  ` +
      `tokens in ${t.input} / out ${t.output} / cache read ${t.cacheRead} / cache write ${t.cacheCreation}  cost ${usd(r.costUsd)}`,
  ];
  if (r.missing.length) lines.push(`      missing figures: ${r.missing.join(', ')}`);
  if (r.unverified.length) {
    const fate = r.removed ? ` — ${r.removed} removed from the answer` : ' — corrected after being sent back';
    lines.push(`      unverified figures (grounding): ${r.unverified.join(', ')}${fate}`);
  }
  if (r.outcome !== 'answer') lines.push(`      turn ended: ${r.outcome}`);
  const misses = r.awsCalls.filter((c) => !c.recorded);
  if (misses.length)
    lines.push(`      AWS calls the case did not record: ${misses.map((c) => `${c.operation} ${JSON.stringify(c.params)}`).join('; ')}`);
  if (r.error) lines.push(`      error: ${r.error}`);
  return lines.join('\n');
}

export function formatReport(report: EvalReport, minScore: number): string {
  const t = report.tokens;
  return [
    ...report.cases.map(formatCaseLine),
    '',
    `model ${report.model}: ${report.passed}/${report.cases.length} passed (${pct(report.score)}; required ${pct(minScore)})`,
    `tokens: input ${t.input}, output ${t.output}, cache read ${t.cacheRead}, cache write ${t.cacheCreation}; ` +
      `estimated cost ${usd(report.costUsd)} (list prices, src/eval/prices.ts)`,
    `${report.seconds.toFixed(1)} s`,
  ].join('\n');
}
