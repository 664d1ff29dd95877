/** Prometheus metrics and the workers' health/metrics port. */
export { Counter, CallbackGauge, Histogram, renderAll, type Labels, type Metric } from './registry.js';
export { probe } from './probe.js';
export { startMetricsServer, type WorkerHealth } from './server.js';
export { WorkerMetrics } from './worker-metrics.js';
