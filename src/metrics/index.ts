/** Prometheus metrics, the workers' health/metrics port, and queue backlog for CloudWatch (EMF). */
export { Counter, CallbackGauge, Histogram, renderAll, type Labels, type Metric } from './registry.js';
export { probe } from './probe.js';
export { startMetricsServer, type WorkerHealth } from './server.js';
export { WorkerMetrics } from './worker-metrics.js';
export { queueBacklogLine, startEmfReporter, type EmfOptions } from './emf.js';
