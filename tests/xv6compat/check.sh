#!/usr/bin/env bash
# Source compatibility with xv6: every tests/xv6compat/*.c is written with
# xv6's #include lines. Replace only those lines by #include "user.h", then
# compile with exactly the flags a program dropped into user/progs gets
# (`make print-uprogcflags`) and link against Lazuli's user library.
#   NAME.c       must build without a warning (the API matches xv6's types)
#   NAME_warn.c  has xv6-style printf mismatches: must build, warnings shown
# Prints PASS/FAIL per program and a final "N passed, N failed" line.
set -u
cd "$(dirname "$0")/../.."
B=build/xv6compat
mkdir -p $B
CC=$(tools/deps.sh prefix)gcc
LD=$(tools/deps.sh prefix)ld
flags=$(make -s --no-print-directory print-uprogcflags | sed 's/ -MD\b//')
pass=0 fail=0
for src in tests/xv6compat/*.c; do
  name=$(basename "$src" .c)
  sed -E 's@^#include "(kernel|user)/[a-z]+\.h"@#include "user.h"@' "$src" > $B/$name.c
  if $CC $flags -Wno-unused -c $B/$name.c -o $B/$name.o 2>$B/$name.err &&
     $LD -z max-page-size=4096 -T user/user.ld -o $B/_$name $B/$name.o build/user/lib/*.o \
       2>>$B/$name.err; then
    case $name in
    *_warn)
      if grep -q 'warning:.*-Wformat' $B/$name.err; then
        echo "PASS xv6compat_$name (built; $(grep -c 'warning:' $B/$name.err) warnings shown)"
        pass=$((pass + 1))
      else
        echo "FAIL xv6compat_$name: built, but no format warning was shown"; fail=$((fail + 1))
      fi ;;
    *)
      if [ -s $B/$name.err ]; then
        echo "FAIL xv6compat_$name: warnings: $(head -3 $B/$name.err | tr '\n' ' ')"; fail=$((fail + 1))
      else
        echo "PASS xv6compat_$name"; pass=$((pass + 1))
      fi ;;
    esac
  else
    echo "FAIL xv6compat_$name: $(grep -m3 -E 'error|undefined' $B/$name.err | tr '\n' ' ')"; fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
