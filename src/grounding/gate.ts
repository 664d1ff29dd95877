import { checkFigure, type CheckedFigure } from './check.js';
import { extractFigures, type Figure } from './extract.js';
import type { SourcePool } from './sources.js';

/** What replaces a figure no source supports. It has no digits, so it can never look like one. */
export const FIGURE_REMOVED = '[figure removed: not in the AWS data]';

export interface Grounding {
  figures: CheckedFigure[];
  unverified: Figure[];
}

export function groundText(text: string, pool: SourcePool): Grounding {
  const figures = extractFigures(text).map((f) => checkFigure(f, pool));
  return { figures, unverified: figures.filter((f) => !f.verified).map((f) => f.figure) };
}

/**
 * Replaces each unverified figure with FIGURE_REMOVED, and then every other spelling of the same
 * number anywhere in the text (with or without thousands separators, in code spans, in names),
 * so the number itself cannot reach Slack by any route the extractor passed over.
 */
export function removeFigures(text: string, unverified: Figure[]): string {
  let out = text;
  for (const f of [...unverified].sort((a, b) => b.start - a.start)) out = out.slice(0, f.start) + FIGURE_REMOVED + out.slice(f.end);
  const cores = new Set<string>();
  for (const f of unverified) {
    const core = /\d+(?:,\d{3})*(?:\.\d+)?/.exec(f.text)?.[0];
    // Short bare numbers (12, 3.5) also name days and versions: the spans above are what goes.
    if (core && core.replace(/[,.]/g, '').length >= 4) cores.add(core.replace(/,/g, ''));
  }
  for (const core of cores) {
    const [int, frac] = core.split('.');
    const withCommas = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    const alternatives = [...new Set([int!, withCommas])].map((s) => s.replace(/[.]/g, '\\.'));
    const pattern = new RegExp(`(?<![\\d,.])(?:${alternatives.join('|')})${frac ? `\\.${frac}` : ''}(?![\\d])`, 'g');
    out = out.replace(pattern, FIGURE_REMOVED);
  }
  return out;
}

/** The figures a draft was sent back for, as a short list for the model and the audit row. */
export function describeFigures(figures: Figure[]): string {
  return [...new Set(figures.map((f) => f.text.trim()))].join(', ');
}
