import type { Figure } from './extract.js';
import type { SourcePool } from './sources.js';

/**
 * Whether a figure is supported by the source values, and by which rule (docs/grounding.md):
 *   direct      a source value rounds to it at the precision written (1.2k, $812, 87.5%)
 *   fraction    a percentage written from a fraction (0.875 → 87.5%)
 *   sum         a + b, two source values
 *   difference  a − b
 *   ratio       a / b, as a percentage (a is 25% of b) or a multiple (3.2×)
 *   change      (a − b) / b as a percentage, either direction (up 17.5%, down 12%)
 * Column totals and array lengths are source values already (sources.ts). Each figure costs at
 * most a few binary searches per pair operand: O(F · P · log N), with F, P and N capped.
 */

export type GroundingRule = 'direct' | 'fraction' | 'sum' | 'difference' | 'ratio' | 'change';

export interface CheckedFigure {
  figure: Figure;
  verified: boolean;
  rule?: GroundingRule;
  /** Who supplied the value(s): tool_use ids or `question`. */
  refs: string[];
}

/** How close counts for a figure written as an approximation ("about $800"). */
const APPROXIMATE_SHARE = 0.05;

export function checkFigure(figure: Figure, pool: SourcePool): CheckedFigure {
  const v = figure.value;
  // A hair over half a unit: binary fractions must not turn 0.125 → "0.13" into a miss.
  const t = Math.max(figure.tolerance, figure.approximate ? v * APPROXIMATE_SHARE : 0) * (1 + 1e-9) + 1e-9;
  const hit = (rule: GroundingRule, ...idx: { pool: 'values' | 'operands'; i: number }[]): CheckedFigure => ({
    figure,
    verified: true,
    rule,
    refs: [...new Set(idx.map(({ pool: p, i }) => pool.refNames[p === 'values' ? pool.refs[i]! : pool.operandRefs[i]!]!))],
  });

  let i = pool.find(v - t, v + t);
  if (i >= 0) return hit('direct', { pool: 'values', i });
  if (figure.kind === 'percent') {
    i = pool.find((v - t) / 100, (v + t) / 100);
    if (i >= 0) return hit('fraction', { pool: 'values', i });
  }
  const ops = pool.operands;
  for (let j = 0; j < ops.length; j++) {
    const b = ops[j]!;
    const op = { pool: 'operands' as const, i: j };
    if (figure.kind === 'percent') {
      i = pool.find(((v - t) * b) / 100, ((v + t) * b) / 100);
      if (i >= 0) return hit('ratio', { pool: 'values', i }, op);
      i = pool.find(b * (1 + (v - t) / 100), b * (1 + (v + t) / 100));
      if (i >= 0) return hit('change', { pool: 'values', i }, op);
      i = pool.find(b * (1 - (v + t) / 100), b * (1 - (v - t) / 100));
      if (i >= 0) return hit('change', { pool: 'values', i }, op);
    } else if (figure.kind === 'ratio') {
      i = pool.find((v - t) * b, (v + t) * b);
      if (i >= 0) return hit('ratio', { pool: 'values', i }, op);
    }
    if (v - b + t >= 0) {
      i = pool.find(v - b - t, v - b + t);
      if (i >= 0) return hit('sum', { pool: 'values', i }, op);
    }
    i = pool.find(v + b - t, v + b + t);
    if (i >= 0) return hit('difference', { pool: 'values', i }, op);
  }
  return { figure, verified: false, refs: [] };
}
