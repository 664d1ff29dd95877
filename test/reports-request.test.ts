import { describe, expect, it } from 'vitest';
import { parseReportFlags, parseReportText, reportBundle, reportUsage, REPORT_PERIODS, REPORT_WHATS } from '../src/reports/index.js';
import { BUNDLE_KEYS } from '../src/reports/bundle.js';
import { parseReportWords } from '../src/reports/request.js';
import { reportPeriods } from '../src/reports/dates.js';

describe('report request grammar: [cost|security|all] [7d|30d|mtd|last-month] [account NAME]', () => {
  it('defaults to all 7d for every bound account', () => {
    expect(parseReportText('')).toEqual({ ok: true, request: { what: 'all', period: '7d' } });
    expect(parseReportText('   ')).toEqual({ ok: true, request: { what: 'all', period: '7d' } });
  });

  it('takes the words in any order, keywords in any case, the account name as written', () => {
    const want = { ok: true, request: { what: 'cost', period: 'mtd', account: 'Prod-EU.1' } };
    expect(parseReportText('cost mtd account Prod-EU.1')).toEqual(want);
    expect(parseReportText('account Prod-EU.1 MTD Cost')).toEqual(want);
    expect(parseReportText('  mtd\taccount  Prod-EU.1 cost ')).toEqual(want);
    expect(parseReportText('last-month')).toEqual({ ok: true, request: { what: 'all', period: 'last-month' } });
    expect(parseReportText('security')).toEqual({ ok: true, request: { what: 'security', period: '7d' } });
    // Saying the same thing twice is not a conflict.
    expect(parseReportText('cost cost 30d 30d')).toEqual({ ok: true, request: { what: 'cost', period: '30d' } });
  });

  it('answers help (and -h, --help, ?) with the usage, not a problem', () => {
    for (const h of ['help', 'HELP', '-h', '--help', '?', 'cost help']) expect(parseReportText(h)).toEqual({ ok: false, help: true });
  });

  it('refuses unknown words, a second scope or period, and account without a valid name, saying which', () => {
    expect(parseReportText('banana')).toEqual({ ok: false, help: false, problem: 'I don\'t know the word "banana"' });
    expect(parseReportText('cost 7days')).toMatchObject({ ok: false, problem: 'I don\'t know the word "7days"' });
    expect(parseReportText('cost security')).toMatchObject({
      ok: false,
      problem: 'choose one of cost, security or all (got both "cost" and "security")',
    });
    expect(parseReportText('all cost')).toMatchObject({
      ok: false,
      problem: expect.stringContaining('choose one of cost, security or all'),
    });
    expect(parseReportText('7d mtd')).toMatchObject({ ok: false, problem: 'choose one period (got both "7d" and "mtd")' });
    expect(parseReportText('cost account')).toMatchObject({ ok: false, problem: '"account" needs the name of a bound account after it' });
    expect(parseReportText('account <@U123>')).toMatchObject({ ok: false, problem: expect.stringContaining('is not an account name') });
    expect(parseReportText('account a account b')).toMatchObject({ ok: false, problem: 'name one account (got "a" and "b")' });
    // A long word is cut in the echo.
    const long = parseReportText('x'.repeat(500));
    expect(long.ok).toBe(false);
    expect(!long.ok && long.problem!.length).toBeLessThan(80);
  });

  it('reads CLI flags with the same grammar, each flag only its own kind of word', () => {
    expect(parseReportFlags({})).toEqual({ ok: true, request: { what: 'all', period: '7d' } });
    expect(parseReportFlags({ what: 'security', period: 'LAST-MONTH' })).toEqual({
      ok: true,
      request: { what: 'security', period: 'last-month' },
    });
    expect(parseReportFlags({ what: 'cost', account: 'prod' })).toEqual({
      ok: true,
      request: { what: 'cost', period: '7d', account: 'prod' },
    });
    expect(parseReportFlags({ what: '30d' })).toMatchObject({
      ok: false,
      problem: '--what must be one of cost, security, all (got "30d")',
    });
    expect(parseReportFlags({ period: 'cost' })).toMatchObject({
      ok: false,
      problem: '--period must be one of 7d, 30d, mtd, last-month (got "cost")',
    });
    expect(parseReportFlags({ account: 'bad name' })).toMatchObject({
      ok: false,
      problem: expect.stringContaining('is not an account name'),
    });
    expect(parseReportWords(['help'])).toEqual({ ok: false, help: true });
  });

  it('names every valid word in the usage, with the problem first when there is one', () => {
    const usage = reportUsage('I don\'t know the word "banana"');
    expect(usage.startsWith('Sorry, I don\'t know the word "banana".')).toBe(true);
    for (const w of [...REPORT_WHATS, ...REPORT_PERIODS, 'account NAME', 'help']) expect(usage).toContain(`\`${w}\``);
  });
});

describe('report periods (UTC days; today is never included)', () => {
  const at = (iso: string) => new Date(`${iso}T10:00:00Z`);

  it('7d and 30d: the last N full days and the N before them', () => {
    expect(reportPeriods(at('2024-06-04'), '7d')).toEqual({
      current: { start: '2024-05-28', end: '2024-06-03' },
      previous: { start: '2024-05-21', end: '2024-05-27' },
    });
    expect(reportPeriods(at('2024-03-01'), '30d')).toEqual({
      current: { start: '2024-01-31', end: '2024-02-29' },
      previous: { start: '2024-01-01', end: '2024-01-30' },
    });
  });

  it('mtd: the 1st to yesterday vs the same days of last month; on the 1st, the whole month just ended', () => {
    expect(reportPeriods(at('2024-06-15'), 'mtd')).toEqual({
      current: { start: '2024-06-01', end: '2024-06-14' },
      previous: { start: '2024-05-01', end: '2024-05-14' },
    });
    // The 1st has no day of the new month yet: month to date of the month just ended, vs the one before.
    expect(reportPeriods(at('2024-07-01'), 'mtd')).toEqual({
      current: { start: '2024-06-01', end: '2024-06-30' },
      previous: { start: '2024-05-01', end: '2024-05-30' },
    });
    expect(reportPeriods(at('2025-01-01'), 'mtd')).toEqual({
      current: { start: '2024-12-01', end: '2024-12-31' },
      previous: { start: '2024-11-01', end: '2024-11-30' },
    });
    // A shorter previous month stops at its last day: 1–30 March against all of (leap) February.
    expect(reportPeriods(at('2024-03-31'), 'mtd')).toEqual({
      current: { start: '2024-03-01', end: '2024-03-30' },
      previous: { start: '2024-02-01', end: '2024-02-29' },
    });
    expect(reportPeriods(at('2025-03-30'), 'mtd').previous).toEqual({ start: '2025-02-01', end: '2025-02-28' });
    // 31-day month after a 30-day one: day 31 compares with the whole of the 30-day month.
    expect(reportPeriods(at('2024-08-01'), 'mtd')).toEqual({
      current: { start: '2024-07-01', end: '2024-07-31' },
      previous: { start: '2024-06-01', end: '2024-06-30' },
    });
    expect(reportPeriods(at('2024-02-02'), 'mtd')).toEqual({
      current: { start: '2024-02-01', end: '2024-02-01' },
      previous: { start: '2024-01-01', end: '2024-01-01' },
    });
  });

  it('last-month: the whole previous calendar month vs the month before, across a year end', () => {
    expect(reportPeriods(at('2024-06-15'), 'last-month')).toEqual({
      current: { start: '2024-05-01', end: '2024-05-31' },
      previous: { start: '2024-04-01', end: '2024-04-30' },
    });
    expect(reportPeriods(at('2025-01-01'), 'last-month')).toEqual({
      current: { start: '2024-12-01', end: '2024-12-31' },
      previous: { start: '2024-11-01', end: '2024-11-30' },
    });
    expect(reportPeriods(at('2024-03-31'), 'last-month')).toEqual({
      current: { start: '2024-02-01', end: '2024-02-29' },
      previous: { start: '2024-01-01', end: '2024-01-31' },
    });
  });

  it('maps to Cost Explorer TimePeriods with an exclusive End, and Security Hub CreatedAt the same days', () => {
    /** The request parameters these assertions read: Cost Explorer periods, the anomaly interval, Security Hub filters. */
    type Params = { TimePeriod: unknown; Granularity: string; DateInterval: unknown; Filters: { CreatedAt: unknown } };
    const byKey = (period: (typeof REPORT_PERIODS)[number]) =>
      Object.fromEntries(reportBundle('prod', at('2024-03-01'), { what: 'all', period }).map((c) => [c.key, c.input.params as Params]));
    const mtd = byKey('mtd');
    expect(mtd.cost_this.TimePeriod).toEqual({ Start: '2024-02-01', End: '2024-03-01' });
    expect(mtd.cost_this.Granularity).toBe('DAILY');
    expect(mtd.cost_prev.TimePeriod).toEqual({ Start: '2024-01-01', End: '2024-01-30' });
    expect(mtd.anomalies.DateInterval).toEqual({ StartDate: '2024-02-01', EndDate: '2024-02-29' });
    expect(mtd.new_critical.Filters.CreatedAt).toEqual([{ Start: '2024-02-01T00:00:00.000Z', End: '2024-03-01T00:00:00.000Z' }]);
    const month = byKey('last-month');
    expect(month.cost_this.TimePeriod).toEqual({ Start: '2024-02-01', End: '2024-03-01' });
    expect(month.cost_prev.TimePeriod).toEqual({ Start: '2024-01-01', End: '2024-02-01' });
    const d30 = byKey('30d');
    expect(d30.cost_this.TimePeriod).toEqual({ Start: '2024-01-31', End: '2024-03-01' });
    expect(d30.cost_prev.TimePeriod).toEqual({ Start: '2024-01-01', End: '2024-01-31' });
    // The forecast is always from today to the end of this month.
    for (const p of REPORT_PERIODS) expect(byKey(p).forecast.TimePeriod).toEqual({ Start: '2024-03-01', End: '2024-04-01' });
  });
});

describe('the bundle follows the request', () => {
  const ops = (what: (typeof REPORT_WHATS)[number]) =>
    reportBundle('prod', new Date('2024-06-04T09:00:00Z'), { what, period: '7d' }).map((c) => `${c.input.service}:${c.input.operation}`);

  it('cost: the four Cost Explorer reads and no Security Hub call', () => {
    expect(ops('cost')).toEqual(['ce:GetCostAndUsage', 'ce:GetCostAndUsage', 'ce:GetCostForecast', 'ce:GetAnomalies']);
  });

  it('security: the two Security Hub reads and no Cost Explorer call', () => {
    expect(ops('security')).toEqual(['securityhub:GetFindings', 'securityhub:GetFindings']);
  });

  it('all: everything, in bundle order', () => {
    expect(reportBundle('prod', new Date('2024-06-04T09:00:00Z')).map((c) => c.key)).toEqual([...BUNDLE_KEYS]);
    expect(ops('all').filter((o) => o.startsWith('ce:'))).toHaveLength(4);
  });
});
