#!/bin/sh
# Runs each host test binary named, then prints one combined
# "N passed, N failed" line (tests/run-all.sh reads only the last one).
# A binary that exits non-zero without reporting a failure (crash,
# sanitizer abort) counts as one failure. Exits non-zero if any failed.
passed=0
failed=0
log=$(mktemp)
for bin in "$@"; do
  rcfile=$(mktemp)
  { "$bin"; echo $? >"$rcfile"; } 2>&1 | tee "$log"
  rc=$(cat "$rcfile")
  rm -f "$rcfile"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  p=0
  f=0
  if [ -n "$line" ]; then
    p=$(echo "$line" | awk '{print $1}')
    f=$(echo "$line" | awk '{print $3}')
  fi
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
    echo "$bin exited $rc"
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
done
rm -f "$log"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
