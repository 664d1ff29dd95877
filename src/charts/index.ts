/**
 * The report's charts: Vega-Lite specs (./specs.ts) rendered to SVG by Vega and to PNG by resvg
 * with the bundled DejaVu Sans (./render.ts), in a worker thread (./pool.ts). Only the bot uses
 * this folder; importing the door loads neither Vega nor resvg on the caller's thread.
 */
export { chartKinds, type ChartKind } from './kinds.js';
export { createChartPool, type ChartRenderer, type ChartFile } from './pool.js';
