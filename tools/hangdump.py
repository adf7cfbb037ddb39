#!/usr/bin/env python3
"""hangdump.py MONITOR_SOCKET KERNEL_ELF: where is every hart of a hung guest?

Asks the QEMU monitor (a unix socket) for every CPU's registers and prints,
for each hart, its privilege mode, pc, ra and the kernel functions they are
in (via addr2line when the cross binutils are there). tools/run.sh calls it
just before its time limit, after typing ^P, so a hung run says where each
hart was spinning even when no hart takes interrupts any more.
"""
import re
import shutil
import socket
import subprocess
import sys
import time


def query(path, cmd, quiet=1.0, limit=3.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(quiet)
    s.connect(path)
    s.sendall((cmd + "\n").encode())
    data = b""
    end = time.time() + limit
    while time.time() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    s.close()
    return data.decode(errors="replace")


def symbolize(elf, addrs):
    tool = None
    for name in ("riscv64-unknown-elf-addr2line", "riscv64-linux-gnu-addr2line", "addr2line"):
        if shutil.which(name):
            tool = name
            break
    if tool is None or not addrs:
        return {}
    out = subprocess.run([tool, "-f", "-s", "-e", elf] + addrs, capture_output=True, text=True).stdout
    lines = out.splitlines()
    return {a: f"{lines[2 * i]} ({lines[2 * i + 1]})" for i, a in enumerate(addrs) if 2 * i + 1 < len(lines)}


def main():
    sock, elf = sys.argv[1], sys.argv[2]
    try:
        text = query(sock, "info registers -a")
        if "-raw" in sys.argv:
            print(text, file=sys.stderr)
    except OSError as e:
        print(f"hangdump: no monitor ({e})", file=sys.stderr)
        return
    harts = []
    for block in re.split(r"\nCPU#", "\n" + text)[1:]:
        regs = dict(re.findall(r"\b(pc|mstatus|mip|mie|sepc|scause|stval)\s+([0-9a-f]{16})", block))
        regs.update(re.findall(r"x\d+/(ra|sp|s0)\s+([0-9a-f]{16})", block))
        harts.append(regs)
    # Each hart's kernel stack from sp up (4 KiB), in one monitor session:
    # frames are walked through the frame pointers (ra at fp-8, the caller's
    # fp at fp-16; the kernel keeps frame pointers).
    kernel = [h for h in harts if h.get("sp", "0").startswith("ffffffc")]
    cmds = "\n".join(f"x /512gx 0x{h['sp']}" for h in kernel)
    mem = {}
    if cmds:
        try:
            dump = query(sock, cmds, quiet=1.0, limit=4.0)
            for a, w in re.findall(r"([0-9a-f]{16}):((?:\s+0x[0-9a-f]{16})+)", dump):
                for k, word in enumerate(w.split()):
                    mem[int(a, 16) + 8 * k] = int(word, 16)
        except OSError:
            pass
    for h in harts:
        chain, fp = [], int(h.get("s0", "0"), 16)
        while fp in mem or (fp - 16) in mem:
            ra, fp = mem.get(fp - 8), mem.get(fp - 16)
            if ra is None or fp is None or len(chain) >= 16:
                break
            chain.append("%016x" % ra)
        h["chain"] = chain
    addrs = sorted({h[k] for h in harts for k in ("pc", "ra", "sepc") if k in h} |
                   {a for h in harts for a in h["chain"]})
    names = symbolize(elf, ["0x" + a for a in addrs])
    for i, h in enumerate(harts):
        desc = " ".join(f"{k}={h[k]}" for k in ("mstatus", "mip", "mie", "scause", "stval") if k in h)
        print(f"hart {i}: {desc}", file=sys.stderr)
        for k in ("pc", "ra", "sepc"):
            if k in h:
                print(f"  {k:4} {h[k]} {names.get('0x' + h[k], '')}", file=sys.stderr)
        for a in h["chain"]:
            print(f"  from {a} {names.get('0x' + a, '')}", file=sys.stderr)


if __name__ == "__main__":
    main()
