import { describe, expect, it } from 'vitest';
import { linkPolicy } from '../src/bot/index.js';
import { reportMessage } from '../src/bot/report-message.js';
import {
  REPORT_NARRATIVE_INSTRUCTIONS,
  computeReport,
  formatDelta,
  formatMoney,
  formatPct,
  reportForModel,
  type BundleResult,
  type Report,
} from '../src/reports/index.js';
import { formatAmount } from '../src/reports/format.js';

const TODAY = new Date('2024-06-04T09:30:00Z');
const EVIL = '<!channel> <@U1> <https://evil|x>';

/** Shaped results as hawk returns them (see reports-compute.test.ts for the same via the real runner). */
function costResult(groups: [string, number][], unit = 'USD') {
  return {
    GroupDefinitions: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
    count: 1,
    grandTotal: { UnblendedCost: { Amount: Math.round(groups.reduce((s, [, v]) => s + v, 0) * 100) / 100, Unit: unit } },
    totalsByGroup: groups.map(([group, UnblendedCost]) => ({ group, UnblendedCost })),
    items: [],
  };
}
const ok = (result: unknown): BundleResult => ({ ok: true, result });

function sampleReport(): Report {
  const crit = Array.from({ length: 8 }, (_, i) => ({
    Title: i === 0 ? EVIL : `Critical ${i} @here`,
    Severity: { Label: 'CRITICAL' },
    Resources: [{ Type: 'AwsS3Bucket', Id: i === 0 ? 'arn:aws:s3:::b`<!here>' : `arn:aws:s3:::bucket-${i}` }],
  }));
  return computeReport('acme-prod', TODAY, {
    cost_this: ok(
      costResult([
        ['Amazon EC2 & <Friends>', 1234.5],
        [EVIL, 100],
        ['AWS Lambda', 50.25],
      ]),
    ),
    cost_prev: ok(
      costResult([
        ['Amazon EC2 & <Friends>', 1000],
        [EVIL, 120],
        ['AWS Lambda', 0],
      ]),
    ),
    forecast: ok({ Total: { Amount: '987.654', Unit: 'USD' } }),
    anomalies: ok({
      count: 5,
      items: [
        { AnomalyId: 'a1', DimensionValue: EVIL, Impact: { TotalImpact: 42.42 } },
        { AnomalyId: 'a2', Impact: { TotalImpact: 1 } },
      ],
    }),
    findings: ok({ count: 21, by: { severity: { CRITICAL: 2, HIGH: 4, MEDIUM: 7, LOW: 5, INFORMATIONAL: 3 } }, items: [] }),
    new_critical: ok({ count: 30, by: { severity: { CRITICAL: 30 } }, items: crit, moreNotShown: 22 }),
    // anomalies and everything else ok; one problem quoting AWS:
  });
}

/** A Block Kit block as reportMessage builds them (header, section, context), as these tests read it. */
interface Block {
  type: string;
  text?: { type: string; text: string };
  elements?: { type: string; text?: string }[];
}

const texts = (blocks: object[]): string[] =>
  (blocks as Block[]).flatMap((b) =>
    [b.text?.text, ...(b.elements ?? []).map((e) => e.text)].filter((t): t is string => typeof t === 'string'),
  );

describe('reportMessage', () => {
  it('escapes every piece of AWS and model text: no mention, link or special sequence survives', () => {
    const report = sampleReport();
    report.problems.push(`Security Hub findings: eu-west-1 could not be read (${EVIL}).`);
    const msg = reportMessage(report, `**Costs rose** <!here> see <https://evil.example|click> and ${EVIL} @channel`);
    const all = [msg.text, ...texts(msg.blocks)];
    for (const t of all) {
      expect(t).not.toMatch(/<[!@#]/);
      expect(t).not.toMatch(/<https?:/);
      expect(t).not.toMatch(/[<>]/);
      expect(t).not.toMatch(/(^|\s)@(channel|here)\b/);
    }
    const joined = texts(msg.blocks).join('\n');
    expect(joined).toContain('&lt;!channel&gt; &lt;@U1&gt; &lt;hxxps://evil|x&gt;');
    expect(joined).toContain('Amazon EC2 &amp; &lt;Friends&gt;');
    expect(joined).toContain('*Costs rose*');
    // A resource id cannot close its inline code early.
    expect(joined).toContain('`arn:aws:s3:::b &lt;!here&gt;`');
  });

  it(
    'defangs every link from AWS or the model (Marketplace names, titles, resources, problems, narrative); ' + 'AWS and docs links stay',
    () => {
      const report = computeReport('acme-prod', TODAY, {
        cost_this: ok(
          costResult([
            ['Evil Corp www.evil.example/pay', 10],
            ['AWS Lambda', 5],
          ]),
        ),
        cost_prev: ok(
          costResult([
            ['Evil Corp www.evil.example/pay', 8],
            ['AWS Lambda', 5],
          ]),
        ),
        anomalies: ok({ count: 1, items: [{ AnomalyId: 'a1', DimensionValue: 'see https://evil.example/a', Impact: { TotalImpact: 3 } }] }),
        findings: ok({ count: 1, by: { severity: { CRITICAL: 1 } }, items: [] }),
        new_critical: ok({
          count: 1,
          by: { severity: { CRITICAL: 1 } },
          items: [
            {
              Title: 'Re-auth at https://evil.example/login',
              Severity: { Label: 'CRITICAL' },
              Resources: [{ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::login.evil.example' }],
            },
          ],
        }),
      });
      report.problems.push('Security Hub: see evil.example/status');
      const links = linkPolicy('https://handbook.example.org/aws');
      const msg = reportMessage(
        report,
        'Pay at https://evil.example/pay; docs https://docs.aws.amazon.com/x and https://handbook.example.org/aws/y',
        links,
      );
      const all = [msg.text, ...texts(msg.blocks)].join('\n');
      expect(all).not.toMatch(/https?:\/\/(?!docs\.aws\.amazon\.com\/|handbook\.example\.org\/)/);
      expect(all).not.toMatch(/evil\.example/);
      expect(all).toContain('Evil Corp www[.]evil[.]example/pay');
      expect(all).toContain('see hxxps://evil[.]example/a');
      expect(all).toContain('Re-auth at hxxps://evil[.]example/login — `arn:aws:s3:::login[.]evil[.]example`');
      expect(all).toContain('Security Hub: see evil[.]example/status');
      expect(all).toContain('Pay at hxxps://evil[.]example/pay; docs https://docs.aws.amazon.com/x and https://handbook.example.org/aws/y');
      // The table still lines up with the wider defanged name.
      const table = /```\n([\s\S]*?)\n```/.exec(all)![1]!.split('\n');
      expect(new Set(table.map((l) => l.replace(/&(amp|lt|gt);/g, '_').length)).size).toBe(1);
    },
  );

  it('keeps Slack limits: ≤ 50 blocks, sections ≤ 3000 characters, header ≤ 150', () => {
    const report = sampleReport();
    report.account = 'a'.repeat(300);
    for (let i = 0; i < 40; i++) report.problems.push(`Problem ${i}: ${'&<'.repeat(200)}`);
    const msg = reportMessage(report, '<b>'.repeat(2000));
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    for (const b of msg.blocks as Block[]) {
      if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(3000);
      if (b.type === 'header') expect(b.text!.text.length).toBeLessThanOrEqual(150);
      if (b.type === 'context') for (const e of b.elements!) expect(e.text!.length).toBeLessThanOrEqual(2000);
      const t = b.text?.text;
      if (t) expect(t).not.toMatch(/&(a|am|amp|l|lt|g|gt)?…/); // never cut inside an entity
    }
  });

  it('shows the computed numbers exactly: table rows and totals, forecast, anomalies, severities, new criticals', () => {
    const report = sampleReport();
    const msg = reportMessage(report, 'Costs rose.');
    const blocks = msg.blocks as Block[];
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'AWS report, last 7 days — acme-prod', emoji: false } });
    const all = texts(blocks).join('\n');
    const table = /```\n([\s\S]*?)\n```/.exec(all)![1]!.split('\n');
    expect(table[0]).toMatch(/^Service\s+Previous 7 days\s+Last 7 days\s+Change\s+Change %$/);
    const cost = report.cost!;
    cost.rows.forEach((r, i) => {
      const cells = table[i + 1]!.trim().split(/\s{2,}/);
      expect(cells.slice(-4)).toEqual([formatAmount(r.previous), formatAmount(r.current), formatDelta(r.delta), formatPct(r.deltaPct)]);
    });
    expect(table.at(-1)!.split(/\s{2,}/)).toEqual(['Total', '1,120.00', '1,384.75', '+264.75', '+23.6%']);
    expect([cost.totalPrev, cost.totalThis, cost.delta, cost.deltaPct]).toEqual([1120, 1384.75, 264.75, 23.6]);
    // Columns line up (measured on what Slack shows: entities count as one character).
    const shown = table.map((l) => l.replace(/&(amp|lt|gt);/g, '_'));
    const ends = shown.map((l) => l.length);
    expect(new Set(ends).size).toBe(1);
    expect(cost.rows.find((r) => r.service === 'AWS Lambda')!.deltaPct).toBeNull();
    expect(all).toContain('new');

    expect(all).toContain(`(2024-06-04 – 2024-06-30): ${formatMoney(987.65, 'USD')}`);
    expect(all).toContain('$987.65');
    expect(all).toContain('*Cost anomalies* in the last 7 days: 5');
    expect(all).toContain('impact $42.42');
    expect(all).toContain('_…and 3 more_');
    expect(all).toContain('open findings (new or notified): 21\nCritical 2 · High 4 · Medium 7 · Low 5 · Informational 3');
    expect(all).toContain('*New critical findings* in the last 7 days: 30');
    expect(all.match(/^• .*Critical \d/gm)).toHaveLength(4); // 5 shown (the first is the evil title)
    expect(all).toContain('_…and 25 more_');
    expect(all).toContain('@\u200Bhere'); // "@here" in a title is defused
    expect(all).toContain(
      'Last 7 days 2024-05-28 – 2024-06-03 · previous 7 days 2024-05-21 – 2024-05-27 (UTC) · ' +
        'numbers computed by plainfra from AWS Cost Explorer and Security Hub',
    );
    expect(all).not.toContain('Some data is missing');
  });

  it('plain fallback text summarises safely; missing sections and problems are said plainly', () => {
    const report = computeReport('acme-prod', TODAY, {
      cost_this: ok(costResult([['EC2', 10]])),
      cost_prev: { ok: false, message: 'AccessDeniedException: <!channel> not authorized' },
      findings: ok({ count: 3, by: { severity: { HIGH: 3 } }, items: [] }),
    });
    const msg = reportMessage(report, '');
    expect(msg.text).toBe('AWS report, last 7 days — acme-prod: 0 critical / 3 open Security Hub findings; some data missing.');
    const all = texts(msg.blocks).join('\n');
    expect(all).toContain('*Cost by service*: not available');
    expect(all).toContain('*Forecast*: not available.');
    expect(all).toContain(':warning: *Some data is missing or incomplete*');
    expect(all).toContain('Cost previous period: AccessDeniedException: &lt;!channel&gt; not authorized');
    expect(all).toContain('Cost forecast: not collected.');
    // An empty narrative adds no block.
    expect((msg.blocks as Block[]).filter((b) => b.type === 'section')[0].text!.text).toContain('Cost by service');
    const full = reportMessage(sampleReport(), 'x');
    expect(full.text).toBe(
      'AWS report, last 7 days — acme-prod: cost $1,384.75 in the last 7 days (+23.6% vs the 7 days before); ' +
        '2 critical / 21 open Security Hub findings; 30 new critical.',
    );
  });
});

describe('reportForModel', () => {
  it('gives the model the same formatted numbers, AWS text quoted on one line, and the narrative rules', () => {
    const report = sampleReport();
    const text = reportForModel(report);
    expect(text).toContain('COST BY SERVICE (USD, unblended)');
    expect(text).toMatch(/^Total\s+1,120\.00\s+1,384\.75\s+\+264\.75\s+\+23\.6%$/m);
    expect(text).toContain('"Amazon EC2 & <Friends>"');
    expect(text).toContain('FORECAST for 2024-06-04 – 2024-06-30: $987.65');
    expect(text).toContain('SECURITY HUB open findings (workflow NEW or NOTIFIED): 21');
    expect(text).toContain('CRITICAL 2, HIGH 4, MEDIUM 7, LOW 5, INFORMATIONAL 3');
    expect(text).toContain('NEW CRITICAL findings created in the last 7 days: 30');
    expect(text).toContain('- and 22 more');
    expect(text).not.toContain('MISSING');
    // Every number in the message's table is in the model's text too.
    for (const r of report.cost!.rows)
      for (const n of [formatAmount(r.current), formatAmount(r.previous), formatDelta(r.delta)]) expect(text).toContain(n);
    expect(REPORT_NARRATIVE_INSTRUCTIONS).toMatch(/2 to 4/);
    expect(REPORT_NARRATIVE_INSTRUCTIONS).toMatch(/only numbers that appear in the tables/);
    expect(REPORT_NARRATIVE_INSTRUCTIONS).toMatch(/mrkdwn/);
  });
});
