import { describe, expect, it } from 'vitest';
import { accountScopeOf, refusalFor } from '../src/tools/aws/index.js';
import { awsQueryInput } from '../src/queues/catalog.js';
import { reportBundle } from '../src/reports/index.js';
import { BUNDLE_KEYS } from '../src/reports/bundle.js';
import { importsOf, violations } from './helpers/import-graph.js';

const byKey = (today: Date) => Object.fromEntries(reportBundle('acme-prod', today).map((c) => [c.key, c.input]));

describe('reportBundle', () => {
  it('has one call per bundle key, each for the account and accepted by hawk (refusalFor) and the tool schema', () => {
    for (const today of [new Date('2024-06-04T09:30:00Z'), new Date('2024-02-29T23:59:59Z'), new Date('2024-12-31T00:00:00Z')]) {
      const calls = reportBundle('acme-prod', today);
      expect(calls.map((c) => c.key)).toEqual([...BUNDLE_KEYS]);
      for (const { key, input } of calls) {
        expect(input.account, key).toBe('acme-prod');
        expect(refusalFor(input), key).toBeUndefined();
        // …also once pinned to the bound account (no ARN or owner of another account in the bundle).
        expect(refusalFor(input, accountScopeOf('acme-prod', 'arn:aws:iam::123456789012:role/plainfra-readonly')), key).toBeUndefined();
        expect(awsQueryInput.safeParse(input).success, key).toBe(true);
      }
    }
  });

  it('uses the last 7 full UTC days (DAILY, for the daily chart) and the 7 before them (MONTHLY), CE end exclusive, by SERVICE', () => {
    // 23:30 in New York on the 3rd is already the 4th in UTC.
    const calls = byKey(new Date('2024-06-03T23:30:00-04:00'));
    expect(calls.cost_this!.params).toEqual({
      TimePeriod: { Start: '2024-05-28', End: '2024-06-04' },
      Granularity: 'DAILY',
      Metrics: ['UnblendedCost'],
      GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
    });
    expect(calls.cost_prev!.params!.TimePeriod).toEqual({ Start: '2024-05-21', End: '2024-05-28' });
    expect(calls.anomalies!.params).toEqual({ DateInterval: { StartDate: '2024-05-28', EndDate: '2024-06-03' } });
    expect(calls.forecast!.params).toEqual({
      TimePeriod: { Start: '2024-06-04', End: '2024-07-01' },
      Metric: 'UNBLENDED_COST',
      Granularity: 'MONTHLY',
    });
  });

  it('forecasts from today to the first of next month, which on the last day of a month is [today, today+1)', () => {
    expect(byKey(new Date('2024-01-31T12:00:00Z')).forecast!.params!.TimePeriod).toEqual({ Start: '2024-01-31', End: '2024-02-01' });
    expect(byKey(new Date('2024-02-29T12:00:00Z')).forecast!.params!.TimePeriod).toEqual({ Start: '2024-02-29', End: '2024-03-01' });
    expect(byKey(new Date('2024-12-31T12:00:00Z')).forecast!.params!.TimePeriod).toEqual({ Start: '2024-12-31', End: '2025-01-01' });
    expect(byKey(new Date('2025-03-01T00:00:00Z')).cost_this!.params!.TimePeriod).toEqual({ Start: '2025-02-22', End: '2025-03-01' });
  });

  it('asks Security Hub for open findings, and for critical ones created during the reported week', () => {
    const calls = byKey(new Date('2024-06-04T09:30:00Z'));
    const open = {
      RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
      WorkflowStatus: [
        { Value: 'NEW', Comparison: 'EQUALS' },
        { Value: 'NOTIFIED', Comparison: 'EQUALS' },
      ],
    };
    expect(calls.findings).toEqual({ account: 'acme-prod', service: 'securityhub', operation: 'GetFindings', params: { Filters: open } });
    expect(calls.findings!.region).toBeUndefined(); // hawk fans out over the account's regions
    expect(calls.new_critical!.params).toEqual({
      Filters: {
        ...open,
        SeverityLabel: [{ Value: 'CRITICAL', Comparison: 'EQUALS' }],
        CreatedAt: [{ Start: '2024-05-28T00:00:00.000Z', End: '2024-06-04T00:00:00.000Z' }],
      },
      SortCriteria: [{ Field: 'CreatedAt', SortOrder: 'desc' }],
    });
  });
});

describe('src/reports stays pure', () => {
  it('reaches no SDK (AWS, LLM, Slack) and nothing under src/tools/aws', () => {
    expect(violations('src/reports/index.ts', [/^@aws-sdk\//, /^@smithy\//, /^@anthropic-ai\//, /^@slack\//])).toEqual([]);
    expect(violations('src/bot/report-message.ts', [/^@aws-sdk\//, /^@smithy\//, /^@anthropic-ai\//, /^@slack\//])).toEqual([]);
  });

  it('report-message imports only ./safe-text.js and ../reports/index.js', () => {
    expect(new Set(importsOf('src/bot/report-message.ts').static)).toEqual(new Set(['./safe-text.js', '../reports/index.js']));
  });
});
