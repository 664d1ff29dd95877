import { lastToolResults, type MessagesRequestBody, type Turn } from '../fakes/anthropic.js';
import type { FakeReply } from '../fakes/aws.js';

/**
 * The cost question the end-to-end tests and benchmarks ask: the scripted model's Cost Explorer
 * call, the fake AWS's answer, and the amount the model reads back out of hawk's tool result.
 */

export interface CostPeriod {
  Start: string;
  End: string;
}

/**
 * The model's first step: one `ce:GetCostAndUsage` call for monthly unblended cost over `period`.
 * `more` adds or overrides parameters (a DAILY granularity, a GroupBy, a Filter).
 */
export function costQueryTurn(period: CostPeriod, more: Record<string, unknown> = {}): Turn {
  const params = { TimePeriod: period, Granularity: 'MONTHLY', Metrics: ['UnblendedCost'], ...more };
  return { toolUse: [{ name: 'aws_query', input: { service: 'ce', operation: 'GetCostAndUsage', params } }] };
}

/** The first amount in the last tool result (hawk's shaped Cost Explorer answer), if there is one. */
export function quotedAmount(body: MessagesRequestBody): string | undefined {
  const result = String(lastToolResults(body)[0]?.content ?? '');
  return /"(?:Amount|amount|total)"\s*:\s*"?(\d+(?:\.\d+)?)/.exec(result)?.[1];
}

/** Cost Explorer's answer for one ungrouped MONTHLY period: a total unblended cost in USD. */
export function monthlyCostReply(period: CostPeriod, amount: string, estimated: boolean): FakeReply {
  return {
    result: {
      ResultsByTime: [{ TimePeriod: period, Total: { UnblendedCost: { Amount: amount, Unit: 'USD' } }, Groups: [], Estimated: estimated }],
      DimensionValueAttributes: [],
    },
  };
}
