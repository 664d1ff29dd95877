#!/usr/bin/env bash
# Issue 10: no line over 140 characters in src/ test/ bench/ scripts/. Biome's lineWidth is 140,
# but the formatter cannot split a long string, regex or test title, so this checks what it leaves.
# Prints every offending line as `file:line: N chars` and exits 1 if there are any.
# Node counts the characters (code points: the tests are full of '—' and '·'), so the check does
# not depend on which awk the machine has (mawk and busybox count bytes).
set -euo pipefail
cd "$(dirname "$0")/.."

node --input-type=module - src test bench scripts <<'JS'
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
const MAX = 140;
const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.(ts|mjs|sh)$/.test(name) ? [path] : [];
  });
const long = process.argv
  .slice(2)
  .flatMap(files)
  .sort()
  .flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line, i) => ({ file, line: i + 1, chars: [...line].length }))
      .filter((l) => l.chars > MAX),
  );
for (const l of long) console.log(`${l.file}:${l.line}: ${l.chars} chars`);
if (long.length) {
  console.error(`lines over ${MAX} characters (issue 10): split the string or expression`);
  process.exit(1);
}
JS
