#!/usr/bin/env bash
# The project's own user programs compile without a single warning. The
# build shows user/progs warnings without failing (so a program copied from
# xv6 builds); this check, a stage of make test, holds every git-tracked
# user/progs/*.c to -Werror. Run by `make warn-check` (which passes CC and
# UCFLAGS). Prints PASS/FAIL and an "N passed, N failed" line.
set -u
cd "$(dirname "$0")/.."
: "${CC:?run through make warn-check}" "${UCFLAGS:?run through make warn-check}"
flags=$(echo " $UCFLAGS " | sed 's/ -MD / /')
case " $flags " in *" -Werror "*) ;; *) flags="$flags -Werror" ;; esac
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  files=$(git ls-files 'user/progs/*.c')
else
  files=$(ls user/progs/*.c)  # no git: every program there
fi
n=0 bad=""
for f in $files; do
  n=$((n + 1))
  if ! out=$($CC $flags -fsyntax-only "$f" 2>&1) || [ -n "$out" ]; then
    bad="$bad $f"
    echo "$out" | head -5
  fi
done
if [ "$n" = 0 ]; then
  echo "FAIL warnings: no user programs found"; echo "0 passed, 1 failed"; exit 1
elif [ -z "$bad" ]; then
  echo "PASS warnings ($n user programs, -Werror)"; echo "1 passed, 0 failed"
else
  echo "FAIL warnings: not warning-free:$bad"; echo "0 passed, 1 failed"; exit 1
fi
