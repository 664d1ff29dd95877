/**
 * "Every number in an answer comes from a tool result." The prompt asks for it; this checks it.
 * Numbers in the model's answer that appear in no tool result (nor in the question) are reported so
 * the reply can say so plainly instead of passing off a guess as AWS data.
 */

const NUMBER = /(?<![\w.])\d[\d,]*(?:\.\d+)?/g;

function normalise(token: string): string {
  return token.replace(/,/g, '');
}

function decimals(token: string): number {
  const dot = token.indexOf('.');
  return dot < 0 ? 0 : token.length - dot - 1;
}

export function numbersIn(text: string): string[] {
  return [...text.matchAll(NUMBER)].map((m) => normalise(m[0]));
}

/**
 * Returns the answer's numbers that no source supports. A number is supported when it appears in a
 * source as written, or when a source number rounds to it at the answer's precision ($1,234.6 for
 * 1234.5612). Small integers (≤ 10) are list markers and counts of things the user can see: ignored.
 */
export function unsupportedNumbers(answer: string, sources: string[]): string[] {
  const corpus = new Set<string>();
  const values: number[] = [];
  for (const s of sources) {
    for (const n of numbersIn(s)) {
      corpus.add(n);
      corpus.add(n.replace(/^0+(?=\d)/, ''));
      const v = Number(n);
      if (Number.isFinite(v)) values.push(v);
    }
  }
  const unsupported = new Set<string>();
  for (const token of numbersIn(answer)) {
    const value = Number(token);
    if (!Number.isFinite(value) || (decimals(token) === 0 && value <= 10)) continue;
    if (corpus.has(token) || corpus.has(token.replace(/^0+(?=\d)/, ''))) continue;
    const places = decimals(token);
    const factor = 10 ** places;
    if (values.some((v) => Math.round(v * factor) / factor === value)) continue;
    unsupported.add(token);
  }
  return [...unsupported];
}
