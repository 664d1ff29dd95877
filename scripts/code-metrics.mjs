#!/usr/bin/env node
// The figures issue 10's closing note reports, measured on the TypeScript AST so they can be
// re-taken after any change: `npm run metrics [-- --top N]`.
//   longest functions   function, method and arrow bodies in src/, by lines
//   over 50 lines       how many of them
//   lines over 140      characters (code points) per line in src/
//   any                 `any` keywords in src/ and in src/tools/aws/ops (the SDK-typed shapers)
//   payload casts       `as` expressions whose operand reads an audit payload (`….payload`)
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const topArg = process.argv.indexOf('--top');
const top = topArg > 0 ? Number(process.argv[topArg + 1]) : 10;

const files = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

const functions = [];
let longLines = 0;
let anyInSrc = 0;
let anyInOps = 0;
const payloadCasts = [];
for (const file of files(join(root, 'src'))) {
  const text = readFileSync(file, 'utf8');
  const where = relative(root, file);
  longLines += text.split('\n').filter((line) => [...line].length > 140).length;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos) => source.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (node) => {
    if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
      const name = node.name?.getText() ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText() : '(anonymous)');
      functions.push({ lines: lineOf(node.getEnd()) - lineOf(node.getStart()) + 1, where: `${where}:${lineOf(node.getStart())}`, name });
    }
    if (node.kind === ts.SyntaxKind.AnyKeyword) {
      anyInSrc++;
      if (where.startsWith('src/tools/aws/ops/')) anyInOps++;
    }
    if (ts.isAsExpression(node) && /\.payload\b/.test(node.expression.getText())) payloadCasts.push(`${where}:${lineOf(node.getStart())}`);
    ts.forEachChild(node, visit);
  };
  visit(source);
}

functions.sort((a, b) => b.lines - a.lines);
console.log(`longest functions in src (top ${top}):`);
for (const f of functions.slice(0, top)) console.log(`  ${String(f.lines).padStart(4)}  ${f.name}  ${f.where}`);
console.log(`functions over 50 lines: ${functions.filter((f) => f.lines > 50).length}`);
console.log(`lines over 140 characters in src: ${longLines}`);
console.log(`any in src: ${anyInSrc} (src/tools/aws/ops: ${anyInOps})`);
console.log(`as-casts on audit payloads: ${payloadCasts.length}${payloadCasts.length ? ` (${payloadCasts.join(', ')})` : ''}`);
