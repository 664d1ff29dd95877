/**
 * Vega-Lite spec → SVG (Vega's own SVG renderer, headless) → PNG (resvg). The one font is DejaVu
 * Sans from the `dejavu-fonts-ttf` package, loaded by file path with system fonts off, so a chart
 * is the same pixels on a laptop, in CI and in the Docker image (which has no fonts at all).
 *
 * This is CPU work of 50–200 ms a chart: the bot runs it in a worker thread (./pool.ts), never on
 * its event loop, where it would starve the BullMQ lock renewal of the reply job being posted.
 */
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Report } from '../reports/index.js';
import { chartKinds, type ChartKind } from './kinds.js';
import { CHART_FONT, CHART_SCALE, dailyChartSpec, serviceChartSpec } from './specs.js';

const require = createRequire(import.meta.url);
/** Regular and bold (titles): the only font files resvg may use. */
export const FONT_FILES = [
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
];

/** Vega may load data from URLs; these specs carry their data inline, so every load is refused. */
const noNetwork = Object.assign(vega.loader(), {
  load: () => Promise.reject(new Error('chart data is inline; plainfra never loads chart data from a URL')),
  sanitize: () => Promise.reject(new Error('chart data is inline; plainfra never loads chart data from a URL')),
});

export async function specToSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec).spec;
  // Vega logs a failed load and draws an empty chart; a spec that asks for a URL is a bug: say so.
  if ((compiled.data ?? []).some((d) => 'url' in d)) throw new Error('chart data is inline; plainfra never loads chart data from a URL');
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: noNetwork as never });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT },
    fitTo: { mode: 'zoom', value: CHART_SCALE },
    background: '#ffffff',
  });
  return resvg.render().asPng();
}

export interface RenderedChart {
  kind: ChartKind;
  /** Upload file name and title (the title is the report's account, already plain text). */
  filename: string;
  title: string;
  svg: string;
  png: Buffer;
}

/** The spec and upload title of each chart the report has data for (chartKinds decides which). */
export function chartSpecs(report: Report): { kind: ChartKind; spec: TopLevelSpec; title: string }[] {
  return chartKinds(report).map((kind) =>
    kind === 'cost-by-service'
      ? { kind, spec: serviceChartSpec(report), title: `Cost by service, this period vs the previous one (${report.account})` }
      : { kind, spec: dailyChartSpec(report), title: `Daily cost by service (${report.account})` },
  );
}

export async function renderReportCharts(report: Report): Promise<RenderedChart[]> {
  const out: RenderedChart[] = [];
  for (const c of chartSpecs(report)) {
    const svg = await specToSvg(c.spec);
    out.push({ kind: c.kind, filename: `plainfra-${c.kind}.png`, title: c.title, svg, png: svgToPng(svg) });
  }
  return out;
}
