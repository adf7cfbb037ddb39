#!/usr/bin/env bash
# make test: host unit tests of the VM bookkeeping, the xv6 source-compatibility
# check, then the in-guest suite
# (usertests) under QEMU. Ends with one line "N passed, N failed"; exits
# non-zero if anything failed, hung or panicked.
set -u
cd "$(dirname "$0")/.."
mkdir -p build
log_host=build/test-host.log
log_guest=build/test-guest.log
start=$(date +%s)

echo "== host unit tests (tests/host)"
make -s -C tests/host run 2>&1 | tee $log_host
host_rc=${PIPESTATUS[0]}

echo "== code format (.clang-format)"
log_format=build/test-format.log
tools/format-check.sh 2>&1 | tee $log_format
format_rc=${PIPESTATUS[0]}

echo "== user programs warning-free (git-tracked user/progs, -Werror)"
log_warn=build/test-warn.log
make -s --no-print-directory warn-check 2>&1 | tee $log_warn
warn_rc=${PIPESTATUS[0]}

echo "== xv6 source compatibility (tests/xv6compat)"
log_compat=build/test-compat.log
tests/xv6compat/check.sh 2>&1 | tee $log_compat
compat_rc=${PIPESTATUS[0]}

echo "== fsck finds each kind of damage (tests/fsck)"
log_fsckt=build/test-fsck-host.log
python3 tests/fsck/test_fsck.py build/mkfs 2>&1 | tee $log_fsckt
fsckt_rc=${PIPESTATUS[0]}

echo "== guest tests (usertests under QEMU, ${CPUS:-3} harts, ${MEM:-128M})"
rm -f build/test-fs.img
KEEP_IMG=build/test-fs.img tools/run.sh 'usertests' "${TEST_TIMEOUT:-600}" 2>&1 | tee $log_guest
guest_rc=${PIPESTATUS[0]}

echo "== fsck of the image the guest tests left (build/test-fs.img)"
log_fsck=build/test-fsck.log
{ python3 tools/fsck/fsck.py build/test-fs.img && echo "PASS fsck_after_guest_tests" && echo "1 passed, 0 failed" ||
  { echo "FAIL fsck_after_guest_tests"; echo "0 passed, 1 failed"; }; } 2>&1 | tee $log_fsck

echo "== a full disk and no free inodes (usertests smalldisk_* on a 1600-block, 64-inode disk: room for usertests (~0.9 MiB) and a 100 KiB fill)"
log_small=build/test-smalldisk.log
rm -f build/test-small.img
RUN_MKFS_OPTS="-s 1600 -i 64" RUN_PROGS="build/user/_init build/user/_sh build/user/_usertests" \
  KEEP_IMG=build/test-small.img tools/run.sh 'usertests smalldisk_*' "${TEST_TIMEOUT:-600}" 2>&1 |
  grep -av '^balloc: out of blocks$\|^ialloc: no free inodes$' | tee $log_small
small_rc=${PIPESTATUS[0]}
{ python3 tools/fsck/fsck.py build/test-small.img && echo "PASS fsck_after_smalldisk_tests" ||
  echo "FAIL fsck_after_smalldisk_tests"; } 2>&1 | tee -a $log_small

echo "== a swap disk of 64 slots, then none (usertests swapdev_* with SWAP=258K, SWAP=0)"
log_swap=build/test-swapsizes.log
swap_rc=0
: >$log_swap
for sz in 258K 0; do
  SWAP=$sz tools/run.sh 'usertests swapdev_*' "${TEST_TIMEOUT:-600}" 2>&1 | tee -a $log_swap.$sz
  rc=${PIPESTATUS[0]}
  cat $log_swap.$sz >>$log_swap
  grep -aqE '^[0-9]+ passed, 0 failed' $log_swap.$sz || [ "$rc" != 0 ] || rc=1
  [ "$rc" != 0 ] && swap_rc=$rc && echo "swap-size run SWAP=$sz exited $rc"
  rm -f $log_swap.$sz
done

echo "== programs larger than RAM (MEM=16M: usertests reclaim_swap_* with SWAP=40M, oom_swap_* with SWAP=8M), a mapped file larger than RAM (MEM=4M: bigmap_shared_reclaimer_alone)"
log_big=build/test-smallmem.log
big_rc=0
: >$log_big
for run in "16M:40M:reclaim_swap_*" "16M:8M:oom_swap_*" "4M:64M:bigmap_shared_reclaimer_alone"; do
  mem=${run%%:*} rest=${run#*:}
  swap=${rest%%:*} pat=${rest#*:}
  rm -f build/test-smallmem.img
  MEM=$mem SWAP=$swap KEEP_IMG=build/test-smallmem.img \
    tools/run.sh "usertests $pat" "${TEST_TIMEOUT:-600}" 2>&1 | tee $log_big.run
  rc=${PIPESTATUS[0]}
  cat $log_big.run >>$log_big
  grep -aqE '^[0-9]+ passed, 0 failed' $log_big.run || [ "$rc" != 0 ] || rc=1
  [ "$rc" != 0 ] && big_rc=$rc && echo "small-memory run $pat exited $rc"
  rm -f $log_big.run
  { python3 tools/fsck/fsck.py build/test-smallmem.img && echo "PASS fsck_after_$pat" &&
    echo "1 passed, 0 failed" || { echo "FAIL fsck_after_$pat"; echo "0 passed, 1 failed"; }; } 2>&1 |
    tee -a $log_big
done

echo "== crash test, ${CRASH_POINTS:-3} points (make crashtest N=... for more)"
log_crash=build/test-crash.log
python3 tools/crashtest/crashtest.py -n "${CRASH_POINTS:-3}" --seed "${CRASH_SEED:-1}" --max-delay 5 \
  --inject-every 3 --require-paths 2>&1 | tee $log_crash
crash_rc=${PIPESTATUS[0]}

echo "== fuzzer, short seed (user/progs/fuzz.c; make fuzz SEED= ITERS= for long runs)"
log_fuzz=build/test-fuzz.log
rm -f build/test-fuzz-fs.img
KEEP_IMG=build/test-fuzz-fs.img tools/run.sh "fuzz -s ${FUZZ_SEED:-1} -n ${FUZZ_ITERS:-500}" 600 2>&1 |
  tee $log_fuzz
fuzz_rc=${PIPESTATUS[0]}
{ [ -f build/test-fuzz-fs.img ] && python3 tools/fsck/fsck.py build/test-fuzz-fs.img &&
    echo "PASS fsck_after_fuzz" && echo "1 passed, 0 failed" ||
  { echo "FAIL fsck_after_fuzz"; echo "0 passed, 1 failed"; }; } 2>&1 | tee $log_fuzz.fsck

count() { # file -> "passed failed" from its last summary line
  local line
  line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
  [ -n "$line" ] && echo "$line" | awk '{print $1, $3}' || echo "0 0"
}
read -r hp hf < <(count $log_host)
read -r gp gf < <(count $log_guest)
read -r cp cf < <(count $log_compat)
read -r fp ff < <(count $log_format)
read -r wp wf < <(count $log_warn)
extra=0
if [ "$host_rc" != 0 ] && [ "$hf" = 0 ]; then extra=$((extra + 1)); echo "host tests exited $host_rc"; fi
if [ "$format_rc" != 0 ] && [ "$ff" = 0 ]; then extra=$((extra + 1)); echo "format check exited $format_rc"; fi
if [ "$warn_rc" != 0 ] && [ "$wf" = 0 ]; then extra=$((extra + 1)); echo "warning check exited $warn_rc"; fi
if [ "$compat_rc" != 0 ] && [ "$cf" = 0 ]; then extra=$((extra + 1)); echo "compat check exited $compat_rc"; fi
if [ "$guest_rc" != 0 ] && [ "$gf" = 0 ]; then extra=$((extra + 1)); echo "guest run exited $guest_rc (panic, hang or missing summary)"; fi
if grep -aq '^panic' $log_guest; then extra=$((extra + 1)); echo "kernel panicked"; fi
passed=$((hp + gp + cp + fp + wp))
failed=$((hf + gf + cf + ff + wf + extra))
# file-system stages (fsck's own test, fsck of the guest image, crash points)
read -r kp kf < <(count $log_fsckt)
read -r sp sf < <(count $log_fsck)
read -r xp xf < <(count $log_crash)
read -r mp mf < <(count $log_small)
if grep -aq '^FAIL fsck_after_smalldisk' $log_small; then mf=$((mf + 1)); else mp=$((mp + 1)); fi
if [ "$small_rc" != 0 ] && [ "$mf" = 0 ]; then failed=$((failed + 1)); echo "small-disk run exited $small_rc"; fi
if grep -aq '^panic' $log_small; then failed=$((failed + 1)); echo "kernel panicked (small disk)"; fi
if [ "$fsckt_rc" != 0 ] && [ "$kf" = 0 ]; then failed=$((failed + 1)); echo "fsck test exited $fsckt_rc"; fi
if [ "$crash_rc" != 0 ] && [ "$xf" = 0 ]; then failed=$((failed + 1)); echo "crash test exited $crash_rc"; fi
passed=$((passed + kp + sp + xp + mp))
failed=$((failed + kf + sf + xf + mf))
# the swap-size runs (two summaries in one log: add them up)
read -r qp qf < <(grep -aE '^[0-9]+ passed, [0-9]+ failed' $log_swap | awk '{p += $1; f += $3} END {print p + 0, f + 0}')
if [ "$swap_rc" != 0 ] && [ "$qf" = 0 ]; then failed=$((failed + 1)); fi
if grep -aq '^panic' $log_swap; then failed=$((failed + 1)); echo "kernel panicked (swap sizes)"; fi
passed=$((passed + qp))
failed=$((failed + qf))
# the small-memory runs and their fsck checks (several summaries: add them up)
read -r bp bf < <(grep -aE '^[0-9]+ passed, [0-9]+ failed' $log_big | awk '{p += $1; f += $3} END {print p + 0, f + 0}')
if [ "$big_rc" != 0 ] && [ "$bf" = 0 ]; then failed=$((failed + 1)); fi
if grep -aq '^panic' $log_big; then failed=$((failed + 1)); echo "kernel panicked (small memory)"; fi
passed=$((passed + bp))
failed=$((failed + bf))
# the fuzzer's stage and fsck of the image it left
read -r zp zf < <(count $log_fuzz)
read -r yp yf < <(count $log_fuzz.fsck)
if [ "$fuzz_rc" != 0 ] && [ "$zf" = 0 ]; then failed=$((failed + 1)); echo "fuzz run exited $fuzz_rc (panic, hang or missing summary)"; fi
if grep -aq '^panic' $log_fuzz; then failed=$((failed + 1)); echo "kernel panicked under the fuzzer"; fi
passed=$((passed + zp + yp))
failed=$((failed + zf + yf))
echo "== took $(( $(date +%s) - start ))s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
