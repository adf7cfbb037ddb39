#!/usr/bin/env bash
# run.sh 'command line' [timeout-seconds]
# Boot Lazuli headless with an image whose /autorun holds the command line;
# init runs it with sh and powers off with its status, which becomes ours.
# The image is temporary; KEEP_IMG=path keeps it there afterwards (for fsck).
# SWAP (default 64M; 0 = none) sizes a temporary sparse swap disk beside it;
# /autorun's first line records its size in bytes ("# run.sh: swap N bytes")
# for the tests that check what the kernel found.
# Shortly before the time limit, ^P is typed on the console so that a hung
# run leaves the kernel's process table (states, sizes) in the log.
set -u
cd "$(dirname "$0")/.."
B=build
cmd="$1"
limit="${2:-${RUN_TIMEOUT:-900}}"
mkdir -p $B/run
R=$(mktemp -d $B/run/XXXXXX)
swap="${SWAP:-64M}"
swapopts=()
swapbytes=0
if [ "$swap" != 0 ]; then
  truncate -s "$swap" $R/swap.img || { rm -rf "$R"; exit 1; }
  swapbytes=$(stat -c %s $R/swap.img)
  swapopts=(-drive file=$R/swap.img,if=none,format=raw,id=x1
    -device virtio-blk-device,drive=x1,bus=virtio-mmio-bus.1)
fi
printf '# run.sh: swap %s bytes\n%s\n' "$swapbytes" "$cmd" > $R/autorun
extra=$(ls -d $B/extra/_* 2>/dev/null)  # dexec's test files (Makefile EXTRA)
# RUN_MKFS_OPTS (e.g. "-s 2048 -i 100": a small disk) and RUN_PROGS (the
# files to include instead of every program and extra file) shape the image.
# shellcheck disable=SC2086
$B/mkfs ${RUN_MKFS_OPTS:-} $R/fs.img $B/README $R/autorun ${RUN_PROGS:-$B/user/_* $extra} >/dev/null || exit 1

# The console's input: a FIFO we keep open, so QEMU never sees end of file.
mkfifo $R/console
exec 3<>$R/console
dump_at=$((limit > 12 ? limit - 8 : limit))
# The typist must not hold our stdout (a pipe to tee) open, and must take
# its sleep with it when killed.
(
  trap 'kill $nap 2>/dev/null; exit 0' TERM
  sleep "$dump_at" &
  nap=$!
  wait $nap && printf '\020' >&3
  sleep 2
  # ^P needs a hart that takes interrupts; the monitor does not.
  echo "run.sh: where each hart is (QEMU monitor):" >&2
  python3 tools/hangdump.py "$R/monitor" $B/kernel.elf ${HANGDUMP_RAW:+-raw}
) </dev/null >/dev/null 2>>"$R/hangdump" &
dumper=$!
keep() { [ -n "${KEEP_IMG:-}" ] && mv -f "$R/fs.img" "$KEEP_IMG"; }
trap 'kill $dumper 2>/dev/null; exec 3>&-; keep; rm -rf "$R"' EXIT

timeout --foreground -k 5 "$limit" qemu-system-riscv64 -machine virt -bios none \
  -kernel $B/kernel.elf -m "${MEM:-128M}" -smp "${CPUS:-3}" -nographic -monitor unix:$R/monitor,server=on,wait=off \
  -global virtio-mmio.force-legacy=false \
  -drive file=$R/fs.img,if=none,format=raw,id=x0 \
  -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0 "${swapopts[@]}" <$R/console
st=$?
if [ $st = 124 ]; then
  cat "$R/hangdump" >&2 2>/dev/null
  echo "run.sh: timed out after ${limit}s (process table above, from ^P)" >&2
fi
exit $st
