import { existsSync } from 'node:fs';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { chartKinds, createChartPool } from '../src/charts/index.js';
import { chartSpecs, FONT_FILES, renderReportCharts, specToSvg, svgToPng } from '../src/charts/render.js';
import {
  CHART_SCALE,
  CHART_WIDTH,
  DAILY_CHART_HEIGHT,
  OKABE_ITO,
  OTHER_COLOUR,
  PERIOD_COLOURS,
  SERVICE_CHART_HEIGHT,
} from '../src/charts/specs.js';
import { fixedReport } from './helpers/reports.js';

/** Reads a PNG strictly: signature, every chunk's CRC, IHDR, and IDAT inflating to exactly the rows it declares. */
function decodePng(png: Buffer) {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: { type: string; data: Buffer }[] = [];
  for (let off = 8; off < png.length; ) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    expect(png.readUInt32BE(off + 8 + len), `${type} CRC`).toBe(zlib.crc32(png.subarray(off + 4, off + 8 + len)));
    chunks.push({ type, data });
    off += 12 + len;
  }
  expect(chunks[0]!.type).toBe('IHDR');
  expect(chunks.at(-1)!.type).toBe('IEND');
  const ihdr = chunks[0]!.data;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const [depth, colourType] = [ihdr[8]!, ihdr[9]!];
  const channels = { 2: 3, 6: 4 }[colourType as 2 | 6];
  expect(depth).toBe(8);
  expect(channels, `colour type ${colourType}`).toBeDefined();
  const raw = zlib.inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  expect(raw.length).toBe(height * (1 + width * channels!));
  return { width, height };
}

describe('report charts (Vega-Lite → SVG → resvg)', () => {
  it('draws both charts for a cost report, none for a security-only one', () => {
    expect(chartKinds(fixedReport())).toEqual(['cost-by-service', 'daily-cost']);
    expect(chartKinds(fixedReport({ what: 'security', cost: null, daily: null }))).toEqual([]);
    expect(chartKinds(fixedReport({ daily: null }))).toEqual(['cost-by-service']);
  });

  it('cost by service: title, account, both periods with dates, units, every service and amount, totals and change', async () => {
    const [spec] = chartSpecs(fixedReport());
    const svg = await specToSvg(spec!.spec);
    for (const text of [
      'Cost by service — acme-prod',
      'Last 7 days 2024-05-28 – 2024-06-03 vs previous 7 days 2024-05-21 – 2024-05-27 (UTC) · USD, unblended',
      'Total $1,180.10 vs $1,067.75: +112.35 (+10.5%)',
      'Cost (USD)',
      // The legend names both periods with their days.
      'Previous 7 days (2024-05-21 – 2024-05-27)',
      'Last 7 days (2024-05-28 – 2024-06-03)',
      'Amazon Relational Database Service',
      'Amazon Simple Storage Service',
      'AWS Lambda',
      'Other (4 services)',
      // Each bar is labelled with its amount.
      '$700.00',
      '$600.00',
      '$300.50',
      '$320.25',
      '$120.10',
      '$50.00',
      '$0.00',
      '$9.50',
      '$47.50',
    ])
      expect(svg, text).toContain(text);
    // The longest name is cut with an ellipsis rather than overlapping the bars.
    expect(svg).toMatch(/Amazon Elastic Compute Cloud[^<]*…/);
    // Colour-blind-safe: the two periods in Okabe-Ito blues, apart in lightness.
    expect(svg).toContain(PERIOD_COLOURS.previous);
    expect(svg).toContain(PERIOD_COLOURS.current);
    expect(svg).toContain('font-family="DejaVu Sans"');
  });

  it('daily cost: stacked by service with Other in grey, dated UTC axis, per-day units and the period total', async () => {
    const [, daily] = chartSpecs(fixedReport());
    const svg = await specToSvg(daily!.spec);
    for (const text of [
      'Daily cost by service — acme-prod',
      'Last 7 days 2024-05-28 – 2024-06-03 (UTC days) · USD, unblended',
      'Total $1,180.10 over 7 days · top 4 services, the rest as Other',
      'Cost per day (USD)',
      'Tue 28 May',
      'Wed 29 May',
      'Sat 01 Jun',
      'Mon 03 Jun',
      'Amazon Elastic Compute Cloud - Compute',
      'AWS Lambda',
      'Other (4 services)',
    ])
      expect(svg, text).toContain(text);
    for (const c of OKABE_ITO.slice(0, 4)) expect(svg).toContain(c);
    expect(svg).toContain(OTHER_COLOUR);
  });

  it('a 30-day period gets short, slanted day labels', async () => {
    const days = Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2024, 4, 5 + i)).toISOString().slice(0, 10));
    const report = fixedReport({
      periodKind: '30d',
      period: { current: { start: days[0]!, end: days[29]! }, previous: { start: '2024-04-05', end: '2024-05-04' } },
      daily: { days, series: [{ service: 'AWS Lambda', values: days.map((_, i) => i) }] },
    });
    const svg = await specToSvg(chartSpecs(report)[1]!.spec);
    expect(svg).toContain('Last 30 days 2024-05-05 – 2024-06-03');
    expect(svg).toContain('05 May');
    expect(svg).toMatch(/rotate\((315|-45)\)/);
  });

  it('keeps hostile service names as text: escaped in the SVG, never markup or an expression', async () => {
    const report = fixedReport();
    report.cost!.rows[3]!.service = '<script>alert(1)</script> & "datum.x" {{signal}}';
    report.daily!.series[3]!.service = report.cost!.rows[3]!.service;
    for (const c of chartSpecs(report)) {
      const svg = await specToSvg(c.spec);
      expect(svg).not.toContain('<script');
      expect(svg).toMatch(/&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; /);
    }
  });

  it('renders PNGs of the expected size with the bundled font only (no system fonts)', async () => {
    expect(FONT_FILES.every((f) => existsSync(f) && f.includes('dejavu-fonts-ttf'))).toBe(true);
    const [service, daily] = await renderReportCharts(fixedReport());
    expect(decodePng(service!.png)).toEqual({ width: CHART_WIDTH * CHART_SCALE, height: SERVICE_CHART_HEIGHT * CHART_SCALE });
    expect(decodePng(daily!.png)).toEqual({ width: CHART_WIDTH * CHART_SCALE, height: DAILY_CHART_HEIGHT * CHART_SCALE });
    expect(service!.filename).toBe('plainfra-cost-by-service.png');
    expect(daily!.filename).toBe('plainfra-daily-cost.png');
    // Text is drawn: the same chart with its text removed has fewer dark pixels' worth of bytes.
    const textless = svgToPng(service!.svg.replace(/<text[^>]*>[^<]*<\/text>/g, ''));
    expect(textless.length).toBeLessThan(service!.png.length * 0.8);
  });

  it('matches the SVG snapshot of the fixed report', async () => {
    const [service, daily] = await renderReportCharts(fixedReport());
    await expect(service!.svg).toMatchFileSnapshot('./__snapshots__/chart-cost-by-service.svg');
    await expect(daily!.svg).toMatchFileSnapshot('./__snapshots__/chart-daily-cost.svg');
  });

  it('refuses to load chart data from a URL', async () => {
    const spec = { ...chartSpecs(fixedReport())[0]!.spec, data: { url: 'https://evil.example/data.json' } } as never;
    await expect(specToSvg(spec)).rejects.toThrow(/never loads chart data from a URL/);
  });
});

describe('chart pool (worker thread)', () => {
  const pool = createChartPool({ timeoutMs: 60_000 });
  afterAll(() => pool.close());

  it('renders off the event loop: timers keep firing while a report is drawn', async () => {
    let ticks = 0;
    let last = Date.now();
    let worstGap = 0;
    const timer = setInterval(() => {
      ticks++;
      worstGap = Math.max(worstGap, Date.now() - last);
      last = Date.now();
    }, 10);
    try {
      const files = await pool.render(fixedReport());
      expect(files.map((f) => f.kind)).toEqual(['cost-by-service', 'daily-cost']);
      expect(decodePng(files[0]!.png).width).toBe(CHART_WIDTH * CHART_SCALE);
      const again = await pool.render(fixedReport({ account: 'acme-dev' }));
      expect(again).toHaveLength(2);
    } finally {
      clearInterval(timer);
    }
    // Drawing takes hundreds of milliseconds of CPU per chart (more on a loaded machine); none of it
    // on this thread, so the timer keeps firing. The bound leaves room for a busy CI machine.
    expect(ticks).toBeGreaterThan(10);
    expect(worstGap).toBeLessThan(400);
  });

  it('reports a render failure as an error and keeps working', async () => {
    await expect(pool.render({ ...fixedReport(), cost: { rows: 'not rows' } } as never)).rejects.toThrow();
    expect(await pool.render(fixedReport())).toHaveLength(2);
  });
});
