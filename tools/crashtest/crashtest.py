#!/usr/bin/env python3
"""Crash test: kill QEMU while a write-heavy workload runs, reboot, check.

    crashtest.py [-n POINTS] [--seed S] [--max-delay SECONDS] [--inject-every K]
                 [--require-paths] [--keep]

For each crash point (seed S+i): build an image whose /autorun runs
`crashwork run SEED` (user/progs/crashwork.c), boot it, wait for the
workload to start, SIGKILL QEMU (by its pid) after a random delay; fsck the
crashed image (the log is replayed in memory; only orphans, files unlinked
while open, may be reported); patch /autorun's data block to
`crashwork check SEED`, boot again (the kernel recovers the log and frees
the orphans), let the checker compare every file with its model of the
committed operations, then fsck again: it must be clean. Failed points keep
their image and logs in build/crash/. Ends with "N passed, N failed".

Every crash leaves an orphan (the workload holds a file unlinked while open
from its start). Every K-th point (--inject-every) is not killed from
outside: at the first append from a random operation on, the kernel stops
itself right after that write's first commit point (VMCTL_FS_CRASH), so the
next boot must replay the log and the checker must find the append at
least partly there (a lost commit would look like "not begun"). --require-paths
fails the run unless some point replayed a log and some reclaimed orphans.
"""
import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "fsck"))
import fsck  # noqa: E402

B = os.path.join(ROOT, "build")
WORK = os.path.join(B, "crash")


def qemu_cmd(img):
    return ["qemu-system-riscv64", "-machine", "virt", "-bios", "none",
            "-kernel", os.path.join(B, "kernel.elf"), "-m", os.environ.get("MEM", "128M"),
            "-smp", os.environ.get("CPUS", "3"), "-nographic", "-monitor", "none",
            "-global", "virtio-mmio.force-legacy=false",
            "-drive", "file=%s,if=none,format=raw,id=x0" % img,
            "-device", "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0"]


def autorun_text(mode, seed, inject):
    # "run" padded to the length of "check": boot 2 rewrites the bytes in
    # place, leaving the file's size (in an inode block the log may hold).
    # check ignores the arguments after the seed.
    return ("crashwork %-5s %d 1000000 %d\n" % (mode, seed, inject)).encode()


def make_image(img, seed, inject):
    autorun = os.path.join(WORK, "autorun")
    with open(autorun, "wb") as f:
        f.write(autorun_text("run", seed, inject))
    progs = sorted(os.path.join(B, "user", p) for p in os.listdir(os.path.join(B, "user"))
                   if p.startswith("_"))
    subprocess.run([os.path.join(B, "mkfs"), img, os.path.join(B, "README"), autorun] + progs,
                   check=True, stdout=subprocess.DEVNULL)


def patch_autorun(img, seed, inject):
    """Rewrite /autorun's data block (never written by the kernel)."""
    with open(img, "r+b") as f:
        data = bytearray(f.read())
        c = fsck.Checker(fsck.Image(data))
        c.superblock()
        for _, ino, name in c_entries(c, fsck.ROOTINO):
            if name.rstrip(b"\0") == b"autorun":
                b = c.dinode(ino)["addrs"][0]
                old, new = autorun_text("run", seed, inject), autorun_text("check", seed, inject)
                assert data[b * fsck.BSIZE:b * fsck.BSIZE + len(old)] == old
                f.seek(b * fsck.BSIZE)
                f.write(new)
                return
    raise RuntimeError("no /autorun in %s" % img)


def c_entries(c, d):
    di = c.dinode(d)
    raw = b"".join(bytes(c.img.block(a)) for a in di["addrs"][:fsck.NDIRECT] if a)[:di["size"]]
    for off in range(0, len(raw), 16):
        ino, name = fsck.DIRENT.unpack_from(raw, off)
        if ino:
            yield off // 16, ino, name


def boot(img, log, kill_after=None, timeout=180):
    """Boot img; with kill_after, SIGKILL QEMU that many seconds after the
    workload starts. Returns (exit status or 'killed', console text)."""
    with open(log, "wb") as out:
        p = subprocess.Popen(qemu_cmd(img), stdin=subprocess.PIPE, stdout=out,
                             stderr=subprocess.STDOUT)
        start = time.time()
        started = None
        status = None
        while status is None:
            time.sleep(0.02)
            if p.poll() is not None:
                status = p.returncode
                break
            now = time.time()
            if now - start > timeout:
                p.kill()
                p.wait()
                status = "timeout"
                break
            if kill_after is not None:
                if started is None:
                    with open(log, "rb") as f:
                        if b"crashwork: running" in f.read():
                            started = now
                elif now - started >= kill_after:
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait()
                    status = "killed"
        p.stdin.close()
    with open(log, "rb") as f:
        return status, f.read().decode("latin-1")


def run_fsck(img):
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "fsck", "fsck.py"), img],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return r.returncode, r.stdout.decode()


def one_point(i, seed, delay, inject, keep):
    img = os.path.join(WORK, "pt%d.img" % i)
    make_image(img, seed, inject)
    log1, log2 = img + ".run.log", img + ".check.log"
    st1, out1 = boot(img, log1, kill_after=None if inject else delay)
    res = {"ops": 0, "orphans_crashed": 0, "reclaimed": 0, "replayed": 0, "how": "?"}
    problems = []
    armed = re.search(r"crashwork: crash armed before op (\d+)", out1)
    if inject and (st1 != 42 or "log: crash injected" not in out1 or not armed):
        problems.append("injected crash did not happen (boot ended with %s)" % st1)
    if not inject and st1 != "killed":
        problems.append("workload boot ended with %s before the kill" % st1)
    if "panic" in out1:
        problems.append("panic during the workload")
    if keep:
        shutil.copy(img, img + ".crashed")
    rc, fout = run_fsck(img)
    bad = [l for l in fout.splitlines() if l.startswith("fsck: inode") or l.startswith("fsck: dir")
           or l.startswith("fsck: bitmap") or l.startswith("fsck: block") or l.startswith("fsck: log:")
           or l.startswith("fsck: super") or l.startswith("fsck: root")]
    orphan_lines = [l for l in bad if "orphan" in l]
    res["orphans_crashed"] = len(orphan_lines)
    # Blocks of an orphan are in use by it: nothing else may be wrong.
    others = [l for l in bad if "orphan" not in l and "replayed" not in l]
    if others:
        problems.append("crashed image (log replayed) not consistent: " + "; ".join(others[:3]))
    patch_autorun(img, seed, inject)
    st2, out2 = boot(img, log2)
    m = re.search(r"fs: reclaimed (\d+) orphaned", out2)
    res["reclaimed"] = int(m.group(1)) if m else 0
    m = re.search(r"fs: replaying (\d+) logged", out2)
    res["replayed"] = int(m.group(1)) if m else 0
    m = re.search(r"crashwork: check: (\d+) operations committed; files match \(([^)]*)\)", out2)
    if m:
        res["ops"] = int(m.group(1))
        res["how"] = m.group(2)
    else:
        line = [l for l in out2.splitlines() if "crashwork" in l or "panic" in l]
        problems.append("check failed: %s" % (line[-1] if line else "status %s" % st2))
    if st2 != 0:
        problems.append("check boot exited %s" % st2)
    if inject and armed and m and (res["ops"] != int(armed.group(1)) or "not begun" in res["how"]):
        problems.append("the append committed before the injected crash is missing (%d ops, %s)"
                        % (res["ops"], res["how"]))
    if res["reclaimed"] != res["orphans_crashed"]:
        problems.append("fsck saw %d orphans, the kernel reclaimed %d"
                        % (res["orphans_crashed"], res["reclaimed"]))
    rc, fout = run_fsck(img)
    if rc != 0:
        problems.append("fsck after recovery: " + "; ".join(fout.splitlines()[:4]))
    if not problems and not keep:
        for f in (img, log1, log2):
            os.remove(f)
    return res, problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=10, help="crash points")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-delay", type=float, default=8.0)
    ap.add_argument("--inject-every", type=int, default=4,
                    help="every K-th point crashes itself after a random commit point (0: never)")
    ap.add_argument("--require-paths", action="store_true",
                    help="fail unless some point replayed a log and some reclaimed orphans")
    ap.add_argument("--keep", action="store_true", help="keep images and logs of passing points")
    a = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    rng = random.Random(a.seed)
    passed = failed = 0
    tot = {"ops": 0, "orphans_crashed": 0, "reclaimed": 0, "replayed": 0}
    hows = {}
    t0 = time.time()
    for i in range(a.n):
        seed = a.seed + i
        delay = rng.uniform(0.05, a.max_delay)
        commit = rng.randint(10, 150)
        inject = commit if a.inject_every and i % a.inject_every == 0 else 0
        res, problems = one_point(i, seed, delay, inject, a.keep)
        for k in tot:
            tot[k] += res[k]
        how = re.sub(r"op \d+ ", "", res["how"])
        hows[how] = hows.get(how, 0) + 1
        when = "self-crash at the first append from op %d" % inject if inject else "kill at +%.2fs" % delay
        desc = ("seed %d %s: %d ops committed (%s), log replay %d blocks, "
                "orphans %d reclaimed" % (seed, when, res["ops"], res["how"], res["replayed"],
                                          res["reclaimed"]))
        if problems:
            failed += 1
            print("FAIL crash_point_%d: %s: %s (kept build/crash/pt%d.img*)"
                  % (i, desc, " | ".join(problems), i))
        else:
            passed += 1
            print("PASS crash_point_%d: %s" % (i, desc))
        sys.stdout.flush()
    print("crashtest: %d crash points in %.0fs: %d failed; %d operations committed; %d orphans "
          "left by crashes (%d reclaimed at boot); %d logged blocks replayed; outcomes: %s"
          % (a.n, time.time() - t0, failed, tot["ops"], tot["orphans_crashed"], tot["reclaimed"],
             tot["replayed"], ", ".join("%s %d" % kv for kv in sorted(hows.items()))))
    if a.require_paths:
        for what, n in (("replayed a log", tot["replayed"]), ("reclaimed an orphan", tot["reclaimed"])):
            if n == 0:
                print("FAIL crash_paths_exercised: no point %s" % what)
                failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
