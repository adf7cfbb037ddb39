#!/usr/bin/env bash
# run.sh 'command line' [timeout-seconds]
# Boot Lazuli headless with an image whose /autorun holds the command line;
# init runs it with sh and powers off with its status, which becomes ours.
set -u
cd "$(dirname "$0")/.."
B=build
cmd="$1"
limit="${2:-${RUN_TIMEOUT:-900}}"
mkdir -p $B/run
R=$(mktemp -d $B/run/XXXXXX)
trap 'rm -rf "$R"' EXIT
printf '%s\n' "$cmd" > $R/autorun
$B/mkfs $R/fs.img README.md $R/autorun $B/user/_* >/dev/null || exit 1
timeout --foreground -k 5 "$limit" qemu-system-riscv64 -machine virt -bios none \
  -kernel $B/kernel.elf -m "${MEM:-128M}" -smp "${CPUS:-3}" -nographic -monitor none \
  -global virtio-mmio.force-legacy=false \
  -drive file=$R/fs.img,if=none,format=raw,id=x0 \
  -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0 </dev/null
st=$?
[ $st = 124 ] && echo "run.sh: timed out after ${limit}s" >&2
exit $st
