#!/usr/bin/env bash
# Make sure the Debian packages the build needs are present.
#   deps.sh prefix  -> print the RISC-V cross-compiler prefix (installing if needed)
#   deps.sh build   -> compiler, QEMU, host cc
#   deps.sh gdb     -> gdb-multiarch
#   deps.sh plot    -> gnuplot
#   deps.sh format  -> print the clang-format 14 command (installing clang-format-14 if needed)
set -u
need=()
want() { command -v "$1" >/dev/null 2>&1 || need+=("$2"); }

install() {
  [ ${#need[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "deps: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq "${need[@]}"; } >&2 || {
      echo "deps: apt-get install ${need[*]} failed" >&2; exit 1; }
  else
    echo "deps: missing packages. Run: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
}

case "${1:-build}" in
prefix)
  if ! command -v riscv64-unknown-elf-gcc >/dev/null 2>&1 && \
     ! command -v riscv64-linux-gnu-gcc >/dev/null 2>&1; then
    need+=(gcc-riscv64-unknown-elf); install >&2
  fi
  if command -v riscv64-unknown-elf-gcc >/dev/null 2>&1; then echo riscv64-unknown-elf-
  else echo riscv64-linux-gnu-; fi ;;
build)
  want riscv64-unknown-elf-gcc gcc-riscv64-unknown-elf
  want qemu-system-riscv64 qemu-system-misc
  want cc gcc
  want make make
  want clang-format-14 clang-format-14
  want python3 python3
  install ;;
gdb) want gdb-multiarch gdb-multiarch; install ;;
format)
  # .clang-format is written for version 14 (Debian bookworm's); another
  # version formats differently, so only 14 will do.
  if ! command -v clang-format-14 >/dev/null 2>&1 &&
     ! clang-format --version 2>/dev/null | grep -q 'version 14\.'; then
    need+=(clang-format-14); install >&2
  fi
  if command -v clang-format-14 >/dev/null 2>&1; then echo clang-format-14
  else echo clang-format; fi ;;
plot) want gnuplot gnuplot-nox; install ;;
esac
