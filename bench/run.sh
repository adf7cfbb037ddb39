#!/bin/bash
# Runs user/progs/bench.c in a headless QEMU and writes bench/results.md
# (platform line and tables) and bench/results.png (gnuplot, two panels).
# Usage: bash bench/run.sh            boot QEMU via `make run CMD=bench`
#        bash bench/run.sh --log F    only regenerate the report from log F
# Parses the "BENCH key value unit" lines; the raw log is bench/last-run.log.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
log="$here/last-run.log"
md="$here/results.md"
png="$here/results.png"
timeout_s=${BENCH_TIMEOUT:-300}

rc=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

die() { echo "bench/run.sh: $*" >&2; exit 1; }

# ---- 1. run the benchmark (unless given a log) --------------------------

if [ "${1:-}" = "--log" ]; then
  [ -r "${2:-}" ] || die "no log file '${2:-}'"
  [ "$2" -ef "$log" ] || cp "$2" "$log"
else
  cd "$root" || die "no tree at $root"
  if [ -x tests/run-guest.sh ] && ! grep -q '^run:' Makefile 2>/dev/null; then
    runner=(bash tests/run-guest.sh bench)
  else
    runner=(make --no-print-directory run "CMD=bench")
  fi
  echo "bench/run.sh: ${runner[*]} (timeout ${timeout_s}s)"
  timeout "$timeout_s" "${runner[@]}" </dev/null 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  [ "$rc" = 124 ] && echo "bench/run.sh: QEMU timed out after ${timeout_s}s" >&2
  [ "$rc" != 0 ] && echo "bench/run.sh: runner exited with status $rc" >&2
  # The working-set rows need memory pressure: a small guest of their own
  # (WS_MEM, WS_SWAP; BENCH_WS=0 skips them). Same log.
  if [ "${BENCH_WS:-1}" != 0 ]; then
    echo "bench/run.sh: bench ws in a MEM=${WS_MEM:-16M} SWAP=${WS_SWAP:-48M} guest"
    MEM=${WS_MEM:-16M} SWAP=${WS_SWAP:-48M} tools/run.sh 'bench ws' "${WS_TIMEOUT:-900}" </dev/null 2>&1 |
      tee -a "$log"
    wrc=${PIPESTATUS[0]}
    [ "$wrc" != 0 ] && echo "bench/run.sh: the working-set run exited with status $wrc" >&2 && rc=$wrc
  fi
fi

# Keep only "BENCH ..." (a prompt or \r may surround it on the console).
tr -d '\r' <"$log" | grep -o 'BENCH [A-Za-z0-9_]* [^ ]* [A-Za-z/]*' >"$tmp/bench.txt"
[ -s "$tmp/bench.txt" ] || die "no BENCH lines in $log"

declare -A V U
while read -r _ key val unit; do
  V[$key]=$val
  U[$key]=$unit
done <"$tmp/bench.txt"

# ---- 2. formatting helpers ----------------------------------------------

val() { echo "${V[$1]:-n/a}"; }

# A time in ns, shown in the unit that suits it.
t() {
  local v; v=$(val "$1")
  case "$v" in
    n/a | "") echo "n/a" ;;
    *) awk -v n="$v" 'BEGIN {
         if (n < 10000) printf "%d ns", n;
         else if (n < 1000000) printf "%.1f µs", n / 1000;
         else if (n < 10000000) printf "%.2f ms", n / 1000000;
         else printf "%.1f ms", n / 1000000 }' ;;
  esac
}

# A frame count with the memory it stands for.
f() {
  local v; v=$(val "$1")
  case "$v" in
    n/a | "") echo "n/a" ;;
    *) awk -v n="$v" 'BEGIN { printf "%d (%.1f MiB)", n, n * 4 / 1024 }' ;;
  esac
}

r() {
  local v; v=$(val "$1")
  [ "$v" = n/a ] && echo "n/a" || echo "${v}×"
}

# ---- 3. platform ----------------------------------------------------------

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: *//')
[ -n "$cpu" ] || cpu=$(uname -m)
qemu=$(qemu-system-riscv64 --version 2>/dev/null | head -1 | sed 's/QEMU emulator version //')
# tools/run.sh takes CPUS and MEM from the environment, else the Makefile's.
mvars=$(cd "$root" && make -pn run CMD=x 2>/dev/null | grep -E '^(CPUS|MEM) *[:?]?=')
harts=${CPUS:-$(echo "$mvars" | sed -n 's/^CPUS *[:?]*= *//p' | head -1)}
ram=${MEM:-$(echo "$mvars" | sed -n 's/^MEM *[:?]*= *//p' | head -1)}
[ -n "$harts" ] || harts="?"
[ -n "$ram" ] || ram="?"
managed=$(f frames_total)

# ---- 4. results.md --------------------------------------------------------

{
  echo "# Lazuli VM benchmarks"
  echo
  echo "Platform: host CPU ${cpu}; QEMU ${qemu:-?} (TCG); ${harts} harts;" \
    "RAM ${ram} (frames managed by the kernel: ${managed});" \
    "run of $(date -u '+%Y-%m-%d %H:%M UTC'), $(val bench_runtime) ms of guest time."
  echo
  echo "Produced by \`make bench\` (\`bench/run.sh\` running \`user/progs/bench.c\`)."
  if [ "$(val clock_csr)" = 1 ]; then
    echo "Times are guest wall-clock from the \`time\` CSR read in user mode (100 ns resolution)."
  else
    echo "Times are guest wall-clock from the \`nanotime()\` system call ($(t clock_cost) per read,"
    echo "subtracted where one call is timed): the kernel does not let user mode read the"
    echo "\`time\` CSR (scounteren.TM clear), so bench fell back to the system call."
  fi
  echo "Each figure is the median of several samples (loops are timed in batches), because"
  echo "the host may deschedule QEMU at any time. TCG emulation makes absolute numbers slow"
  echo "and host-dependent: compare the two columns and the ratios."
  echo
  echo "## sbrk: lazy vs eager"
  echo
  echo "Time of the \`sbrk(n)\` call itself (shrunk back after each call) and frames it took."
  echo
  echo "| size | lazy | eager | lazy frames | eager frames |"
  echo "|---:|---:|---:|---:|---:|"
  for s in 1M 16M 64M 1G; do
    echo "| $s | $(t sbrk_lazy_$s) | $(t sbrk_eager_$s) | $(f frames_sbrk_lazy_$s) | $(f frames_sbrk_eager_$s) |"
  done
  echo
  echo "Eager 1 GiB is impossible: the machine has less RAM than that."
  echo
  echo "## Touching memory"
  echo
  echo "| measurement | lazy | eager |"
  echo "|---|---:|---:|"
  echo "| write every page of 16 MiB (after sbrk) | $(t touch_lazy_16M) | $(t touch_eager_16M) |"
  echo "| sbrk + write every page of 16 MiB | $(t sbrk_touch_lazy_16M) | $(t sbrk_touch_eager_16M) |"
  echo "| the same, lazy without fault-around (\`vmctl faultaround off\`) | $(t sbrk_touch_lazynofa_16M) | |"
  echo "| **sbrk + write 16 MiB, lazy / eager** | **$(r ratio_touch16_lazy_over_eager)** | |"
  echo "| frames held afterwards | $(f frames_touch_lazy_16M) | $(f frames_touch_eager_16M) |"
  echo "| write 1 page in 64 of 1 GiB | $(t sparse_lazy_1G) | n/a |"
  echo "| frames for that (incl. page tables) | $(f frames_sparse_lazy_1G) | n/a |"
  echo
  echo "| unit cost | time |"
  echo "|---|---:|"
  echo "| one lazy zero-fill fault (write to a fresh page; fault-around off) | $(t fault_lazy) |"
  echo "| the same, fastest of 16 batches | $(t fault_lazy_best) |"
  echo "| zeroed frames the pre-zeroed pool served during that measurement | $(val fault_lazy_pool_pct) % |"
  echo "| the same without the pre-zeroed pool (\`vmctl prezero off\`) | $(t fault_lazy_noprezero) |"
  echo "| one read fault on fresh heap (maps the shared zero page) | $(t fault_zero_page) |"
  echo "| one swap-in fault (read 4 KiB back from the swap disk) | $(t fault_swap_in) |"
  echo "| the same, fastest of 16 batches | $(t fault_swap_in_best) |"
  echo "| page-out by \`madvise(MADV_PAGEOUT)\`, per page, batched (16 PTEs, one TLB flush, 16 writes in flight) | $(t pageout_per_page) |"
  echo "| the same, one page at a time (\`vmctl(VMCTL_PAGEOUT_BATCH, 0)\`: PTE, TLB flush, 4 KiB write) | $(t pageout_per_page_single) |"
  echo "| page-out one at a time / batched | $(r ratio_pageout_single_over_batch) |"
  echo "| swap-in fault / zero-fill fault | $(r ratio_swapin_over_zerofill) |"
  echo "| per page of a sequential first write, fault-around on | $(t fault_lazy_around) |"
  echo "| null system call (\`getpid\`) | $(t syscall_null) |"
  echo "| the same, fastest of 40 batches | $(t syscall_null_best) |"
  echo "| zero 4 KiB in user space (library \`memset\`) | $(t zero4k_memset) |"
  echo "| zero 4 KiB in user space (8-byte stores) | $(t zero4k_word) |"
  echo "| **fault / (null syscall + memset 4 KiB)** | **$(r ratio_fault_over_syscall_zero)** |"
  echo "| the same from the fastest batches | $(r ratio_best_fault_over_syscall_zero) |"
  echo "| the same from interleaved samples (16 rounds of 128 faults, 1000 syscalls, 100 memsets): $(t fault_lazy_il) / ($(t syscall_null_il) + $(t zero4k_memset_il)) | $(r ratio_fault_over_syscall_zero_il) |"
  echo
  echo "## Trap cost: no page-table switch vs stock xv6's satp switch per trap"
  echo
  echo "\`vmctl(VMCTL_TRAP_SATP, 1)\` makes every trap switch satp (and flush the TLB) like stock xv6."
  echo
  echo "| measurement | satp switch (xv6) | no switch (Lazuli) | speed-up |"
  echo "|---|---:|---:|---:|"
  echo "| null system call | $(t syscall_null_satpon) | $(t syscall_null_satpoff) | $(r speedup_syscall_satp) |"
  echo "| lazy fault | $(t fault_lazy_satpon) | $(t fault_lazy_satpoff) | $(r speedup_fault_satp) |"
  echo
  echo "## fork: copy-on-write vs copy"
  echo
  echo "fork + exit + wait latency for a parent with a touched heap, and frames one fork took."
  echo
  echo "| heap | COW | copy | COW frames | copy frames |"
  echo "|---:|---:|---:|---:|---:|"
  for s in 0M 1M 16M 32M 64M; do
    echo "| $s | $(t fork_cow_$s) | $(t fork_copy_$s) | $(f frames_fork_cow_$s) | $(f frames_fork_copy_$s) |"
  done
  echo
  echo "A copying fork that would not fit in free memory is reported n/a (64 MiB needs 64 MiB"
  echo "more frames than the parent already holds)."
  echo
  echo "| measurement | COW | copy |"
  echo "|---|---:|---:|"
  echo "| fork + exec \`echo\` from a 32 MiB parent | $(t forkexec_cow_32M) | $(t forkexec_copy_32M) |"
  echo
  echo "| ratio | value |"
  echo "|---|---:|"
  echo "| COW fork, 64 MiB / 0 MiB heap | $(r ratio_fork_cow_64M_over_0M) |"
  echo "| copy / COW fork at 64 MiB | $(r ratio_fork_copy_over_cow_64M) |"
  echo "| copy / COW fork at 32 MiB | $(r ratio_fork_copy_over_cow_32M) |"
  echo
  echo "## File I/O: read() and write() of a 4 MiB file"
  echo
  echo "4 KiB per call. Cold: right after the page cache was dropped (\`vmctl(VMCTL_CACHE_DROP)\`;"
  echo "before the page cache existed, only the buffer cache's last blocks); warm: read again at once."
  echo "write() once; reads: median of three rounds (drop, read, read)."
  echo
  echo "| measurement | time | MiB/s |"
  echo "|---|---:|---:|"
  for k in file_write_4M file_read_cold_4M file_read_warm_4M file_mmap_cold_4M file_mmap_warm_4M file_mmap_warm_noaround_4M file_msync_4M; do
    echo "| $k | $(t $k) | $(awk -v n="$(val $k)" 'BEGIN { if (n + 0 > 0) printf "%.1f", 4 * 1e9 / n; else print "n/a" }') |"
  done
  echo
  echo "file_mmap_*: touching every page of a \`MAP_PRIVATE\` mapping (warm mapped / warm read(): $(r ratio_mmap_over_read_warm_4M))."
  echo "file_msync_4M: a store to every page of a \`MAP_SHARED\` mapping, then \`msync\` (msync / write(): $(r ratio_msync_over_write_4M))."
  echo
  echo "## Swap device: 4 KiB pages, one per request or batched"
  echo
  echo "The swap disk's own time per page (\`vmctl(VMCTL_SWAPTEST, 256)\`: 256 pages written, then"
  echo "read back; the kernel's clock of its swap I/O, median of three runs; n/a with \`SWAP=0\`)."
  echo "Batched: \`vmctl(VMCTL_SWAPTEST, -256)\`, \`swap_write_many\`/\`swap_read_many\` with up to"
  echo "10 requests in flight. For comparison, a cold read() moves 4 KiB in four 1 KiB block requests."
  echo
  echo "| measurement | one per request | batched |"
  echo "|---|---:|---:|"
  echo "| one page written to swap | $(t swap_write_page) | $(t swap_write_page_batch) |"
  echo "| one page read from swap | $(t swap_read_page) | $(t swap_read_page_batch) |"
  echo "| writes, one per request / batched | $(r ratio_swap_write_single_over_batch) | |"
  echo "| 4 KiB of a cold file read() (file_read_cold_4M / 1024) | $(awk -v n="$(val file_read_cold_4M)" 'BEGIN { if (n + 0 > 0) printf "%.1f µs", n / 1024 / 1000; else print "n/a" }') | |"
  echo
  echo "## exec of a big program: demand paging vs eager loading"
  echo
  echo "fork + exec + exit + wait of \`/bigprog touch\` (4.4 MiB file: 2.2 MiB text and read-only"
  echo "data, 2 MiB data, 1 MiB bss), which reads one byte and exits."
  echo
  echo "Eager: \`vmctl exec eager\` (every file page read at exec, through the buffer cache). Lazy:"
  echo "demand paging, cold (page cache dropped before each run) and cached (the file's pages"
  echo "already in the page cache from the previous run)."
  echo
  echo "| measurement | eager | lazy, cold | lazy, cached |"
  echo "|---|---:|---:|---:|"
  echo "| exec of bigprog touching one page | $(t execbig_eager) | $(t execbig_lazy_cold) | $(t execbig_lazy) |"
  echo "| eager / lazy | | $(r ratio_execbig_eager_over_lazy_cold) | $(r ratio_execbig_eager_over_lazy) |"
  echo
  echo "| fork + exec + exit + wait of \`echo\` from a 32 MiB parent | eager exec | demand paging |"
  echo "|---|---:|---:|"
  echo "| median of 9 | $(t spawnecho_32M_eager) | $(t spawnecho_32M_lazy) |"
  echo
  echo "## Working set vs RAM: the clock and swap"
  echo
  echo "\`bench ws\` in its own guest (MEM=${WS_MEM:-16M}, SWAP=${WS_SWAP:-48M}: $(val ws_ram_pages) pages of RAM,"
  echo "$(val ws_swap_total) swap slots). A child touches a working set of 0.5x-2x RAM, one word per"
  echo "page: pass *first* writes every page in order (fresh pages; past the free memory the clock"
  echo "pages out), *seq* checks and rewrites them in the same order, *rand* in a random order."
  echo "Time per page and the page-ins/outs (vmstat si/so) of each pass; *wrong* counts pages whose"
  echo "word was not what the previous pass stored (must be 0). Goal: the first sequential pass over"
  echo "2x RAM pages out at most 1.2 pages per page of overflow (working set - RAM). Last row: the"
  echo "2x run with \`vmctl swap off\`, which must end in an OOM kill of the child."
  echo
  echo "| working set | pages | free frames at start | pass | time per page | page-ins | page-outs | wrong | outcome |"
  echo "|---|---:|---:|---|---:|---:|---:|---:|---|"
  for w in 50 100 150 200 200_swapoff; do
    name="$(awk -v p="${w%%_*}" 'BEGIN { printf "%.1fx RAM", p / 100 }')"
    [ "$w" = 200_swapoff ] && name="$name, swap off"
    out=n/a
    for o in completed killed failed; do [ -n "${V[ws_${w}_$o]:-}" ] && out="$o ($(val ws_${w}_$o) of 3 passes)"; done
    pages=$(val ws_${w}_pages) free=$(val ws_${w}_free)
    for pass in first seq rand; do
      echo "| $name | $pages | $free | $pass | $(t ws_${w}_${pass}_ns) | $(val ws_${w}_${pass}_si) | $(val ws_${w}_${pass}_so) | $(val ws_${w}_${pass}_bad) | $out |"
      name="" out="" pages="" free=""
    done
  done
  echo
  echo "Page-outs of the first pass per page of overflow: 1.5x RAM $(r ws_150_so_per_overflow), **2x RAM $(r ws_200_so_per_overflow)** (goal: at most 1.2×)."
  echo
  echo "Frames not returned once the benches' process has exited: $(val frames_leaked). Page-table"
  echo "pages its address space kept after the heap shrank (until exit): $(val pt_pages_kept)."
  echo
  echo "![sbrk and fork plots](results.png)"
  echo
  echo "<details><summary>All BENCH lines</summary>"
  echo
  echo '```'
  cat "$tmp/bench.txt"
  echo '```'
  echo
  echo "</details>"
} >"$md"
echo "bench/run.sh: wrote $md"

# ---- 5. results.png -------------------------------------------------------

if ! command -v gnuplot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -q gnuplot-nox >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q gnuplot-nox >/dev/null 2>&1; }
  fi
fi
if ! command -v gnuplot >/dev/null 2>&1; then
  echo "bench/run.sh: gnuplot missing (apt-get install gnuplot-nox); no plot" >&2
  exit 0
fi

dat=$tmp
{
  echo "# size_MiB lazy_ns eager_ns"
  echo "1 $(val sbrk_lazy_1M) $(val sbrk_eager_1M)"
  echo "16 $(val sbrk_lazy_16M) $(val sbrk_eager_16M)"
  echo "64 $(val sbrk_lazy_64M) $(val sbrk_eager_64M)"
  echo "1024 $(val sbrk_lazy_1G) $(val sbrk_eager_1G)"
} >"$dat/sbrk.dat"
{
  echo "# heap_MiB cow_ns copy_ns"
  for s in 0 1 16 32 64; do
    echo "$s $(val fork_cow_${s}M) $(val fork_copy_${s}M)"
  done
} >"$dat/fork.dat"
{
  echo "# ws_xram first_ns seq_ns rand_ns"
  for w in 50 100 150 200; do
    echo "$(awk -v p=$w 'BEGIN { print p / 100 }') $(val ws_${w}_first_ns) $(val ws_${w}_seq_ns) $(val ws_${w}_rand_ns)"
  done
} >"$dat/ws.dat"
if gnuplot -e "datadir='$dat'; outfile='$png'" "$here/results.gp"; then
  echo "bench/run.sh: wrote $png"
else
  echo "bench/run.sh: gnuplot failed" >&2
fi
# The README carries the latest tables (between its BENCH-TABLE markers).
if [ "$rc" = 0 ] && command -v python3 >/dev/null; then
  python3 "$root/bench/readme-table.py" || echo "bench/run.sh: README not updated" >&2
fi
exit "$rc"
