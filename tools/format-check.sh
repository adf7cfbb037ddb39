#!/usr/bin/env bash
# Check that C sources follow .clang-format (rules written for clang-format 14,
# Debian bookworm's). Prints "PASS format" or "FAIL format: files..." and a
# summary line. Another clang-format version formats differently: then skip.
set -u
cd "$(dirname "$0")/.."
ver=$(clang-format --version 2>/dev/null | sed -n 's/.*version \([0-9]*\).*/\1/p')
if [ "$ver" != 14 ]; then
  echo "SKIP format: clang-format ${ver:-missing}, the rules are for version 14"
  echo "0 passed, 0 failed"
  exit 0
fi
bad=$(for f in $(git ls-files 'kernel/*.[ch]' 'user/*.[ch]' 'tools/*.c' 'include/*.h' 'tests/host/*.[ch]' 'tests/host/*/*.[ch]'); do
        clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"; done)
if [ -z "$bad" ]; then
  echo "PASS format"; echo "1 passed, 0 failed"
else
  echo "FAIL format: run 'make format' for:" $bad; echo "0 passed, 1 failed"; exit 1
fi
