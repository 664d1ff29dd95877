import { isKind, toolInputOf, type AuditEvent } from '../audit/index.js';

/**
 * What a cost answer must say whatever the model wrote: the Cost Explorer metric its figures use,
 * whether credits and refunds are inside the totals or kept apart, and which periods AWS still
 * marks as estimated. Built from this turn's audited calls and results, so it is true of the data.
 */

const COST_OPERATIONS = new Set(['GetCostAndUsage', 'GetCostForecast']);

interface CostCall {
  operation: string;
  params: Record<string, unknown>;
  result: unknown;
}

function costCalls(trail: AuditEvent[], turnId: string): CostCall[] {
  const results = new Map(
    trail
      .filter(isKind('tool_result'))
      .filter((r) => r.payload.turnId === turnId && r.payload.status === 'ok')
      .map((r) => [r.payload.toolUseId, r.payload.result]),
  );
  const calls: CostCall[] = [];
  for (const r of trail.filter(isKind('tool_call'))) {
    const input = toolInputOf(r.payload.input);
    if (r.payload.turnId !== turnId || input.service !== 'ce' || !COST_OPERATIONS.has(String(input.operation))) continue;
    if (!results.has(r.payload.toolUseId)) continue;
    calls.push({ operation: String(input.operation), params: input.params ?? {}, result: results.get(r.payload.toolUseId) });
  }
  return calls;
}

/** Earliest start of a period Cost Explorer marked Estimated, from hawk's summary or the items. */
function estimatedFrom(result: unknown, depth = 0): string | undefined {
  if (depth > 8 || result === null || typeof result !== 'object') return undefined;
  let earliest: string | undefined;
  const consider = (d: unknown) => {
    if (typeof d === 'string' && /^\d{4}-\d{2}-\d{2}/.test(d) && (earliest === undefined || d < earliest)) earliest = d.slice(0, 10);
  };
  const obj = result as Record<string, unknown>;
  if (Array.isArray(obj.estimatedPeriods)) for (const p of obj.estimatedPeriods) consider((p as { Start?: unknown })?.Start);
  if (obj.Estimated === true) consider((obj.TimePeriod as { Start?: unknown } | undefined)?.Start);
  for (const v of Object.values(obj)) {
    if (v && typeof v === 'object') {
      const inner = estimatedFrom(v, depth + 1);
      if (inner) consider(inner);
    }
  }
  return earliest;
}

function chargeTypes(calls: CostCall[]): string {
  const usage = calls.filter((c) => c.operation === 'GetCostAndUsage');
  if (usage.length === 0) return '';
  const split = usage.every(
    (c) => JSON.stringify(c.params.GroupBy ?? []).includes('RECORD_TYPE') || JSON.stringify(c.params.Filter ?? {}).includes('RECORD_TYPE'),
  );
  return split
    ? 'usage, credits and refunds kept apart (by RECORD_TYPE)'
    : 'totals are net of credits and refunds (not split by charge type)';
}

export function costNote(trail: AuditEvent[], turnId: string): string {
  const calls = costCalls(trail, turnId);
  if (calls.length === 0) return '';
  const metrics = new Set<string>();
  for (const c of calls) {
    if (Array.isArray(c.params.Metrics)) for (const m of c.params.Metrics) metrics.add(String(m));
    if (typeof c.params.Metric === 'string') metrics.add(`${c.params.Metric} (forecast)`);
  }
  const parts = [`Cost Explorer ${[...metrics].join(', ') || 'costs'}`];
  const charges = chargeTypes(calls);
  if (charges) parts.push(charges);
  const estimated = calls
    .map((c) => estimatedFrom(c.result))
    .filter((d): d is string => d !== undefined)
    .sort()[0];
  let note = `${parts.join('; ')}.`;
  if (estimated) note += ` Figures from ${estimated} on are AWS estimates and may still change.`;
  return `\n\n_${note}_`;
}
