/** Prometheus metrics, the workers' health/metrics port, and queue backlog for CloudWatch (EMF). */
export { probe } from './probe.js';
export { Counter } from './registry.js';
export { startMetricsServer } from './server.js';
export { WorkerMetrics } from './worker-metrics.js';
export { startEmfReporter } from './emf.js';
