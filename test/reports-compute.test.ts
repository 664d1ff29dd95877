import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsQueryRunner } from '../src/tools/aws/index.js';
import { computeReport, reportBundle, type BundleResult } from '../src/reports/index.js';
import type { BundleKey } from '../src/reports/bundle.js';
import {
  SAMPLE_ACCOUNT,
  assumeRoleHandler,
  pagedJson,
  sampleFindings,
  startFakeAws,
  type FakeAws,
  type RecordedRequest,
} from './fakes/aws.js';
import { startTestRunner, type TestRunner } from './helpers/hawk-runner.js';

const PREFIX = `test:reports:${process.pid}:`;
const TODAY = new Date('2024-06-04T09:30:00Z');
/** Two regions: hawk fans the Security Hub calls out to both and merges the counts. */
const account = {
  accountName: SAMPLE_ACCOUNT.accountName,
  roleArn: SAMPLE_ACCOUNT.roleArn,
  externalId: SAMPLE_ACCOUNT.externalId,
  regions: ['us-east-1', 'eu-west-1'],
};
const EVIL_TITLE = '<!channel> <@U1> <https://evil|x>';

/** Per-service unblended cost: [this week, last week]. */
const WEEKS: Record<string, [number, number]> = {
  'Amazon Elastic Compute Cloud - Compute': [700, 600],
  'Amazon Relational Database Service': [300.5, 320.25],
  'Amazon Simple Storage Service': [120.1, 100],
  'AWS Lambda': [50, 0],
  'Amazon CloudFront': [45, 60],
  AmazonCloudWatch: [30, 25],
  'Amazon DynamoDB': [20, 20],
  'AWS Key Management Service': [10, 9],
  'Amazon Simple Notification Service': [5, 4],
  'Amazon Simple Queue Service': [3, 2],
  'Amazon Route 53': [1.5, 1.5],
  Tax: [0, 0],
  'AWS Glue': [0, 40],
};

/** Day `i` (0-based) of the current week's share of a service's weekly cost: rising through the week. */
const DAY_SHARE = [0.1, 0.12, 0.13, 0.14, 0.15, 0.17, 0.19];

/**
 * GetCostAndUsage as CE answers it: a MONTHLY query over a week that crosses a month end gives two
 * partial periods, a DAILY one a period per day; amounts as strings with CE's long decimals,
 * zero-cost groups included.
 */
function costAnswer(req: RecordedRequest) {
  const start: string = req.json.TimePeriod.Start;
  const end: string = req.json.TimePeriod.End;
  const col = start === '2024-05-28' ? 0 : 1;
  if (req.json.Granularity === 'DAILY') return dailyCostAnswer(start, col);
  const split = col === 0 ? '2024-06-01' : undefined;
  const periods = split
    ? [
        [start, split, 4 / 7],
        [split, end, 3 / 7],
      ]
    : [[start, end, 1]];
  return {
    result: {
      GroupDefinitions: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
      DimensionValueAttributes: [],
      ResultsByTime: periods.map(([s, e, share], k) => ({
        TimePeriod: { Start: s, End: e },
        Total: {},
        Estimated: true,
        Groups: Object.entries(WEEKS)
          .filter(([, v]) => v[col] > 0 || k === 0)
          .map(([service, v]) => {
            const first = Math.round(v[col] * (4 / 7) * 1e8) / 1e8;
            const amount = periods.length === 1 ? v[col] : k === 0 ? first : v[col] - first;
            void share;
            return { Keys: [service], Metrics: { UnblendedCost: { Amount: amount.toFixed(10), Unit: 'USD' } } };
          }),
      })),
    },
  };
}

function dailyCostAnswer(start: string, col: 0 | 1) {
  const day = (i: number) => new Date(Date.parse(`${start}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10);
  return {
    result: {
      GroupDefinitions: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
      DimensionValueAttributes: [],
      ResultsByTime: DAY_SHARE.map((share, i) => ({
        TimePeriod: { Start: day(i), End: day(i + 1) },
        Total: {},
        Estimated: true,
        Groups: Object.entries(WEEKS).map(([service, v]) => {
          // The last day takes the rounding remainder, so the days add up to the week exactly.
          const before = DAY_SHARE.slice(0, i).reduce((sum, x) => sum + Math.round(v[col] * x * 1e8) / 1e8, 0);
          const amount = i === DAY_SHARE.length - 1 ? v[col] - before : Math.round(v[col] * share * 1e8) / 1e8;
          return { Keys: [service], Metrics: { UnblendedCost: { Amount: amount.toFixed(10), Unit: 'USD' } } };
        }),
      })),
    },
  };
}

const anomalies = [
  {
    AnomalyId: 'a-1',
    AnomalyStartDate: '2024-05-30',
    AnomalyEndDate: '2024-06-01',
    DimensionValue: 'AWS Lambda',
    MonitorArn: 'arn:aws:ce::123456789012:anomalymonitor/m1',
    AnomalyScore: { MaxScore: 40, CurrentScore: 10 },
    Impact: { MaxImpact: 20, TotalImpact: 48.256, TotalActualSpend: 50, TotalExpectedSpend: 1.75, TotalImpactPercentage: 2757 },
    RootCauses: [{ Service: 'AWS Lambda', Region: 'us-east-1', UsageType: 'Lambda-GB-Second', LinkedAccount: '123456789012' }],
  },
  {
    AnomalyId: 'a-2',
    AnomalyStartDate: '2024-06-01',
    DimensionValue: 'Amazon Simple Storage Service',
    MonitorArn: 'arn:aws:ce::123456789012:anomalymonitor/m1',
    AnomalyScore: { MaxScore: 10, CurrentScore: 5 },
    Impact: { MaxImpact: 5, TotalImpact: 12.5 },
    RootCauses: [{ Service: 'Amazon Simple Storage Service', Region: 'eu-west-1' }],
  },
  {
    AnomalyId: 'a-3',
    AnomalyStartDate: '2024-06-02',
    DimensionValue: 'Amazon Elastic Compute Cloud - Compute',
    MonitorArn: 'arn:aws:ce::123456789012:anomalymonitor/m1',
    AnomalyScore: { MaxScore: 70, CurrentScore: 70 },
    Impact: { MaxImpact: 80, TotalImpact: 99.999 },
    RootCauses: [],
  },
  {
    AnomalyId: 'a-4',
    AnomalyStartDate: '2024-06-03',
    MonitorArn: 'arn:aws:ce::123456789012:anomalymonitor/m1',
    AnomalyScore: { MaxScore: 1, CurrentScore: 1 },
    Impact: { MaxImpact: 1, TotalImpact: 1 },
  },
];

/** A finding of the fake's sample, with the two fields criticalFindings reads. */
type SampleFinding = Record<string, unknown> & { Severity: { Label: string }; Title: string };

function criticalFindings(n: number) {
  return (sampleFindings(n * 20) as SampleFinding[])
    .filter((f) => f.Severity.Label === 'CRITICAL')
    .map((f, i) => ({ ...f, Title: i === 0 ? EVIL_TITLE : f.Title, CreatedAt: '2024-06-02T10:00:00.000Z' }));
}

let fake: FakeAws;
let hawk: TestRunner;
let redis: Redis;
let runner: AwsQueryRunner;
let seq = 0;

/** Runs the whole bundle through the real runner, as the lead's flow will, and maps outcomes to BundleResults. */
async function collect(): Promise<Partial<Record<BundleKey, BundleResult>>> {
  const out: Partial<Record<BundleKey, BundleResult>> = {};
  const ctx = { conversationId: `digest-${process.pid}-${++seq}`, teamId: 'T0TEAM', userId: 'U0DIGEST' };
  for (const { key, input } of reportBundle(account.accountName, TODAY)) {
    const outcome = await runner.run(account, ctx, input);
    out[key] =
      outcome.status === 'ok'
        ? { ok: true, result: outcome.result }
        : { ok: false, message: outcome.status === 'refused' ? outcome.reason : outcome.message };
  }
  return out;
}

beforeAll(async () => {
  fake = await startFakeAws({
    handlers: {
      'sts:AssumeRole': assumeRoleHandler({ externalId: SAMPLE_ACCOUNT.externalId }),
      'ce:GetCostAndUsage': costAnswer,
      'ce:GetCostForecast': (req) => ({
        result: {
          Total: { Amount: '1520.3349871', Unit: 'USD' },
          ForecastResultsByTime: [
            {
              TimePeriod: req.json.TimePeriod,
              MeanValue: '1520.3349871',
              PredictionIntervalLowerBound: '1400',
              PredictionIntervalUpperBound: '1600',
            },
          ],
        },
      }),
      'ce:GetAnomalies': pagedJson(anomalies, 100, { listKey: 'Anomalies', tokenIn: 'NextPageToken' }),
      'securityhub:GetFindings': (req) =>
        req.json?.Filters?.SeverityLabel
          ? pagedJson(criticalFindings(7), 100, { listKey: 'Findings' })(req)
          : pagedJson(sampleFindings(200), 100, { listKey: 'Findings' })(req),
    },
  });
  hawk = startTestRunner(fake, PREFIX);
  ({ runner, redis } = hawk);
});

afterAll(async () => {
  await hawk?.close();
  await fake.close();
});

describe('computeReport on real shaped results (fake AWS → createAwsQueryRunner)', () => {
  it('sends the bundle as hawk reads it: CE windows, Security Hub filters, fan-out over the regions', async () => {
    const results = await collect();
    for (const k of ['cost_this', 'cost_prev', 'forecast', 'anomalies', 'findings', 'new_critical'] as const)
      expect(results[k]?.ok, k).toBe(true);
    const ce = fake.requestsFor('ce:GetCostAndUsage').map((r) => [r.json.TimePeriod, r.json.Granularity]);
    expect(ce).toEqual(
      expect.arrayContaining([
        [{ Start: '2024-05-28', End: '2024-06-04' }, 'DAILY'],
        [{ Start: '2024-05-21', End: '2024-05-28' }, 'MONTHLY'],
      ]),
    );
    // Four Cost Explorer requests for the account's bundle, none paginated.
    expect(fake.requests.filter((r) => r.service === 'ce')).toHaveLength(4);
    expect(fake.requestsFor('ce:GetCostForecast')[0]!.json.TimePeriod).toEqual({ Start: '2024-06-04', End: '2024-07-01' });
    expect(fake.requestsFor('ce:GetAnomalies')[0]!.json.DateInterval).toEqual({ StartDate: '2024-05-28', EndDate: '2024-06-03' });
    const hub = fake.requestsFor('securityhub:GetFindings');
    expect(new Set(hub.map((r) => r.region))).toEqual(new Set(['us-east-1', 'eu-west-1']));
    expect(hub[0]!.json.Filters.WorkflowStatus).toEqual([
      { Value: 'NEW', Comparison: 'EQUALS' },
      { Value: 'NOTIFIED', Comparison: 'EQUALS' },
    ]);
    const crit = hub.find((r) => r.json.Filters.SeverityLabel)!;
    expect(crit.json.Filters.CreatedAt).toEqual([{ Start: '2024-05-28T00:00:00.000Z', End: '2024-06-04T00:00:00.000Z' }]);
  });

  it('computes per-service deltas, the top-8 + Other rows, totals, forecast, anomalies and finding counts', async () => {
    const report = computeReport(account.accountName, TODAY, await collect());
    expect(report.problems).toEqual([]);
    expect(report.account).toBe('acme-prod');
    expect(report.period).toEqual({
      current: { start: '2024-05-28', end: '2024-06-03' },
      previous: { start: '2024-05-21', end: '2024-05-27' },
    });
    expect(report.currency).toBe('USD');

    const cost = report.cost!;
    expect(cost.rows.map((r) => r.service)).toEqual([
      'Amazon Elastic Compute Cloud - Compute',
      'Amazon Relational Database Service',
      'Amazon Simple Storage Service',
      'AWS Lambda',
      'Amazon CloudFront',
      'AmazonCloudWatch',
      'Amazon DynamoDB',
      'AWS Key Management Service',
      'Other (4 services)',
    ]);
    expect(cost.rows[0]).toEqual({
      service: 'Amazon Elastic Compute Cloud - Compute',
      current: 700,
      previous: 600,
      delta: 100,
      deltaPct: 16.7,
    });
    expect(cost.rows[1]).toEqual({
      service: 'Amazon Relational Database Service',
      current: 300.5,
      previous: 320.25,
      delta: -19.75,
      deltaPct: -6.2,
    });
    expect(cost.rows[2]).toMatchObject({ current: 120.1, previous: 100, delta: 20.1, deltaPct: 20.1 });
    // New this week: no base to compare with.
    expect(cost.rows[3]).toMatchObject({ current: 50, previous: 0, delta: 50, deltaPct: null });
    expect(cost.rows[6]).toMatchObject({ current: 20, previous: 20, delta: 0, deltaPct: 0 });
    // SNS 5 + SQS 3 + Route 53 1.5 + Glue 0 | 4 + 2 + 1.5 + 40; Tax is zero both weeks and left out.
    expect(cost.rows[8]).toEqual({ service: 'Other (4 services)', current: 9.5, previous: 47.5, delta: -38, deltaPct: -80 });
    expect(cost.totalThis).toBe(1285.1);
    expect(cost.totalPrev).toBe(1181.75);
    expect(cost.delta).toBe(103.35);
    expect(cost.deltaPct).toBe(8.7);
    // The table adds up to the totals, to the cent.
    const cents = (xs: number[]) => Math.round(xs.reduce((s, x) => s + x * 100, 0));
    expect(cents(cost.rows.map((r) => r.current))).toBe(cents([cost.totalThis]));
    expect(cents(cost.rows.map((r) => r.previous))).toBe(cents([cost.totalPrev]));

    expect(report.forecast).toEqual({ amount: 1520.33, start: '2024-06-04', end: '2024-06-30' });

    // The daily chart's data, from the same DAILY answer hawk summed for the table: the top 5
    // services by the week's cost, the other 7 with a cost as one series, every day of the week.
    const daily = report.daily!;
    expect(daily.days).toEqual(['2024-05-28', '2024-05-29', '2024-05-30', '2024-05-31', '2024-06-01', '2024-06-02', '2024-06-03']);
    expect(daily.series.map((x) => x.service)).toEqual([
      'Amazon Elastic Compute Cloud - Compute',
      'Amazon Relational Database Service',
      'Amazon Simple Storage Service',
      'AWS Lambda',
      'Amazon CloudFront',
      'Other (8 services)',
    ]);
    expect(daily.series[0]!.values).toEqual([70, 84, 91, 98, 105, 119, 133]);
    // The days add up to the table's total within hawk's rounding (each day's amount to the cent).
    const perDay = daily.days.map((_, d) => cents(daily.series.map((x) => x.values[d]!)));
    expect(Math.abs(perDay.reduce((a, b) => a + b, 0) - cents([cost.totalThis]))).toBeLessThanOrEqual(
      (daily.days.length * daily.series.length) / 2,
    );
    expect(perDay[0]).toBe(cents(Object.values(WEEKS).map(([now]) => now * 0.1)));

    expect(report.anomalies!.count).toBe(4);
    expect(report.anomalies!.top.map((a) => a.impact)).toEqual([100, 48.26, 12.5, 1]);
    expect(report.anomalies!.top[1]!.description).toBe('AWS Lambda in us-east-1 (Lambda-GB-Second) account 123456789012 since 2024-05-30');
    expect(report.anomalies!.top[0]!.description).toBe('Amazon Elastic Compute Cloud - Compute since 2024-06-02');
    expect(report.anomalies!.top[3]!.description).toBe('since 2024-06-03');

    // 200 sample findings per region (1/3/6/6/4 in every 20), two regions.
    expect(report.findings).toEqual({ bySeverity: { CRITICAL: 20, HIGH: 60, MEDIUM: 120, LOW: 120, INFORMATIONAL: 80 }, total: 400 });
    // 7 critical findings per region.
    expect(report.newCriticalCount).toBe(14);
    // hawk's result budget keeps only the first critical findings verbatim; the count stays exact.
    expect(report.newCritical!.length).toBeGreaterThanOrEqual(5);
    expect(report.newCritical!.length).toBeLessThanOrEqual(14);
    expect(report.newCritical![0]).toEqual({
      title: EVIL_TITLE,
      resource: 'arn:aws:ec2:us-east-1:123456789012:security-group/sg-00000000',
    });
  });

  it('a failed call leaves its section null with the reason in problems; the rest still computes', async () => {
    fake.handle('securityhub:GetFindings', (req) =>
      req.json?.Filters?.SeverityLabel
        ? { error: { code: 'AccessDeniedException', message: 'not authorized to perform securityhub:GetFindings', status: 403 } }
        : req.region === 'eu-west-1'
          ? { error: { code: 'InvalidAccessException', message: 'Account is not subscribed to AWS Security Hub', status: 401 } }
          : pagedJson(sampleFindings(40), 100, { listKey: 'Findings' })(req),
    );
    // Drop hawk's Cost Explorer cache so the forecast call really goes out again.
    const cached = await redis.keys(`${PREFIX}*`);
    if (cached.length) await redis.del(...cached);
    fake.handle('ce:GetCostForecast', () => ({
      error: { code: 'DataUnavailableException', message: 'Insufficient amount of historical data to generate forecast.' },
    }));
    const results = await collect();
    expect(results.new_critical?.ok).toBe(false);
    expect(results.forecast?.ok).toBe(false);
    const report = computeReport(account.accountName, TODAY, results);
    expect(report.newCritical).toBeNull();
    expect(report.newCriticalCount).toBeNull();
    expect(report.forecast).toBeNull();
    expect(report.cost?.totalThis).toBe(1285.1);
    // One region of two answered: counts from it, and a problem naming the other.
    expect(report.findings).toEqual({ bySeverity: { CRITICAL: 2, HIGH: 6, MEDIUM: 12, LOW: 12, INFORMATIONAL: 8 }, total: 40 });
    expect(report.problems.some((p) => p.startsWith('Cost forecast: '))).toBe(true);
    expect(report.problems.some((p) => p.startsWith('New critical findings: '))).toBe(true);
    expect(report.problems.some((p) => p.startsWith('Security Hub findings: eu-west-1 could not be read'))).toBe(true);
    expect(report.problems).toHaveLength(3);
  });
});

describe('computeReport on odd or partial results', () => {
  const ok = (result: unknown): BundleResult => ({ ok: true, result });
  const groups = (n: number, base: number) =>
    Array.from({ length: n }, (_, i) => ({ group: `svc-${String(i).padStart(2, '0')}`, UnblendedCost: base - i }));

  it("folds hawk's otherGroups tail and a cut-short breakdown into the Other row so the table still adds up", () => {
    const report = computeReport('a', TODAY, {
      cost_this: ok({
        grandTotal: { UnblendedCost: { Amount: 1000, Unit: 'EUR' } },
        totalsByGroup: [...groups(20, 40), '… 3 more not shown'],
        otherGroups: { groups: 5, UnblendedCost: 12.34 },
      }),
      // Last week's list was cut by hawk's size budget: the gap to the grand total is unattributed.
      cost_prev: ok({ grandTotal: { UnblendedCost: { Amount: 900, Unit: 'EUR' } }, totalsByGroup: groups(10, 30) }),
    });
    const cost = report.cost!;
    expect(report.currency).toBe('EUR');
    expect(cost.rows).toHaveLength(9);
    expect(cost.rows[0]).toEqual({ service: 'svc-00', current: 40, previous: 30, delta: 10, deltaPct: 33.3 });
    expect(cost.rows[8]!.service).toBe('Other (17 services)'); // 12 named + 5 in this week's tail
    expect(cost.totalThis).toBe(1000);
    expect(cost.totalPrev).toBe(900);
    const sum = (k: 'current' | 'previous') => Math.round(cost.rows.reduce((s, r) => s + r[k] * 100, 0)) / 100;
    expect(sum('current')).toBe(1000);
    expect(sum('previous')).toBe(900);
  });

  it('tolerates cent rounding between groups and the grand total, garbage fields, and missing sections', () => {
    const report = computeReport('a', TODAY, {
      cost_this: ok({
        grandTotal: { UnblendedCost: { Amount: 10.01 } },
        totalsByGroup: [
          { group: 'A', UnblendedCost: 3.33 },
          { group: 'B', UnblendedCost: 6.67 },
          { group: 'C', UnblendedCost: 'NaN' },
          null,
          { UnblendedCost: 5 },
        ],
      }),
      cost_prev: ok({ grandTotal: { UnblendedCost: { Amount: '0', Unit: 'USD' } } }),
      forecast: ok({ Total: { Amount: 'soon' } }),
      anomalies: ok({ items: [{ Impact: {} }, 'x'] }),
      findings: ok({ count: 'many', by: { severity: { critical: 1, HIGH: 'two', '(none)': 4 } } }),
      new_critical: ok('nope'),
    });
    expect(report.cost!.rows.map((r) => [r.service, r.current, r.previous, r.deltaPct])).toEqual([
      ['B', 6.67, 0, null],
      ['A', 3.33, 0, null],
    ]);
    expect(report.cost!.totalThis).toBe(10);
    expect(report.cost!.deltaPct).toBeNull();
    expect(report.forecast).toBeNull();
    expect(report.anomalies).toEqual({ count: 1, top: [{ description: 'unnamed anomaly', impact: 0 }] });
    expect(report.findings).toEqual({ bySeverity: { CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0 }, total: 1 });
    expect(report.newCritical).toBeNull();
    expect(report.problems).toEqual([
      'Cost forecast: no forecast amount in the result.',
      'New critical findings: the result was not an object.',
    ]);
    for (const v of [report.cost!.totalThis, report.cost!.delta, ...report.cost!.rows.flatMap((r) => [r.current, r.previous, r.delta])])
      expect(Number.isFinite(v)).toBe(true);
  });

  it('with nothing collected, every section is null and each says why; one cost week alone is not a table', () => {
    const none = computeReport('a', TODAY, {});
    expect([none.cost, none.forecast, none.anomalies, none.findings, none.newCritical]).toEqual([null, null, null, null, null]);
    expect(none.problems).toHaveLength(6);
    const one = computeReport('a', TODAY, {
      cost_this: ok({ grandTotal: { UnblendedCost: { Amount: 5, Unit: 'USD' } } }),
      cost_prev: { ok: false, message: 'Throttled' },
    });
    expect(one.cost).toBeNull();
    expect(one.problems).toContain('Cost previous period: Throttled');
    expect(one.problems).toContain('Cost table: needs both periods to compare, so it is left out.');
  });
});
