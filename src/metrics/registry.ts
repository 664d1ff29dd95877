/**
 * Prometheus metrics in the text exposition format (version 0.0.4), for the bot's GET /metrics and
 * the workers' metrics port. A few counters, gauges and one histogram do not justify a library.
 */

export type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelText = (labels: Labels) => {
  const l = Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',');
  return l ? `{${l}}` : '';
};
const keyOf = (labels: Labels) => JSON.stringify(Object.entries(labels).sort());

export interface Metric {
  render(): string | Promise<string>;
}

export class Counter implements Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(readonly def: { name: string; help: string }) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }

  /** Sum over all label sets matching `filter` (tests and logs). */
  total(filter: Labels = {}): number {
    let sum = 0;
    for (const { labels, value } of this.values.values()) {
      if (Object.entries(filter).every(([k, v]) => labels[k] === v)) sum += value;
    }
    return sum;
  }

  render(): string {
    const lines = [`# HELP ${this.def.name} ${this.def.help}`, `# TYPE ${this.def.name} counter`];
    if (this.values.size === 0) lines.push(`${this.def.name} 0`);
    for (const { labels, value } of this.values.values()) lines.push(`${this.def.name}${labelText(labels)} ${value}`);
    return lines.join('\n');
  }
}

/** A gauge read at scrape time (queue depth lives in Redis, not in this process). */
export class CallbackGauge implements Metric {
  constructor(
    readonly def: { name: string; help: string },
    private readonly read: () => Promise<Array<{ labels: Labels; value: number }>>,
  ) {}

  async render(): Promise<string> {
    const lines = [`# HELP ${this.def.name} ${this.def.help}`, `# TYPE ${this.def.name} gauge`];
    for (const { labels, value } of await this.read()) lines.push(`${this.def.name}${labelText(labels)} ${value}`);
    return lines.join('\n');
  }
}

/** Job durations: cumulative buckets in seconds, as Prometheus histograms are. */
export class Histogram implements Metric {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(
    readonly def: { name: string; help: string },
    /** Upper bounds in seconds. @defaultValue 0.05 … 120 */
    readonly buckets: number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  ) {}

  observe(labels: Labels, seconds: number): void {
    const key = keyOf(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((b, i) => {
      if (seconds <= b) s!.counts[i]! += 1;
    });
    s.sum += seconds;
    s.count += 1;
  }

  count(filter: Labels = {}): number {
    return [...this.series.values()]
      .filter((s) => Object.entries(filter).every(([k, v]) => s.labels[k] === v))
      .reduce((n, s) => n + s.count, 0);
  }

  render(): string {
    const lines = [`# HELP ${this.def.name} ${this.def.help}`, `# TYPE ${this.def.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => lines.push(`${this.def.name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
      lines.push(`${this.def.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.def.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${this.def.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines.join('\n');
  }
}

export async function renderAll(metrics: Metric[]): Promise<string> {
  return `${(await Promise.all(metrics.map((m) => m.render()))).join('\n')}\n`;
}
