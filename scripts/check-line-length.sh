#!/usr/bin/env bash
# Issue 10: no line over 140 characters in src/ test/ bench/ scripts/. Biome's lineWidth is 140,
# but the formatter cannot split a long string, regex or test title, so this checks what it leaves.
# Prints every offending line as `file:line: N chars` and exits 1 if there are any.
set -euo pipefail

readonly MAX=140
cd "$(dirname "$0")/.."

# Count characters, not bytes: the tests are full of '—' and '·'. gawk does so in a UTF-8 locale;
# an awk that counts bytes (mawk, busybox) would report lines that are not long, so refuse it.
export LC_ALL=C.UTF-8
if [[ "$(printf '—\n' | awk '{ print length($0) }')" != 1 ]]; then
  echo "check-line-length: this awk counts bytes, not characters; install gawk" >&2
  exit 2
fi

found=$(
  find src test bench scripts -type f \( -name '*.ts' -o -name '*.mjs' -o -name '*.sh' \) -print0 |
    sort -z |
    xargs -0 awk -v max="$MAX" 'length($0) > max { printf "%s:%d: %d chars\n", FILENAME, FNR, length($0) }'
)

if [[ -n "$found" ]]; then
  printf '%s\n' "$found"
  echo "lines over $MAX characters (issue 10): split the string or expression" >&2
  exit 1
fi
