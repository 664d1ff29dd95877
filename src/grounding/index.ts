/**
 * Grounding: every figure in an answer must come from the conversation's AWS data (or simple
 * arithmetic of it) before the answer leaves the sentinel. docs/grounding.md states the rules.
 */
export { extractFigures, numbersInText } from './extract.js';
export type { CheckedFigure } from './check.js';
export { collectSources, SourcePool, type SourceInput } from './sources.js';
export { groundText, removeFigures, describeFigures } from './gate.js';
