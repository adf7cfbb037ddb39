# Lazuli build. `make qemu` boots to the shell; `make test` runs every test.
# Missing Debian packages are installed by tools/deps.sh (as root) or named.

CPUS ?= 3
MEM ?= 128M
# The swap disk's size (second virtio disk; truncate/QEMU sizes: 64M, 1G);
# 0 = no swap disk. make qemu uses build/swap.img, make run/test a temporary one.
SWAP ?= 64M
export SWAP
B := build

TOOLPREFIX ?= $(shell tools/deps.sh prefix)
CC := $(TOOLPREFIX)gcc
LD := $(TOOLPREFIX)ld
OBJDUMP := $(TOOLPREFIX)objdump
QEMU ?= qemu-system-riscv64
HOSTCC ?= cc

COMMON_CFLAGS := -Wall -Werror -O2 -fno-omit-frame-pointer -ggdb -march=rv64gc -mabi=lp64d \
  -mcmodel=medany -mno-relax -ffreestanding -fno-common -nostdlib -fno-builtin \
  -fno-stack-protector -fno-tree-loop-distribute-patterns -fno-pie -no-pie -Iinclude
KCFLAGS := $(COMMON_CFLAGS) -Ikernel -MD
# make DEBUG=1 ...: check address-space invariants after every change
# (run `make clean` first when switching).
DEBUG ?= 0
ifeq ($(DEBUG),1)
KCFLAGS += -DVM_DEBUG
endif
UCFLAGS := $(COMMON_CFLAGS) -Iuser/include -MD
# user/progs: warnings shown but never fatal, so that a program written for
# xv6 (printf format mismatches are common there) builds when dropped in.
# The project's own programs stay warning-free: `make warn-check` (a stage
# of make test) compiles every git-tracked one with -Werror.
UPROGCFLAGS := $(filter-out -Werror,$(UCFLAGS))

KSRCS := $(wildcard kernel/*.c kernel/*/*.c kernel/*/*/*.c)
KASMS := $(wildcard kernel/*/*/*.S kernel/*/*.S)
KOBJS := $(patsubst %.c,$(B)/%.o,$(KSRCS)) $(patsubst %.S,$(B)/%.o,$(KASMS))

ULIBSRCS := $(wildcard user/lib/*.c) $(wildcard user/lib/*.S)
ULIBOBJS := $(addprefix $(B)/,$(addsuffix .o,$(basename $(ULIBSRCS))))
PROGS := $(patsubst user/progs/%.c,$(B)/user/_%,$(wildcard user/progs/*.c))
TESTOBJS := $(patsubst %.c,$(B)/%.o,$(wildcard user/tests/*.c))
UPROGS := $(PROGS) $(B)/user/_usertests

QEMUOPTS = -machine virt -bios none -kernel $(B)/kernel.elf -m $(MEM) -smp $(CPUS) -nographic \
  -global virtio-mmio.force-legacy=false \
  -drive file=$(B)/fs.img,if=none,format=raw,id=x0 -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0 \
  $(if $(filter 0,$(SWAP)),,-drive file=$(B)/swap.img,if=none,format=raw,id=x1 \
  -device virtio-blk-device,drive=x1,bus=virtio-mmio-bus.1)
SWAPIMG = $(if $(filter 0,$(SWAP)),,swapimg)

.PHONY: all deps qemu qemu-gdb swapimg run test bench fuzz clean format format-check host-tests fsck crashtest bigfile bigcache bigmap warn-check \
  print-uprogcflags
.SECONDARY:

all: deps $(B)/kernel.elf $(B)/fs.img

deps:
	@tools/deps.sh build

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(if $(filter user/%,$<),$(UCFLAGS),$(KCFLAGS)) -c $< -o $@

$(B)/user/progs/%.o: user/progs/%.c
	@mkdir -p $(dir $@)
	$(CC) $(UPROGCFLAGS) -c $< -o $@

$(B)/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(if $(filter user/%,$<),$(UCFLAGS),$(KCFLAGS)) -c $< -o $@

$(B)/kernel.elf: $(KOBJS) kernel/arch/riscv/kernel.ld
	$(LD) -z max-page-size=4096 -T kernel/arch/riscv/kernel.ld -o $@ $(KOBJS)
	$(OBJDUMP) -S $@ > $(B)/kernel.asm

$(B)/user/_%: $(B)/user/progs/%.o $(ULIBOBJS) user/user.ld
	@mkdir -p $(dir $@)
	$(LD) -z max-page-size=4096 -T user/user.ld -o $@ $< $(ULIBOBJS)

$(B)/user/_usertests: $(TESTOBJS) $(ULIBOBJS) user/user.ld
	$(LD) -z max-page-size=4096 -T user/user.ld -o $@ $(TESTOBJS) $(ULIBOBJS)

$(B)/mkfs: tools/mkfs/mkfs.c include/fs.h include/param.h
	@mkdir -p $(B)
	$(HOSTCC) -Wall -Werror -O2 -Iinclude -o $@ tools/mkfs/mkfs.c

# /README in the image: a plain-text README.md (`cat README`, as on xv6).
$(B)/README: README.md tools/readme/readme-text.py
	@mkdir -p $(B)
	python3 tools/readme/readme-text.py README.md > $@

# Extra image files (dexec: broken ELFs, the big program and its checksums,
# seamprog), all named $(B)/extra/_NAME; rules at the end of this file.
EXTRA := $(B)/extra/eb.stamp $(B)/extra/_bigprog $(B)/extra/_bigsums $(B)/extra/_seamprog

$(B)/fs.img: $(B)/mkfs $(B)/README $(UPROGS) $(EXTRA)
	$(B)/mkfs $@ $(B)/README $(UPROGS) $(B)/extra/_*

# make fsck: check build/fs.img (any image: make fsck IMG=path).
IMG ?= $(B)/fs.img
fsck:
	@python3 tools/fsck/fsck.py $(IMG)

# make bigfile: a MAXFILE-block file written, read back, removed (user/progs/
# bigfile.c, long under emulation); fsck then finds exactly the blocks in use
# that the image had before (BLOCKS=n for a smaller file).
BLOCKS ?=
bigfile: all
	@tools/bigfile.sh $(BLOCKS)

# make bigcache: the page-cache clock on a file bigger than half of RAM (usertests
# bigcache_* in a MEM=32M guest; minutes under emulation, so not in make test).
bigcache: all
	@MEM=32M CPUS=$(CPUS) tools/run.sh 'usertests bigcache_*' 1800

# make bigmap: a MAP_SHARED file bigger than RAM stored through and checked
# byte for byte (usertests bigmap_* in a MEM=4M guest), then fsck of the image
# after that heavy eviction of dirty file pages; minutes under emulation (every
# written-back page is a transaction of ~16 disk requests). make test runs only
# bigmap_shared_reclaimer_alone (tests/run-all.sh, small-memory stage).
bigmap: all
	@rm -f $(B)/bigmap.img
	@MEM=4M CPUS=$(CPUS) KEEP_IMG=$(B)/bigmap.img tools/run.sh 'usertests bigmap_*' 1800 && \
	  python3 tools/fsck/fsck.py $(B)/bigmap.img && echo "bigmap: fsck of the image: clean"

# make crashtest N=100 SEED=1: kill QEMU under a write-heavy workload at N
# random moments; each time reboot, check every file, fsck (tools/crashtest).
N ?= 20
SEED ?= 1
crashtest: all
	@python3 tools/crashtest/crashtest.py -n $(N) --seed $(SEED)

# build/swap.img: sparse, made again when SWAP differs from the last one
# (build/swap.size); its contents never matter across boots.
swapimg:
	@if [ ! -f $(B)/swap.img ] || [ "$$(cat $(B)/swap.size 2>/dev/null)" != "$(SWAP)" ]; then \
	  mkdir -p $(B) && rm -f $(B)/swap.img && truncate -s $(SWAP) $(B)/swap.img && \
	  echo "$(SWAP)" > $(B)/swap.size; fi

qemu: all $(SWAPIMG)
	$(QEMU) $(QEMUOPTS)

qemu-gdb: all $(SWAPIMG)
	@tools/deps.sh gdb
	@echo "*** Now run 'gdb-multiarch -x .gdbinit' in another window (port 26000)." 1>&2
	$(QEMU) $(QEMUOPTS) -S -gdb tcp::26000

# make run CMD='echo hi': boot headless, run one command line, power off,
# exit with its status.
run: all
	@CPUS=$(CPUS) MEM=$(MEM) tools/run.sh "$(CMD)"

host-tests:
	@$(MAKE) -s -C tests/host run

test: all
	@CPUS=$(CPUS) MEM=$(MEM) tests/run-all.sh

# make fuzz SEED=n ITERS=n [WORKERS=n]: one fuzzer run (user/progs/fuzz.c),
# ITERS system calls in each of WORKERS processes; exits non-zero on a panic,
# a lost frame or page-table page, or a failed check. make test runs a short one.
SEED ?= 1
ITERS ?= 20000
WORKERS ?= 4
FUZZ_TIMEOUT ?= 7200
fuzz: all
	@CPUS=$(CPUS) MEM=$(MEM) tools/run.sh 'fuzz -s $(SEED) -n $(ITERS) -w $(WORKERS)' $(FUZZ_TIMEOUT)

# 256 MiB so that a copying fork of a 64 MiB parent fits beside it.
BENCH_MEM ?= 256M
bench: all
	@tools/deps.sh plot
	@MEM=$(BENCH_MEM) CPUS=$(CPUS) bash bench/run.sh

format:
	$$(tools/deps.sh format) -i $$(git ls-files 'kernel/*.[ch]' 'user/*.[ch]' 'tools/*.c' 'include/*.h' 'tests/host/*.[ch]' 'tests/host/*/*.[ch]')

format-check:
	@tools/format-check.sh

# The project's own user programs (git-tracked user/progs/*.c) compile
# without a warning; programs dropped in for oneself are not held to it.
warn-check:
	@CC="$(CC)" UCFLAGS="$(UCFLAGS)" tools/warn-check.sh

# The flags a dropped-in user program gets (tests/xv6compat/check.sh uses them).
print-uprogcflags:
	@echo $(UPROGCFLAGS)

clean:
	rm -rf $(B)
	@$(MAKE) -s -C tests/host clean 2>/dev/null || true

-include $(KOBJS:.o=.d) $(ULIBOBJS:.o=.d) $(TESTOBJS:.o=.d) \
  $(patsubst user/progs/%.c,$(B)/user/progs/%.d,$(wildcard user/progs/*.c))

# ---- dexec (issue 9): exec test files -------------------------------------
# Broken executables crafted from a good one (tools/mkbadelf): /eb_*.
$(B)/mkbadelf: tools/mkbadelf/mkbadelf.c
	@mkdir -p $(B)
	$(HOSTCC) -Wall -Werror -O2 -o $@ $<

$(B)/extra/eb.stamp: $(B)/mkbadelf $(B)/user/_echo
	@mkdir -p $(B)/extra
	$(B)/mkbadelf $(B)/user/_echo $(B)/extra
	@touch $@

# The big program: arrays and functions generated by tools/mkbig, page
# checksums of its text computed from the linked file (/bigsums).
$(B)/mkbig: tools/mkbig/mkbig.c user/big/big.h
	@mkdir -p $(B)
	$(HOSTCC) -Wall -Werror -O2 -o $@ $<

$(B)/big/gen.stamp: $(B)/mkbig
	@mkdir -p $(B)/big
	$(B)/mkbig gen $(B)/big
	@touch $@

$(B)/big/fns.o: $(B)/big/gen.stamp
	$(CC) $(UCFLAGS) -Iuser/big -c $(B)/big/fns.c -o $@

$(B)/big/blobs.o: $(B)/big/gen.stamp
	$(CC) $(UCFLAGS) -c $(B)/big/blobs.S -o $@

$(B)/extra/_bigprog: $(B)/user/big/bigprog.o $(B)/big/fns.o $(B)/big/blobs.o $(ULIBOBJS) user/user.ld
	@mkdir -p $(B)/extra
	$(LD) -z max-page-size=4096 -T user/user.ld -o $@ $(filter %.o,$^)

$(B)/extra/_bigsums: $(B)/extra/_bigprog $(B)/mkbig
	$(B)/mkbig sums $< $@

# A program whose text and data segments share a page (user/seam/seam.ld).
$(B)/extra/_seamprog: $(B)/user/seam/seamprog.o $(ULIBOBJS) user/seam/seam.ld
	@mkdir -p $(B)/extra
	$(LD) -z max-page-size=4096 -T user/seam/seam.ld -o $@ $(filter %.o,$^)

-include $(B)/user/big/bigprog.d $(B)/user/seam/seamprog.d $(B)/big/fns.d
