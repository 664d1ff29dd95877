/**
 * Summarises a list page by page, in bounded memory: 50 000 findings become a count, counts per
 * group, the top-N items and "N more not shown". Raw pages are handed in one at a time and never
 * kept, so memory depends on maxItems and the number of distinct group values, not on the list size.
 */
import { jsonSafe, pick, type FieldSpec, type Json, type Shaped } from './shape.js';

/** Aggregates something page-level that is neither a count nor an item (e.g. cost totals). */
export interface PageAggregator<Page = unknown> {
  add(page: Page): void;
  result(): Record<string, Json>;
}

/**
 * What the summary callbacks (`groups`, `sums`, `rank`) see of an item of type `T` after shaping:
 * the same members, each optional (only listed fields survive), Dates as ISO strings, bigints as
 * strings, binary dropped. `unknown` stays plain JSON ({@link Shaped}).
 */
export type ShapedItem<T> = unknown extends T ? Shaped : JsonOf<T>;
type JsonOf<T> = T extends Date | bigint
  ? string
  : T extends Uint8Array
    ? never
    : T extends readonly (infer E)[]
      ? JsonOf<E>[]
      : T extends object
        ? { [K in keyof T]?: JsonOf<T[K]> }
        : T;

/** `Page`: one SDK output page; `Item`: one list item of it; `Summary`: what a hand-written `item` shaper returns. */
export interface ListShape<Page = unknown, Item = unknown, Summary = Item> {
  /** The list items of one SDK output page (e.g. `Findings`, or instances flattened out of reservations). */
  items: (page: Page) => Iterable<Item> | undefined;
  /** Field allow-list for one item, or a hand-written shaper (its output is made JSON-safe). */
  item: FieldSpec | ((raw: Item) => Summary);
  /** Summary groups: name → key of a shaped item (e.g. severity). Arrays count once per value. */
  groups?: Record<string, (item: ShapedItem<Summary>) => string | string[] | undefined>;
  /** Totals over all items (e.g. EBS GiB), reported under `totals`. */
  sums?: Record<string, (item: ShapedItem<Summary>) => number | undefined>;
  /** Higher ranks are kept first in the top-N (e.g. CRITICAL findings before LOW). */
  rank?: (item: ShapedItem<Summary>) => number;
  /** Extra per-page aggregation (created fresh for every run). */
  aggregate?: () => PageAggregator<Page>;
  /** Non-list fields of the first page worth keeping (field allow-list). */
  header?: FieldSpec;
}

/** Distinct values tracked per group; the rest are lumped into "(other)". Keeps memory bounded. */
const MAX_GROUP_VALUES = 500;
/** Group values shown per group in the result. */
const SHOWN_GROUP_VALUES = 15;

export class ListCollector {
  private count = 0;
  private readonly groups = new Map<string, Map<string, number>>();
  private top: { item: Shaped; rank: number; seq: number }[] = [];
  private readonly aggregator: PageAggregator | undefined;
  private header: Record<string, Json> | undefined;
  private readonly sums = new Map<string, number>();

  constructor(
    private readonly shape: ListShape,
    private readonly maxItems: number,
  ) {
    this.aggregator = shape.aggregate?.();
  }

  /** Adds one SDK page. `region` is stamped on items when several regions are merged. */
  addPage(page: unknown, region?: string): void {
    if (this.header === undefined && this.shape.header) this.header = (pick(page, this.shape.header) ?? {}) as Record<string, Json>;
    this.aggregator?.add(page);
    for (const raw of this.shape.items(page) ?? []) this.addItem(raw, region);
  }

  private addItem(raw: unknown, region: string | undefined): void {
    const shaped = (typeof this.shape.item === 'function' ? jsonSafe(this.shape.item(raw)) : pick(raw, this.shape.item)) as Shaped;
    if (!shaped || typeof shaped !== 'object') return;
    if (region !== undefined) shaped.Region ??= region;
    this.count++;
    for (const [name, keyOf] of Object.entries(this.shape.groups ?? {})) this.bump(name, keyOf(shaped));
    if (region !== undefined) this.bump('region', region);
    for (const [name, valueFor] of Object.entries(this.shape.sums ?? {})) {
      const v = valueFor(shaped);
      if (typeof v === 'number' && Number.isFinite(v)) this.sums.set(name, (this.sums.get(name) ?? 0) + v);
    }
    const rank = this.shape.rank?.(shaped) ?? 0;
    // Keep the best maxItems; ties keep arrival order. Sorting a tiny array per insert is cheaper
    // than it looks and keeps this obviously correct.
    if (this.top.length < this.maxItems || rank > this.top[this.top.length - 1].rank) {
      this.top.push({ item: shaped, rank, seq: this.count });
      this.top.sort((a, b) => b.rank - a.rank || a.seq - b.seq);
      if (this.top.length > this.maxItems) this.top.pop();
    }
  }

  private bump(group: string, key: string | string[] | undefined): void {
    let m = this.groups.get(group);
    if (!m) this.groups.set(group, (m = new Map()));
    for (const k of Array.isArray(key) ? key : [key ?? '(none)']) {
      const kk = m.has(k) || m.size < MAX_GROUP_VALUES ? k : '(other)';
      m.set(kk, (m.get(kk) ?? 0) + 1);
    }
  }

  get itemCount(): number {
    return this.count;
  }

  result(): Record<string, Json> {
    const by: Record<string, Json> = {};
    for (const [name, m] of this.groups) {
      const sorted = [...m.entries()].sort((a, b) => b[1] - a[1]);
      const shown: Record<string, Json> = Object.fromEntries(sorted.slice(0, SHOWN_GROUP_VALUES));
      const rest = sorted.slice(SHOWN_GROUP_VALUES);
      if (rest.length > 0) shown[`(${rest.length} other values)`] = rest.reduce((s, [, n]) => s + n, 0);
      by[name] = shown;
    }
    const items = this.top.map((t) => t.item);
    const out: Record<string, Json> = { ...(this.header ?? {}), count: this.count };
    if (Object.keys(by).length > 0) out.by = by;
    if (this.sums.size > 0) out.totals = Object.fromEntries([...this.sums].map(([k, v]) => [k, Math.round(v * 100) / 100]));
    Object.assign(out, this.aggregator?.result() ?? {});
    out.items = items;
    if (this.count > items.length) out.moreNotShown = this.count - items.length;
    return out;
  }
}
