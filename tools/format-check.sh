#!/usr/bin/env bash
# Check that C sources follow .clang-format (rules written for clang-format 14,
# Debian bookworm's; tools/deps.sh installs it). Prints "PASS format" or
# "FAIL format: files..." and a summary line; without clang-format 14 it fails.
set -u
cd "$(dirname "$0")/.."
CF=$(tools/deps.sh format)
ver=$($CF --version 2>/dev/null | sed -n 's/.*version \([0-9]*\).*/\1/p')
if [ "$ver" != 14 ]; then
  # Never pass without checking: the stage fails until clang-format 14 is there.
  echo "FAIL format: clang-format 14 is needed (${CF:-clang-format-14}: ${ver:-missing}); apt-get install clang-format-14"
  echo "0 passed, 1 failed"
  exit 1
fi
bad=$(for f in $(git ls-files 'kernel/*.[ch]' 'user/*.[ch]' 'tools/*.c' 'include/*.h' 'tests/host/*.[ch]' 'tests/host/*/*.[ch]'); do
        $CF --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"; done)
if [ -z "$bad" ]; then
  echo "PASS format"; echo "1 passed, 0 failed"
else
  echo "FAIL format: run 'make format' for:" $bad; echo "0 passed, 1 failed"; exit 1
fi
