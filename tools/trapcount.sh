#!/usr/bin/env bash
# trapcount.sh [kernel.elf]: exact instruction counts of the trap paths.
# Boots Lazuli (3 harts) with one guest instruction per QEMU translation
# block and runs `bench trace`, which prints TRACE-READY, sleeps, then runs
# marked groups of traps (16 null system calls, 16 zero-fill write faults
# with the pre-zeroed pool, 16 without it, 16 zero-page read faults). Only
# for that window the QEMU monitor turns on `log exec,nochain`, which logs
# every instruction executed; tools/trapcount.py counts the kernel
# instructions of each trap and names the functions, CSR accesses, calls,
# fences and atomics. Timing under TCG swings with the host's load; these
# counts do not. The log (~400 MB) is deleted afterwards.
set -u
cd "$(dirname "$0")/.."
B=build
kernel="${1:-$B/kernel.elf}"
R=$(mktemp -d $B/run/trace.XXXXXX) || exit 1
trap 'kill $q 2>/dev/null; exec 3>&-; rm -rf "$R"' EXIT
printf '# run.sh: swap 0 bytes\nbench trace\n' >$R/autorun
$B/mkfs $R/fs.img $B/README $R/autorun $B/user/_* >/dev/null || exit 1
mkfifo $R/console
exec 3<>$R/console
monitor() {  # send one HMP command
  python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(0.2); s.recv(65536)
s.sendall(sys.argv[2].encode() + b"\n"); time.sleep(0.3)' "$R/monitor" "$1"
}
timeout 600 qemu-system-riscv64 -machine virt -bios none -kernel "$kernel" -m 256M -smp 3 \
  -nographic -monitor unix:$R/monitor,server=on,wait=off -global virtio-mmio.force-legacy=false \
  -drive file=$R/fs.img,if=none,format=raw,id=x0 -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0 \
  -singlestep -d nochain -D $R/exec.log <$R/console >$R/out 2>&1 &
q=$!
until grep -q TRACE-READY $R/out 2>/dev/null; do
  kill -0 $q 2>/dev/null || { cat $R/out; echo "trapcount.sh: QEMU exited early" >&2; exit 1; }
  sleep 0.5
done
monitor "log exec,nochain"
until grep -q TRACE-DONE $R/out 2>/dev/null; do
  kill -0 $q 2>/dev/null || break
  sleep 0.5
done
monitor "log nochain"
monitor "quit"
wait $q 2>/dev/null
python3 tools/trapcount.py $R/exec.log "$kernel"
