/**
 * Cost totals of a GetCostAndUsage call: each metric summed per group key over all periods and
 * pages, so "top services last quarter" is one small table even when the daily breakdown is far too
 * big to show.
 */
import type { GetCostAndUsageCommandOutput, Group, MetricValue, ResultByTime } from '@aws-sdk/client-cost-explorer';
import type { PageAggregator } from '../collector.js';
import type { Json } from '../shape.js';

/** Groups kept in `totalsByGroup`; the long tail is summed into `otherGroups`. */
const TOP_COST_GROUPS = 20;
/** Groups given their own series in `byPeriod` (a daily chart's stack); the rest are summed per period. */
const TOP_PERIOD_GROUPS = 6;
/** Periods kept in `byPeriod`: 62 days, or five years of months. */
const MAX_PERIODS = 62;
/** Estimated periods remembered: bounds memory; they are merged into a few spans anyway. */
const MAX_ESTIMATED_PERIODS = 400;

/** What the totals include, said plainly for the model. */
const CHARGE_TYPES = {
  separate: 'grouped by RECORD_TYPE: usage, credits, refunds, tax … are separate groups',
  net:
    'not grouped by RECORD_TYPE: totals are net (usage minus credits and refunds, plus tax and fees); ' +
    'group by RECORD_TYPE to see them apart',
};

// A type alias, not an interface: it must fit `Json`, which needs the implicit index signature.
type Period = { Start: string; End: string };
type Sums = Map<string, number>;

const round = (n: number) => Math.round(n * 100) / 100;

/** A fresh aggregator for one GetCostAndUsage call (its `ListShape.aggregate`). */
export function costTotals(): PageAggregator<GetCostAndUsageCommandOutput> {
  return new CostTotals();
}

class CostTotals implements PageAggregator<GetCostAndUsageCommandOutput> {
  /** Every metric summed per group key. */
  private readonly byGroup = new Map<string, Sums>();
  /** The first metric summed per period start and group key (for `byPeriod`). */
  private readonly perPeriod = new Map<string, Sums>();
  /** The metric `byPeriod` charts: the first one a group carries. */
  private firstMetric: string | undefined;
  /** Every metric summed over all groups, or over the periods' totals when the query is ungrouped. */
  private readonly grand: Sums = new Map();
  private readonly units = new Map<string, string>();
  /** Cost Explorer marks periods whose data is not final yet (the last day or two) Estimated. */
  private readonly estimated: Period[] = [];
  private byRecordType = false;

  add(page: GetCostAndUsageCommandOutput): void {
    if ((page?.GroupDefinitions ?? []).some((g) => g?.Key === 'RECORD_TYPE')) this.byRecordType = true;
    for (const period of page?.ResultsByTime ?? []) this.addPeriod(period);
  }

  result(): Record<string, Json> {
    const out: Record<string, Json> = {
      grandTotal: Object.fromEntries([...this.grand].map(([k, v]) => [k, { Amount: round(v), Unit: this.units.get(k) ?? null }])),
      // Said plainly for the model: which figures may still change, and what the totals include.
      estimatedPeriods: mergePeriods(this.estimated),
      chargeTypes: this.byRecordType ? CHARGE_TYPES.separate : CHARGE_TYPES.net,
    };
    if (this.byGroup.size === 0) return out;
    // Groups ranked by the grand total's first metric.
    const first = [...this.grand.keys()][0];
    const ranked = [...this.byGroup].sort((a, b) => (b[1].get(first) ?? 0) - (a[1].get(first) ?? 0));
    out.totalsByGroup = ranked.slice(0, TOP_COST_GROUPS).map(([key, sums]) => ({ group: key, ...roundedSums(sums) }));
    const rest = ranked.slice(TOP_COST_GROUPS);
    if (rest.length > 0) {
      out.otherGroups = { groups: rest.length, [first]: round(rest.reduce((s, [, sums]) => s + (sums.get(first) ?? 0), 0)) };
    }
    const byPeriod = this.byPeriod(ranked.map(([key]) => key));
    if (byPeriod) out.byPeriod = byPeriod;
    return out;
  }

  private addPeriod(p: ResultByTime): void {
    const start = typeof p.TimePeriod?.Start === 'string' ? p.TimePeriod.Start : undefined;
    if (start && !this.perPeriod.has(start) && this.perPeriod.size < MAX_PERIODS) this.perPeriod.set(start, new Map());
    if (p?.Estimated === true && this.estimated.length < MAX_ESTIMATED_PERIODS) {
      this.estimated.push({ Start: String(p.TimePeriod?.Start), End: String(p.TimePeriod?.End) });
    }
    if (Array.isArray(p.Groups) && p.Groups.length > 0) {
      for (const g of p.Groups) this.addGroup(g, start);
    } else {
      this.sumInto(this.grand, p.Total);
    }
  }

  private addGroup(g: Group, start: string | undefined): void {
    const key = (g.Keys ?? []).join(' | ') || '(none)';
    this.firstMetric ??= Object.keys(g.Metrics ?? {})[0];
    const v = Number(g.Metrics?.[this.firstMetric ?? '']?.Amount);
    const slot = start ? this.perPeriod.get(start) : undefined;
    if (slot && Number.isFinite(v)) slot.set(key, (slot.get(key) ?? 0) + v);
    let sums = this.byGroup.get(key);
    if (!sums) this.byGroup.set(key, (sums = new Map()));
    this.sumInto(sums, g.Metrics);
    this.sumInto(this.grand, g.Metrics);
  }

  /** Adds each metric's amount to `target` (amounts are decimal text), remembering its unit. */
  private sumInto(target: Sums, metrics: Record<string, MetricValue> | undefined): void {
    for (const [name, v] of Object.entries(metrics ?? {})) {
      const n = Number(v?.Amount);
      if (!Number.isFinite(n)) continue;
      target.set(name, (target.get(name) ?? 0) + n);
      if (v?.Unit) this.units.set(name, v.Unit);
    }
  }

  /**
   * Several periods (a DAILY query): the top groups' amount per period, the rest summed, so a chart
   * of cost per day by service fits in a few hundred characters. `ranked`: group keys, largest first.
   */
  private byPeriod(ranked: string[]): Json | undefined {
    if (this.perPeriod.size <= 1 || !this.firstMetric) return undefined;
    const starts = [...this.perPeriod.keys()].sort();
    const top = ranked.slice(0, TOP_PERIOD_GROUPS);
    const topSet = new Set(top);
    return {
      metric: this.firstMetric,
      starts,
      groups: top.map((key) => ({ group: key, values: starts.map((s) => round(this.perPeriod.get(s)!.get(key) ?? 0)) })),
      other: starts.map((s) => round([...this.perPeriod.get(s)!].reduce((sum, [k, v]) => (topSet.has(k) ? sum : sum + v), 0))),
      otherGroups: Math.max(0, this.byGroup.size - top.length),
    };
  }
}

function roundedSums(sums: Sums): Record<string, number> {
  return Object.fromEntries([...sums].map(([k, v]) => [k, round(v)]));
}

/** Consecutive estimated periods as one span (30 estimated days read as one line, not 30). */
function mergePeriods(periods: Period[]): Json {
  const merged: Period[] = [];
  for (const p of [...periods].sort((a, b) => a.Start.localeCompare(b.Start))) {
    const last = merged[merged.length - 1];
    // biome-ignore lint/complexity/useMathMinMax: ISO date strings, compared as strings; Math.max would give NaN
    if (last && p.Start <= last.End) last.End = p.End > last.End ? p.End : last.End;
    else merged.push({ ...p });
  }
  return merged;
}
