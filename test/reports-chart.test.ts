import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CHART_COLOURS, CHART_HEIGHT, CHART_WIDTH, chartLayout, costChartPng, type Report } from '../src/reports/index.js';
import { crc32Fallback } from '../src/reports/png.js';

function report(rows: [string, number, number][]): Report {
  return {
    account: 'acme-prod',
    period: { thisWeek: { start: '2024-05-28', end: '2024-06-03' }, lastWeek: { start: '2024-05-21', end: '2024-05-27' } },
    currency: 'USD',
    cost: {
      rows: rows.map(([service, thisWeek, lastWeek]) => ({ service, thisWeek, lastWeek, delta: thisWeek - lastWeek, deltaPct: null })),
      totalThis: 0, totalPrev: 0, delta: 0, deltaPct: null,
    },
    forecast: null, anomalies: null, findings: null, newCritical: null, newCriticalCount: null, problems: [],
  };
}

/** Parses a PNG strictly enough to trust it: signature, chunk CRCs, IHDR, one zlib stream of filtered rows. */
function decode(png: Buffer) {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const chunks: { type: string; data: Buffer }[] = [];
  let off = 8;
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    const crc = png.readUInt32BE(off + 8 + len);
    expect(crc, `${type} CRC`).toBe(crc32Fallback(png.subarray(off + 4, off + 8 + len)));
    chunks.push({ type, data });
    off += 12 + len;
  }
  expect(off).toBe(png.length);
  expect(chunks[0]!.type).toBe('IHDR');
  expect(chunks.at(-1)).toEqual({ type: 'IEND', data: Buffer.alloc(0) });
  const ihdr = chunks[0]!.data;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  expect([...ihdr.subarray(8)]).toEqual([8, 2, 0, 0, 0]); // 8-bit RGB, deflate, adaptive filters, no interlace
  const raw = zlib.inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * 3 + 1;
  expect(raw.length).toBe(stride * height);
  for (let y = 0; y < height; y++) expect(raw[y * stride], `filter byte of row ${y}`).toBe(0);
  const pixel = (x: number, y: number) => [...raw.subarray(y * stride + 1 + x * 3, y * stride + 4 + x * 3)];
  return { width, height, pixel };
}

describe('costChartPng', () => {
  it('has a CRC32 fallback that matches the known check value', () => {
    expect(crc32Fallback(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32Fallback(Buffer.from('IEND'))).toBe(0xae426082);
  });

  it('is a valid 640×320 PNG with one light and one dark bar per row, heights proportional to the values', () => {
    const r = report([['EC2', 700, 600], ['RDS', 300.5, 320.25], ['S3', 120, 100], ['Lambda', 50, 0], ['Other (4 services)', 9.5, 47.5]]);
    const img = decode(costChartPng(r));
    expect([img.width, img.height]).toEqual([CHART_WIDTH, CHART_HEIGHT]);
    const layout = chartLayout(r);
    expect(layout.bars).toHaveLength(5);
    const plotH = layout.plot.y1 - layout.plot.y0;
    // The zero baseline is at the bottom (no negative values) and drawn across the plot.
    expect(layout.baseline).toBe(layout.plot.y1);
    expect(img.pixel(layout.plot.x0 + 1, layout.baseline)).toEqual([...CHART_COLOURS.baseline]);

    /** Measures a bar's height by walking up from the baseline through its colour. */
    const measured = (x: number, colour: readonly number[]) => {
      let h = 0;
      while (h < plotH && JSON.stringify(img.pixel(x, layout.baseline - 1 - h)) === JSON.stringify([...colour])) h++;
      return h;
    };
    r.cost!.rows.forEach((row, i) => {
      const b = layout.bars[i]!;
      expect(b.lastWeek.x1).toBeLessThanOrEqual(b.thisWeek.x0); // last week left, this week right
      const mid = (bar: { x0: number; x1: number }) => Math.floor((bar.x0 + bar.x1) / 2);
      const hLast = measured(mid(b.lastWeek), CHART_COLOURS.lastWeek);
      const hThis = measured(mid(b.thisWeek), CHART_COLOURS.thisWeek);
      expect(Math.abs(hThis - (row.thisWeek / 700) * plotH), `${row.service} this week`).toBeLessThanOrEqual(1);
      expect(Math.abs(hLast - (row.lastWeek / 700) * plotH), `${row.service} last week`).toBeLessThanOrEqual(1);
      // Above the bar: background (or a faint grid line), not bar colour.
      if (hThis < plotH) expect(img.pixel(mid(b.thisWeek), layout.baseline - 2 - hThis)).not.toEqual([...CHART_COLOURS.thisWeek]);
    });
    // The biggest bar spans the plot height.
    expect(measured(Math.floor((layout.bars[0]!.thisWeek.x0 + layout.bars[0]!.thisWeek.x1) / 2), CHART_COLOURS.thisWeek)).toBe(plotH);
    // Margins stay background.
    expect(img.pixel(0, 0)).toEqual([...CHART_COLOURS.background]);
    expect(img.pixel(CHART_WIDTH - 1, CHART_HEIGHT - 1)).toEqual([...CHART_COLOURS.background]);
  });

  it('still draws a valid image when there is no cost data, and with a negative value (credits) below the baseline', () => {
    const empty = decode(costChartPng({ ...report([]), cost: null }));
    expect([empty.width, empty.height]).toEqual([CHART_WIDTH, CHART_HEIGHT]);
    const r = report([['EC2', 100, 80], ['Credits', -20, 0]]);
    const img = decode(costChartPng(r));
    const layout = chartLayout(r);
    expect(layout.baseline).toBeLessThan(layout.plot.y1);
    const neg = layout.bars[1]!.thisWeek;
    expect(neg.y0).toBe(layout.baseline);
    expect(img.pixel(Math.floor((neg.x0 + neg.x1) / 2), layout.baseline + 2)).toEqual([...CHART_COLOURS.thisWeek]);
  });
});
