/**
 * Scripted models for `plainfra eval` tests and the token benchmark (bench/eval-tokens.ts). They
 * run on the fake Messages server (test/fakes/anthropic.ts) and work from the case data: they ask
 * hawk for every recorded call (at most six per step, as the sentinel allows), then answer.
 * "right" states the case's expected figures; "wrong" states a different value for each.
 */
import type { EvalCase, RecordedCall } from '../src/eval/cases.js';
import { parseExpected } from '../src/eval/score.js';
import { MAX_AWS_CALLS_PER_STEP } from '../src/agents/tool-calls.js';
import { firstUserText, type ReceivedRequest, type Turn } from './fakes/anthropic.js';

/** Periods a recorded Cost Explorer response covers: the request a model would send for it. */
function cePeriod(call: RecordedCall): { Start: string; End: string } {
  const periods = ((call.response?.ResultsByTime ?? []) as { TimePeriod: { Start: string; End: string } }[]).map((r) => r.TimePeriod);
  return periods.length ? { Start: periods[0]!.Start, End: periods.at(-1)!.End } : { Start: '2026-10-01', End: '2026-11-01' };
}

/** A complete aws_query input for a recorded call (its params are only what a request must contain). */
export function requestFor(call: RecordedCall): { service: string; operation: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = structuredClone(call.params ?? {});
  const op = `${call.service}:${call.operation}`;
  if (op === 'ce:GetCostAndUsage') {
    const filter = params.Filter as { Dimensions?: { Key: string; Values?: string[] } } | undefined;
    if (filter?.Dimensions && !filter.Dimensions.Values) filter.Dimensions.Values = ['Amazon Elastic Compute Cloud - Compute'];
    Object.assign(params, { TimePeriod: cePeriod(call), Granularity: params.Granularity ?? 'MONTHLY', Metrics: ['UnblendedCost'] });
  } else if (op === 'ce:GetCostForecast')
    Object.assign(params, { TimePeriod: { Start: '2026-11-01', End: '2026-12-01' }, Metric: 'UNBLENDED_COST', Granularity: 'MONTHLY' });
  else if (op === 'ce:GetAnomalies') Object.assign(params, { DateInterval: { StartDate: '2026-10-01', EndDate: '2026-10-31' } });
  else if (op === 'ce:GetSavingsPlansUtilization') Object.assign(params, { TimePeriod: { Start: '2026-10-01', End: '2026-11-01' } });
  return { service: call.service, operation: call.operation, params };
}

/** A value that is none of the case's expected figures: what a model that gets it wrong states. */
export function wrongFigure(text: string): string {
  const e = parseExpected(text);
  const v = e.value * 10 + 7;
  if (e.percent) return `${v.toFixed(1)}%`;
  return text.includes('$')
    ? `$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
    : String(Math.round(v));
}

export type ScriptedKind = 'right' | 'wrong';

/** The fake server's script: finds the case by its question, then calls and answers as above. */
export function scriptedModel(cases: EvalCase[], kind: ScriptedKind): (req: ReceivedRequest) => Turn {
  return (req) => {
    const asked = firstUserText(req.body);
    const c = cases.find((x) => asked.includes(x.question));
    if (!c) return { text: 'I do not know this question.' };
    const calls = c.recorded.map(requestFor);
    const batches = Math.ceil(calls.length / MAX_AWS_CALLS_PER_STEP);
    const step = req.assistantTurns;
    if (step < batches && req.body.tool_choice && (req.body.tool_choice as { type: string }).type !== 'none') {
      return {
        toolUse: calls
          .slice(step * MAX_AWS_CALLS_PER_STEP, (step + 1) * MAX_AWS_CALLS_PER_STEP)
          .map((input) => ({ name: 'aws_query', input })),
      };
    }
    const figures = kind === 'right' ? c.expect : c.expect.map(wrongFigure);
    return { text: `From the AWS data for "${c.topic}": ${figures.map((f) => `*${f}*`).join(', ')}.` };
  };
}
