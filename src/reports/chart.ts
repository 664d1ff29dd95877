/**
 * The digest's chart: a grouped bar chart of the cost table, drawn pixel by pixel into a PNG. No
 * text at all (fonts would need a dependency); the message says what the bars are.
 */
import { encodePng, type Raster } from './png.js';
import type { Report } from './types.js';

export const CHART_WIDTH = 640;
export const CHART_HEIGHT = 320;
/** Plot area inside the image. */
export const CHART_MARGIN = { left: 16, right: 16, top: 16, bottom: 16 } as const;

type Rgb = readonly [number, number, number];
export const CHART_COLOURS = {
  background: [255, 255, 255] as Rgb,
  grid: [232, 232, 232] as Rgb,
  baseline: [96, 96, 96] as Rgb,
  /** Last week: lighter. */
  lastWeek: [158, 202, 225] as Rgb,
  /** This week: darker. */
  thisWeek: [8, 81, 156] as Rgb,
} as const;

function fill(r: Raster, x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
  const xa = Math.max(0, Math.min(x0, x1));
  const xb = Math.min(r.width, Math.max(x0, x1));
  const ya = Math.max(0, Math.min(y0, y1));
  const yb = Math.min(r.height, Math.max(y0, y1));
  for (let y = ya; y < yb; y++) {
    for (let x = xa; x < xb; x++) {
      const i = (y * r.width + x) * 3;
      r.rgb[i] = c[0];
      r.rgb[i + 1] = c[1];
      r.rgb[i + 2] = c[2];
    }
  }
}

/** Pixel geometry of the chart, exported so tests can check bars where they should be. */
export function chartLayout(report: Report, width = CHART_WIDTH, height = CHART_HEIGHT) {
  const rows = report.cost?.rows ?? [];
  const values = rows.flatMap((r) => [r.lastWeek, r.thisWeek]);
  const max = Math.max(0, ...values);
  const min = Math.min(0, ...values);
  const plot = { x0: CHART_MARGIN.left, y0: CHART_MARGIN.top, x1: width - CHART_MARGIN.right, y1: height - CHART_MARGIN.bottom };
  const plotH = plot.y1 - plot.y0;
  const range = max - min || 1;
  /** y of the zero line: at the bottom unless some value is negative (credits). */
  const baseline = max === min ? plot.y1 : plot.y0 + Math.round((plotH * max) / range);
  const groupW = rows.length > 0 ? (plot.x1 - plot.x0) / rows.length : 0;
  const barW = Math.max(1, Math.floor(groupW * 0.34));
  const gap = Math.max(1, Math.floor(groupW * 0.04));
  const heightOf = (v: number) => Math.round((Math.abs(v) * plotH) / range);
  const bars = rows.map((r, i) => {
    const centre = Math.round(plot.x0 + groupW * (i + 0.5));
    const bar = (x0: number, v: number) => {
      const h = heightOf(v);
      return { x0, x1: x0 + barW, y0: v >= 0 ? baseline - h : baseline, y1: v >= 0 ? baseline : baseline + h, value: v };
    };
    return { lastWeek: bar(centre - gap - barW, r.lastWeek), thisWeek: bar(centre + gap, r.thisWeek) };
  });
  return { plot, baseline, bars, max, min };
}

/** A PNG of the cost table: per row (same order), last week (light) and this week (dark) bars. */
export function costChartPng(report: Report): Buffer {
  const width = CHART_WIDTH;
  const height = CHART_HEIGHT;
  const raster: Raster = { width, height, rgb: new Uint8Array(width * height * 3) };
  fill(raster, 0, 0, width, height, CHART_COLOURS.background);
  const { plot, baseline, bars } = chartLayout(report, width, height);
  // Four faint grid lines over the plot area, for a sense of scale.
  for (let k = 1; k <= 4; k++) {
    const y = Math.round(plot.y0 + ((baseline - plot.y0) * (4 - k)) / 4);
    if (y !== baseline) fill(raster, plot.x0, y, plot.x1, y + 1, CHART_COLOURS.grid);
  }
  for (const b of bars) {
    fill(raster, b.lastWeek.x0, b.lastWeek.y0, b.lastWeek.x1, b.lastWeek.y1, CHART_COLOURS.lastWeek);
    fill(raster, b.thisWeek.x0, b.thisWeek.y0, b.thisWeek.x1, b.thisWeek.y1, CHART_COLOURS.thisWeek);
  }
  fill(raster, plot.x0, baseline, plot.x1, baseline + 1, CHART_COLOURS.baseline);
  return encodePng(raster);
}
