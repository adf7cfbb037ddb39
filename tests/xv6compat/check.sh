#!/usr/bin/env bash
# Source compatibility with classic xv6: every tests/xv6compat/*.c is written
# with xv6's #include lines. Replace only those lines by #include "user.h",
# then compile and link against Lazuli's headers and user library.
# Prints PASS/FAIL per program and a final "N passed, N failed" line.
set -u
cd "$(dirname "$0")/../.."
B=build/xv6compat
mkdir -p $B
CC=$(tools/deps.sh prefix)gcc
LD=$(tools/deps.sh prefix)ld
pass=0 fail=0
for src in tests/xv6compat/*.c; do
  name=$(basename "$src" .c)
  sed -E 's@^#include "(kernel|user)/[a-z]+\.h"@#include "user.h"@' "$src" > $B/$name.c
  if $CC -Wall -Werror -Wno-unused -O2 -march=rv64gc -mabi=lp64d -mcmodel=medany -mno-relax \
       -ffreestanding -fno-common -nostdlib -fno-builtin -fno-pie -no-pie \
       -Iinclude -Iuser/include -c $B/$name.c -o $B/$name.o 2>$B/$name.err &&
     $LD -z max-page-size=4096 -T user/user.ld -o $B/_$name $B/$name.o build/user/lib/*.o \
       2>>$B/$name.err; then
    echo "PASS xv6compat_$name"; pass=$((pass + 1))
  else
    echo "FAIL xv6compat_$name: $(head -3 $B/$name.err | tr '\n' ' ')"; fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
