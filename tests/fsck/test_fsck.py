#!/usr/bin/env python3
"""Host test of tools/fsck: a clean image must pass; each kind of damage,
made on a copy, must be reported (exit 1, with the expected message).

    test_fsck.py build/mkfs

The base image is built by mkfs and then given, by direct edits, a
subdirectory holding a file, a hard link and a device node, so directory
and link-count checks have something to bite on. Prints PASS/FAIL lines
and "N passed, N failed".
"""
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tools", "fsck"))
import fsck  # noqa: E402

B = fsck.BSIZE
FSCK = os.path.join(ROOT, "tools", "fsck", "fsck.py")


class Img:
    """Minimal image editor on top of fsck's parser."""

    def __init__(self, data):
        self.d = bytearray(data)
        c = fsck.Checker(fsck.Image(self.d))
        c.superblock()
        self.sb = c

    def raw_inode_off(self, inum):
        return (self.sb.inodestart + inum // fsck.IPB) * B + (inum % fsck.IPB) * fsck.DINODE.size

    def get(self, inum):
        v = list(fsck.DINODE.unpack_from(self.d, self.raw_inode_off(inum)))
        return v  # type, major, minor, nlink, size, addrs...

    def put(self, inum, v):
        fsck.DINODE.pack_into(self.d, self.raw_inode_off(inum), *v)

    def bit(self, b, on):
        off = (self.sb.bmapstart + b // fsck.BPB) * B + (b % fsck.BPB) // 8
        if on:
            self.d[off] |= 1 << (b % 8)
        else:
            self.d[off] &= ~(1 << (b % 8)) & 0xFF

    def balloc(self):
        for b in range(self.sb.datastart, self.sb.size):
            off = (self.sb.bmapstart + b // fsck.BPB) * B + (b % fsck.BPB) // 8
            if not self.d[off] & (1 << (b % 8)):
                self.bit(b, 1)
                self.d[b * B:(b + 1) * B] = bytes(B)
                return b
        raise RuntimeError("image full")

    def ialloc(self, t, nlink=1):
        for inum in range(1, self.sb.ninodes):
            if self.get(inum)[0] == 0:
                self.put(inum, [t, 0, 0, nlink, 0] + [0] * (fsck.NDIRECT + 2))
                return inum
        raise RuntimeError("no inodes")

    def append(self, inum, data):
        v = self.get(inum)
        size = v[4]
        for i in range(0, len(data), 1):
            bn = (size + i) // B
            assert bn < fsck.NDIRECT
            if v[5 + bn] == 0:
                v[5 + bn] = self.balloc()
            self.d[v[5 + bn] * B + (size + i) % B] = data[i]
        v[4] = size + len(data)
        self.put(inum, v)

    def add_entry(self, d, name, inum):
        self.append(d, struct.pack("<H14s", inum, name.encode()))

    def entry_off(self, d, slot):
        v = self.get(d)
        pos = slot * 16
        return v[5 + pos // B] * B + pos % B


def base_image(mkfs, tmp):
    files = []
    for name, text in (("hello", b"hello, world\n"), ("big", bytes(range(256)) * 60)):
        p = os.path.join(tmp, name)
        with open(p, "wb") as f:
            f.write(text)
        files.append(p)
    img = os.path.join(tmp, "base.img")
    subprocess.run([mkfs, img] + files, check=True, stdout=subprocess.DEVNULL)
    with open(img, "rb") as f:
        im = Img(f.read())
    # /d (a directory) with d/f (a file), /lnk (a second name of d/f), /d/dev.
    d = im.ialloc(fsck.T_DIR)
    im.add_entry(d, ".", d)
    im.add_entry(d, "..", fsck.ROOTINO)
    im.add_entry(fsck.ROOTINO, "d", d)
    root = im.get(fsck.ROOTINO)
    root[3] += 1
    im.put(fsck.ROOTINO, root)
    f = im.ialloc(fsck.T_FILE, nlink=2)
    im.append(f, b"in d\n")
    im.add_entry(d, "f", f)
    im.add_entry(fsck.ROOTINO, "lnk", f)
    dev = im.ialloc(fsck.T_DEVICE)
    v = im.get(dev)
    v[1] = 1
    im.put(dev, v)
    im.add_entry(d, "dev", dev)
    return im, {"d": d, "f": f, "dev": dev}


def lookup(im, d, name):
    for slot in range(im.get(d)[4] // 16):
        ino, nm = struct.unpack_from("<H14s", im.d, im.entry_off(d, slot))
        if nm.rstrip(b"\0") == name.encode():
            return slot, ino
    raise KeyError(name)


def corruptions(ino):
    """(name, edit function, text fsck must print)."""
    def c_magic(im):
        struct.pack_into("<I", im.d, B, 0x12345678)

    def c_sb_overlap(im):
        struct.pack_into("<I", im.d, B + 28, im.sb.inodestart)  # bmapstart

    def c_log_count(im):
        struct.pack_into("<I", im.d, im.sb.logstart * B, 1000)

    def c_log_home(im):
        struct.pack_into("<II", im.d, im.sb.logstart * B, 1, 1)  # home = superblock

    def c_bit_free(im):
        im.bit(im.get(ino["f"])[5], 0)

    def c_bit_leak(im):
        im.balloc()

    def c_twice(im):
        v = im.get(ino["f"])
        v[6] = im.get(big_inum(im))[5]
        v[4] = 2 * B
        im.put(ino["f"], v)

    def c_type(im):
        v = im.get(ino["f"])
        v[0] = 7
        im.put(ino["f"], v)

    def c_nlink(im):
        v = im.get(ino["f"])
        v[3] = 3
        im.put(ino["f"], v)

    def c_free_target(im):
        v = im.get(ino["dev"])
        im.put(ino["dev"], [0] * len(v))

    def c_dot(im):
        struct.pack_into("<H", im.d, im.entry_off(ino["d"], 0), fsck.ROOTINO)

    def c_dotdot(im):
        struct.pack_into("<H", im.d, im.entry_off(ino["d"], 1), ino["d"])

    def c_hole(im):
        v = im.get(ino["f"])
        v[4] = 3 * B
        im.put(ino["f"], v)

    def c_past_end(im):
        v = im.get(ino["f"])
        v[6] = im.balloc()
        im.put(ino["f"], v)

    def c_range(im):
        v = im.get(ino["f"])
        v[5] = im.sb.size + 5
        im.put(ino["f"], v)

    def c_dup_name(im):
        im.add_entry(ino["d"], "f", ino["dev"])
        v = im.get(ino["dev"])
        v[3] = 2
        im.put(ino["dev"], v)

    def c_orphan(im):
        slot, h = lookup(im, fsck.ROOTINO, "hello")
        struct.pack_into("<H", im.d, im.entry_off(fsck.ROOTINO, slot), 0)
        v = im.get(h)
        v[3] = 0
        im.put(h, v)

    def c_unreachable(im):
        slot, _ = lookup(im, fsck.ROOTINO, "hello")
        struct.pack_into("<H", im.d, im.entry_off(fsck.ROOTINO, slot), 0)

    def c_dir_twice(im):
        im.add_entry(fsck.ROOTINO, "d2", ino["d"])
        v = im.get(ino["d"])
        v[3] = 2
        im.put(ino["d"], v)

    def c_dirsize(im):
        v = im.get(ino["d"])
        v[4] += 3
        im.put(ino["d"], v)

    def c_major(im):
        v = im.get(ino["dev"])
        v[1] = 99
        im.put(ino["dev"], v)

    def big_inum(im):
        return lookup(im, fsck.ROOTINO, "big")[1]

    return [
        ("bad_magic", c_magic, "bad magic"),
        ("superblock_overlap", c_sb_overlap, "overlaps the inodes"),
        ("log_count", c_log_count, "log: header count"),
        ("log_home", c_log_home, "home 1 is outside"),
        ("bitmap_used_marked_free", c_bit_free, "in use but marked free"),
        ("bitmap_unreferenced", c_bit_leak, "referenced by no inode"),
        ("block_twice", c_twice, "used twice"),
        ("bad_type", c_type, "bad type 7"),
        ("link_count", c_nlink, "nlink 3 but 2 directory references"),
        ("entry_to_free_inode", c_free_target, "which is free"),
        ("dot_wrong", c_dot, "'.' is 1, not itself"),
        ("dotdot_wrong", c_dotdot, "'..' is"),
        ("size_beyond_blocks", c_hole, "has no disk block"),
        ("block_past_size", c_past_end, "past the end"),
        ("block_out_of_range", c_range, "out of range"),
        ("duplicate_name", c_dup_name, "duplicate name 'f'"),
        ("orphan", c_orphan, "orphan"),
        ("unreachable", c_unreachable, "unreachable"),
        ("directory_named_twice", c_dir_twice, "already named elsewhere"),
        ("directory_size", c_dirsize, "not a multiple of 16"),
        ("device_major", c_major, "major 99 out of range"),
    ]


def run_fsck(path):
    r = subprocess.run([sys.executable, FSCK, path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return r.returncode, r.stdout.decode()


def main():
    mkfs = sys.argv[1]
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        im, ino = base_image(mkfs, tmp)
        path = os.path.join(tmp, "t.img")

        def write(data):
            with open(path, "wb") as f:
                f.write(data)

        write(im.d)
        rc, out = run_fsck(path)
        if rc == 0 and "clean" in out:
            print("PASS fsck_clean_image")
            passed += 1
        else:
            print("FAIL fsck_clean_image: rc %d\n%s" % (rc, out))
            failed += 1
        for name, edit, want in corruptions(ino):
            bad = Img(bytes(im.d))
            edit(bad)
            write(bad.d)
            rc, out = run_fsck(path)
            if rc == 1 and want in out:
                print("PASS fsck_finds_%s" % name)
                passed += 1
            else:
                print("FAIL fsck_finds_%s: rc %d, wanted %r in:\n%s" % (name, rc, want, out))
                failed += 1
        # Log replay: damage a block at home, put the good copy in a
        # committed log: fsck must check the replayed state (clean).
        bad = Img(bytes(im.d))
        bm = bad.sb.bmapstart
        good = bytes(bad.d[bm * B:(bm + 1) * B])
        bad.d[bm * B:(bm + 1) * B] = bytes(B)
        ls = bad.sb.logstart
        struct.pack_into("<II", bad.d, ls * B, 1, bm)
        bad.d[(ls + 1) * B:(ls + 2) * B] = good
        write(bad.d)
        rc, out = run_fsck(path)
        if rc == 0 and "replayed" in out:
            print("PASS fsck_replays_log")
            passed += 1
        else:
            print("FAIL fsck_replays_log: rc %d\n%s" % (rc, out))
            failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
