import { describe, expect, it } from 'vitest';
import { collectSources, extractFigures, groundText, removeFigures } from '../src/grounding/index.js';
import { FIGURE_REMOVED } from '../src/grounding/gate.js';

/** The figures extraction finds, as written. */
const found = (text: string) => extractFigures(text).map((f) => f.text);
const pool = (...data: unknown[]) => collectSources(data.map((d, i) => ({ ref: `toolu_${i}`, data: d })));
const unverified = (text: string, ...data: unknown[]) => groundText(text, pool(...data)).unverified.map((f) => f.text);

describe('grounding: extracting figures', () => {
  it('finds amounts with currency, separators, decimals, signs, credits and scale suffixes', () => {
    expect(found('EC2 cost $1,234.56 and S3 cost $98,765.43.')).toEqual(['$1,234.56', '$98,765.43']);
    expect(found('a credit of -$50.00, a refund of ($12.30) and $-7.25')).toEqual(['-$50.00', '($12.30)', '$-7.25']);
    expect(found('about $1.2k, 3.4M requests, 2 billion bytes, 1,500 USD')).toEqual(['$1.2k', '3.4M', '2 billion', '1,500 USD']);
    expect(found('Total: *$812.40* (_12.5%_ up), 2.5x last month')).toEqual(['$812.40', '12.5%', '2.5x']);
    expect(found('usage 87 percent, down −3.2%')).toEqual(['87 percent', '−3.2%']);
  });

  it('values and tolerances follow what is written', () => {
    const [k, cents, pct] = extractFigures('$1.2k, $812.40, 12%');
    expect(k).toMatchObject({ value: 1200, tolerance: 50, kind: 'amount' });
    expect(cents).toMatchObject({ value: 812.4, kind: 'amount' });
    expect(cents!.tolerance).toBeCloseTo(0.005);
    expect(pct).toMatchObject({ value: 12, tolerance: 0.5, kind: 'percent' });
    expect(extractFigures('-$50.00')[0]!.value).toBe(50);
    expect(extractFigures('about $800')[0]!.approximate).toBe(true);
  });

  it('leaves out what is not a figure: dates, times, account ids, regions, instance types, ARNs, versions, ordinals', () => {
    const text = [
      'From 2026-11-01 to 2026-12-01 (11/30/2026, Nov 30, 30 November, 2026) at 09:30 UTC,',
      'account 123456789012 in us-east-1 and eu-west-2, ap-southeast-1;',
      'instances m5.large, c6g.2xlarge, t3.micro, i-0abc123def4567890, sg-0123456789abcdef0, vol-12345678;',
      'arn:aws:iam::123456789012:role/plainfra-readonly and arn:aws:s3:::logs-2024;',
      'engine PostgreSQL 15.4, version 1.2.3, TLS 1.2, Python 3.12, 10.0.0.0/16, port 3389 and port 22,',
      'EC2, S3, IPv6, the 1st and 2nd, 5xx errors, HTTP 404, top 20 services, the last 30 days, 12 months,',
      '<https://console.aws.amazon.com/cost-management/home#/dashboard?x=12345|the console> and <@U0123456>,',
      'Nov 29–30 and November 16 to 30, 16–30 November, 12th–19th Oct, 24/7, x86_64, CVE-2024-1234, us-east-1a, 7-day, 30-day,',
    ].join(' ');
    expect(found(text)).toEqual([]);
  });

  it('leaves out list markers and small bare counts, keeps larger counts', () => {
    expect(found('1. EC2\n2) S3\n3. 47 buckets\n- 3 accounts, 1,024 objects')).toEqual(['47', '1,024']);
  });
});

describe('grounding: checking figures against the AWS data', () => {
  const ce = {
    ResultsByTime: [
      {
        TimePeriod: { Start: '2026-10-01', End: '2026-11-01' },
        Total: { UnblendedCost: { Amount: '812.4012', Unit: 'USD' } },
        Estimated: false,
      },
      {
        TimePeriod: { Start: '2026-11-01', End: '2026-12-01' },
        Total: { UnblendedCost: { Amount: '954.5', Unit: 'USD' } },
        Estimated: true,
      },
    ],
  };

  it('accepts a figure present in a result, rounded as written, with or without separators', () => {
    expect(unverified('October: $812.40, November: $954.50 ($955, about $950, $0.95k).', ce)).toEqual([]);
    expect(unverified('We have 1,234 objects', { count: 1234 })).toEqual([]);
    expect(unverified('a credit of $50.00', { Amount: '-50.0' })).toEqual([]);
  });

  it('accepts sums, differences, ratios, percentage changes and column totals of figures present', () => {
    expect(unverified('Together $1,766.90', ce)).toEqual([]); // sum
    expect(unverified('up $142.10', ce)).toEqual([]); // difference
    expect(unverified('up 17.5% month over month', ce)).toEqual([]); // (954.5 − 812.4) / 812.4
    expect(unverified('October was 85.1% of November', ce)).toEqual([]); // ratio
    expect(unverified('1.17x October', ce)).toEqual([]); // multiple
    expect(
      unverified('three services: $1,100.00 in all', {
        totalsByGroup: [
          { group: 'EC2', c: 600 },
          { group: 'S3', c: 300 },
          { group: 'RDS', c: 200 },
        ],
      }),
    ).toEqual([]);
    expect(unverified('87.5% used', { UtilizationFraction: 0.875 })).toEqual([]); // fraction
    expect(unverified('23 instances', { Instances: Array.from({ length: 23 }, (_, i) => ({ id: `i-${i}` })) })).toEqual([]); // array length
  });

  it('rejects a figure that is in no result and no simple arithmetic of them', () => {
    expect(unverified('S3 cost $98,765.43 this month.', ce)).toEqual(['$98,765.43']);
    expect(unverified('up 40%', ce)).toEqual(['40%']);
    expect(unverified('$812.41', ce)).toEqual(['$812.41']); // a cent off 812.4012 at the precision written
  });

  it('a realistic cost answer passes whole; only the invented figure is caught', () => {
    const result = {
      totalsByGroup: [
        { group: 'Amazon Elastic Compute Cloud - Compute', UnblendedCost: 1234.56 },
        { group: 'Amazon Simple Storage Service', UnblendedCost: 98.1 },
        { group: 'Amazon Relational Database Service', UnblendedCost: 674.64 },
      ],
      estimatedPeriods: [{ Start: '2026-11-29', End: '2026-12-01' }],
    };
    const answer = [
      'Your top 3 services in November 2026 (UnblendedCost, account prod, us-east-1):',
      '1. *Amazon EC2*: $1,234.56 (61.5% of the total)',
      '2. *Amazon RDS*: $674.64',
      '3. *Amazon S3*: $98.10',
      'Total: *$2,007.30*. Nov 29–30 are estimated; m5.large instances dominate EC2.',
      'Lambda cost $12.00.',
    ].join('\n');
    expect(unverified(answer, result)).toEqual(['$12.00']);
  });

  it('reads numbers in the question and in text results (docs pages)', () => {
    const pages = collectSources([
      { ref: 'question', data: 'did we spend more than $5,000?' },
      { ref: 'toolu_docs', data: 'Each request costs $0.01.' },
    ]);
    expect(groundText('No: below $5,000; each request is $0.01.', pages).unverified).toEqual([]);
    const checked = groundText('$5,000', pages).figures[0]!;
    expect(checked).toMatchObject({ verified: true, rule: 'direct', refs: ['question'] });
  });

  it('names the call(s) that supplied a figure', () => {
    const p = pool({ a: '100.0' }, { b: '250.0' });
    expect(groundText('$350.00', p).figures[0]).toMatchObject({ rule: 'sum', refs: expect.arrayContaining(['toolu_0', 'toolu_1']) });
  });

  it('stays fast on a large conversation (bounded pools)', () => {
    const big = { rows: Array.from({ length: 30_000 }, (_, i) => ({ amount: String(i * 1.37), n: i })) };
    const text = Array.from({ length: 150 }, (_, i) => `$${(i * 7919.31).toFixed(2)}`).join(', ');
    const started = performance.now();
    groundText(text, pool(big));
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('grounding: removing figures', () => {
  it('replaces each unverified figure and every other spelling of its number', () => {
    const text = 'S3 cost *$98,765.43* (98765.43 USD) — see `98765.43`; EC2 $812.40.';
    const g = groundText(text, pool({ ec2: '812.4' }));
    const out = removeFigures(text, g.unverified);
    expect(out).not.toMatch(/98,?765/);
    expect(out).toContain(`*${FIGURE_REMOVED}*`);
    expect(out).toContain('$812.40');
    expect(extractFigures(out).map((f) => f.text)).toEqual(['$812.40']);
  });
});
