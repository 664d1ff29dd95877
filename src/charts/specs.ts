/**
 * The report's two charts as Vega-Lite specifications: plain data, built from the computed report
 * only (every number is one the tables show). Text from AWS (service names) goes into `data.values`
 * and titles as data, never into a Vega expression, so a hostile name cannot become code.
 */
import type { TopLevelSpec } from 'vega-lite';
import { formatMoney, formatPct, formatDelta, formatSpan, periodLabels, type Report } from '../reports/index.js';

/** Chart size in CSS pixels (the PNG is rendered at CHART_SCALE × this). */
export const CHART_WIDTH = 800;
export const SERVICE_CHART_HEIGHT = 460;
export const DAILY_CHART_HEIGHT = 420;
/** Rendered at twice the size so it stays sharp on high-density screens and when Slack zooms. */
export const CHART_SCALE = 2;

/** The font shipped with plainfra (npm `dejavu-fonts-ttf`), the only one the renderer loads. */
export const CHART_FONT = 'DejaVu Sans';

/**
 * Okabe & Ito's colour-blind-safe palette (Color Universal Design, 2008), in an order whose
 * neighbours differ in lightness as well as hue; grey is reserved for "Other".
 */
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'] as const;
export const OTHER_COLOUR = '#999999';
/** Previous period: light sky blue; current: strong blue (Okabe-Ito; apart in lightness too). */
export const PERIOD_COLOURS = { previous: '#56B4E9', current: '#0072B2' } as const;

/**
 * Service names longer than this are cut (with "…") on the axis and in the legend. Vega measures
 * text without a canvas by estimate (0.8 em a character, wider than DejaVu's ~0.6), so this
 * allows about 34 characters, which take ~230 real pixels.
 */
const LABEL_LIMIT_PX = 300;

const config = {
  font: CHART_FONT,
  background: '#ffffff',
  padding: 16,
  title: { fontSize: 18, subtitleFontSize: 12, subtitleColor: '#444444', anchor: 'start', offset: 12 },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6', domainColor: '#888888', tickColor: '#888888' },
  legend: { labelFontSize: 11, titleFontSize: 12, orient: 'bottom', direction: 'horizontal', labelLimit: LABEL_LIMIT_PX },
  view: { stroke: null },
} as const;

/** Fixed outer size: `fit` makes width/height the whole image, whatever the labels take. */
const size = (height: number) => ({ width: CHART_WIDTH, height, autosize: { type: 'fit', contains: 'padding' } }) as const;

/**
 * (a) Cost by service, this period against the previous one: a pair of horizontal bars per table
 * row (same order, "Other" last), each labelled with its amount; the legend names both periods
 * with their dates, the subtitle the totals and the change.
 */
export function serviceChartSpec(report: Report): TopLevelSpec {
  const cost = report.cost;
  if (!cost) throw new Error('serviceChartSpec: the report has no cost table');
  const labels = periodLabels(report.periodKind);
  const periods = {
    cur: `${labels.current} (${formatSpan(report.period.current)})`,
    prev: `${labels.previous} (${formatSpan(report.period.previous)})`,
  };
  const money = (n: number) => formatMoney(n, report.currency);
  const amounts = cost.rows.flatMap((r) => [r.current, r.previous]);
  // Room right of the longest bar for its label; credits (negative) extend the axis left.
  const domain = [Math.min(0, ...amounts), Math.max(0, ...amounts) * 1.16 || 1];
  const values = cost.rows.flatMap((r, i) => [
    { service: r.service, order: i, period: periods.prev, periodOrder: 0, amount: r.previous, label: money(r.previous) },
    { service: r.service, order: i, period: periods.cur, periodOrder: 1, amount: r.current, label: money(r.current) },
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...size(SERVICE_CHART_HEIGHT),
    config,
    title: {
      text: `Cost by service — ${report.account}`,
      subtitle: [
        `${labels.current} ${formatSpan(report.period.current)} vs ${labels.previous.toLowerCase()} ` +
          `${formatSpan(report.period.previous)} (UTC) · ${report.currency}, unblended`,
        `Total ${money(cost.totalThis)} vs ${money(cost.totalPrev)}: ${formatDelta(cost.delta)} (${formatPct(cost.deltaPct)})`,
      ],
    },
    data: { values },
    encoding: serviceEncoding(report.currency, periods, domain),
    layer: SERVICE_LAYERS,
  } as TopLevelSpec;
}

/** Services down the y axis in table order, a bar per period, the amount along x. */
function serviceEncoding(currency: string, periods: { cur: string; prev: string }, domain: number[]) {
  const { cur, prev } = periods;
  return {
    y: {
      field: 'service',
      type: 'nominal',
      sort: { field: 'order', op: 'min', order: 'ascending' },
      title: null,
      axis: { labelLimit: LABEL_LIMIT_PX, ticks: false },
    },
    // Previous period above, current below, as the legend reads.
    yOffset: { field: 'period', type: 'nominal', scale: { domain: [prev, cur] } },
    x: {
      field: 'amount',
      type: 'quantitative',
      title: `Cost (${currency})`,
      axis: { format: ',.0f', tickCount: 6 },
      scale: { domain, nice: false },
    },
    color: {
      field: 'period',
      type: 'nominal',
      title: null,
      scale: { domain: [prev, cur], range: [PERIOD_COLOURS.previous, PERIOD_COLOURS.current] },
      // One period per line: Vega sizes the legend by its (generous) estimate of the text width.
      legend: { columns: 1, labelLimit: 420, symbolType: 'square' },
    },
  };
}

/** The bars, and each bar's amount written right of it. */
const SERVICE_LAYERS = [
  { mark: { type: 'bar', height: { band: 0.9 } } },
  {
    mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontSize: 10, color: '#222222' },
    encoding: { text: { field: 'label', type: 'nominal' }, color: { value: '#222222' } },
  },
];

/**
 * (b) Cost per day of the current period, stacked by the top services with the rest as one grey
 * "Other"; dated x axis (UTC days), amounts on y, the period total in the subtitle.
 */
export function dailyChartSpec(report: Report): TopLevelSpec {
  const daily = report.daily;
  if (!daily) throw new Error('dailyChartSpec: the report has no daily breakdown');
  const labels = periodLabels(report.periodKind);
  const names = daily.series.map((s) => s.service);
  const colours = daily.series.map((s, i) =>
    s.service.startsWith('Other (') && i === daily.series.length - 1 ? OTHER_COLOUR : OKABE_ITO[i % OKABE_ITO.length]!,
  );
  const values = daily.series.flatMap((s, k) =>
    s.values.map((amount, d) => ({ day: daily.days[d], service: s.service, stackOrder: k, amount })),
  );
  const total = periodTotal(report, daily);
  const dayCount = `${daily.days.length} day${daily.days.length === 1 ? '' : 's'}`;
  const top = names.length - (colours.at(-1) === OTHER_COLOUR ? 1 : 0);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...size(DAILY_CHART_HEIGHT),
    config,
    title: {
      text: `Daily cost by service — ${report.account}`,
      subtitle: [
        `${labels.current} ${formatSpan(report.period.current)} (UTC days) · ${report.currency}, unblended`,
        `Total ${formatMoney(total, report.currency)} over ${dayCount} · top ${top} services, the rest as Other`,
      ],
    },
    data: { values },
    mark: { type: 'bar', width: { band: 0.8 } },
    encoding: dailyEncoding(report.currency, names, colours, daily.days.length > 14),
  } as TopLevelSpec;
}

/**
 * The period's total as the table shows it (days are rounded to the cent one by one, so their
 * sum can differ from it by rounding); from the days only when there is no table.
 */
function periodTotal(report: Report, daily: NonNullable<Report['daily']>): number {
  return report.cost?.totalThis ?? daily.series.reduce((sum, s) => sum + s.values.reduce((a, v) => a + Math.round(v * 100), 0), 0) / 100;
}

/** Days along x, the day's amounts stacked up y, one colour per service. */
function dailyEncoding(currency: string, names: string[], colours: string[], manyDays: boolean) {
  return {
    x: {
      field: 'day',
      type: 'ordinal',
      title: null,
      sort: null,
      // `YYYY-MM-DD` days as UTC dates, one band each, labelled `Mon 03 Jun` (`03 Jun` when many).
      timeUnit: 'utcyearmonthdate',
      axis: { format: manyDays ? '%d %b' : '%a %d %b', labelAngle: manyDays ? -45 : 0, labelOverlap: 'parity' },
    },
    y: {
      field: 'amount',
      type: 'quantitative',
      stack: 'zero',
      title: `Cost per day (${currency})`,
      axis: { format: ',.0f', tickCount: 6 },
    },
    color: {
      field: 'service',
      type: 'nominal',
      title: null,
      sort: names,
      scale: { domain: names, range: colours },
      legend: { columns: 2, labelLimit: LABEL_LIMIT_PX, symbolType: 'square' },
    },
    order: { field: 'stackOrder', type: 'quantitative', sort: 'ascending' },
  };
}
