/**
 * Grounding: every figure in an answer must come from the conversation's AWS data (or simple
 * arithmetic of it) before the answer leaves the sentinel. docs/grounding.md states the rules.
 */
export { extractFigures, numbersInText, type Figure, type FigureKind } from './extract.js';
export { checkFigure, type CheckedFigure, type GroundingRule } from './check.js';
export { collectSources, SourcePool, type SourceInput } from './sources.js';
export { groundText, removeFigures, describeFigures, FIGURE_REMOVED, type Grounding } from './gate.js';
