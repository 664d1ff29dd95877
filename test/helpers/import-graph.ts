import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * Walks the import graph of our TypeScript sources from an entry file and reports which packages
 * are reachable, with the chain of files that reaches each. This is what proves the process split
 * is structural: a test fails if the sentinel can reach the AWS SDK, say, even through a type.
 */

export interface ModuleImports {
  static: string[];
  dynamic: string[];
}

export function importsOf(file: string): ModuleImports {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const result: ModuleImports = { static: [], dynamic: [] };
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      result.static.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expr = node.moduleReference.expression;
      if (ts.isStringLiteral(expr)) result.static.push(expr.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) result.dynamic.push(arg.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      result.static.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return result;
}

function resolveRelative(from: string, spec: string): string {
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, path.join(base, 'index.ts'), base];
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  if (!found) throw new Error(`cannot resolve ${spec} from ${from}`);
  return found;
}

export function packageName(spec: string): string {
  if (spec.startsWith('node:')) return spec;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

export interface Reachable {
  /** package name → the chain of files from the entry to the file importing it. */
  packages: Map<string, string[]>;
  files: Set<string>;
}

/** `followDynamic: false` treats `import()` as not reached (the CLI loads one role lazily). */
export function reachableFrom(entry: string, opts: { followDynamic: boolean } = { followDynamic: true }): Reachable {
  const packages = new Map<string, string[]>();
  const files = new Set<string>();
  const queue: { file: string; chain: string[] }[] = [{ file: path.resolve(entry), chain: [] }];
  while (queue.length) {
    const { file, chain } = queue.shift()!;
    if (files.has(file)) continue;
    files.add(file);
    const here = [...chain, file];
    const imports = importsOf(file);
    const specs = opts.followDynamic ? [...imports.static, ...imports.dynamic] : imports.static;
    for (const spec of specs) {
      if (spec.startsWith('.')) queue.push({ file: resolveRelative(file, spec), chain: here });
      else {
        const name = packageName(spec);
        if (!packages.has(name)) packages.set(name, here);
      }
    }
  }
  return { packages, files };
}

/** Packages matching any forbidden pattern, each with the import chain that reaches it. */
export function violations(entry: string, forbidden: RegExp[], opts?: { followDynamic: boolean }): string[] {
  const { packages } = reachableFrom(entry, opts);
  const root = process.cwd();
  return [...packages]
    .filter(([name]) => forbidden.some((re) => re.test(name)))
    .map(([name, chain]) => `${name} via ${chain.map((f) => path.relative(root, f)).join(' → ')}`);
}

/**
 * Every package an installed npm package can load: its `dependencies` (and optional ones), followed
 * through node_modules the way Node resolves them (nearest node_modules first). Used for the one
 * third-party package allowed to speak AWS inside the sentinel, the Bedrock SDK: its closure is
 * checked for hawk's AWS service clients.
 */
export function packageClosure(name: string, from = process.cwd()): Set<string> {
  const resolveDir = (pkg: string, dir: string): string | undefined => {
    for (let d = dir; ; d = path.dirname(d)) {
      const candidate = path.join(d, 'node_modules', pkg);
      if (existsSync(path.join(candidate, 'package.json'))) return candidate;
      if (path.dirname(d) === d) return undefined;
    }
  };
  const names = new Set<string>();
  const seen = new Set<string>();
  const start = resolveDir(name, from);
  if (!start) throw new Error(`${name} is not installed`);
  const queue = [start];
  while (queue.length) {
    const dir = queue.shift()!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    names.add(manifest.name);
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      const found = resolveDir(dep, dir);
      if (found) queue.push(found);
    }
  }
  return names;
}
