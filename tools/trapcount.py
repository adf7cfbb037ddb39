#!/usr/bin/env python3
"""trapcount.py EXEC_LOG KERNEL_ELF: summarise a QEMU `-singlestep -d exec`
log of `bench trace` (tools/trapcount.sh): per group of traps, the kernel
instructions of a typical trap and where they go."""
import collections, re, subprocess, sys

log, elf = sys.argv[1], sys.argv[2]
insn = {}
dis = subprocess.run(["riscv64-unknown-elf-objdump", "-d", "--no-show-raw-insn", elf],
                     capture_output=True, text=True, check=True).stdout
for line in dis.splitlines():
    m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$", line)
    if m:
        insn[int(m.group(1), 16)] = (m.group(2), m.group(3))

# "Trace CPU: HOSTPTR [CSBASE/PC/FLAGS/CFLAGS] SYMBOL"
pat = re.compile(r"^Trace (\d+): \S+ \[[0-9a-f]+/([0-9a-f]+)/[0-9a-f]+/[0-9a-f]+\] ?(\S*)")
USER_TOP = 1 << 38  # user addresses lie below MAXVA, the kernel far above
open_trap, traps = {}, []
with open(log, errors="replace") as f:
    for line in f:
        m = pat.match(line)
        if not m:
            continue
        cpu, pc, sym = int(m.group(1)), int(m.group(2), 16), m.group(3) or "(asm)"
        if pc < USER_TOP:  # back in user mode: the trap on this hart is over
            if open_trap.get(cpu):
                traps.append(open_trap[cpu])
            open_trap[cpu] = None
        else:
            if open_trap.get(cpu) is None:
                open_trap[cpu] = []
            open_trap[cpu].append((pc, sym))

# bench trace separates its groups by uptime() calls.
groups = [[]]
for t in traps:
    if any(s == "sys_uptime" for _, s in t):
        groups.append([])
    else:
        groups[-1].append(t)
names = ["(before)", "null system call (getpid)", "zero-fill write fault, pre-zeroed pool on",
         "(vmctl prezero off)", "zero-fill write fault, pool off", "read fault (zero page)", "(after)"]
for i, g in enumerate(groups):
    if not g or i >= len(names) or names[i].startswith("("):
        continue
    lens = sorted(len(t) for t in g)
    typical = lens[len(lens) // 2]
    t = next(t for t in g if len(t) == typical)
    kinds = collections.Counter()
    for pc, _ in t:
        op, args = insn.get(pc, ("?", ""))
        if op.startswith("csr"):
            kinds["CSR accesses"] += 1
        elif op in ("ret", "jr", "jalr") or (op == "jal" and not args.startswith("zero")):
            kinds["calls+returns" if op != "jr" else "indirect jumps"] += 1
        elif op == "fence" and args in ("", "iorw,iorw", "rw,rw"):
            kinds["full fences"] += 1
        elif op.startswith(("amo", "lr.", "sc.")):
            kinds["atomics"] += 1
    funcs = collections.Counter(s for _, s in t)
    order = list(dict.fromkeys(s for _, s in t))
    print(f"{names[i]}: {typical} kernel instructions (of {len(g)} traps: {lens[0]}..{lens[-1]})")
    print("  " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print("  " + ", ".join(f"{s} {funcs[s]}" for s in order))
