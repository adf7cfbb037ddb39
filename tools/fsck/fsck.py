#!/usr/bin/env python3
"""fsck for Lazuli file-system images (the format of include/fs.h).

    fsck.py [-q] [--file-blocks] fs.img

--file-blocks also prints the blocks (data and index) held by regular files.

Reads the whole image, replays a committed log in memory (as the kernel's
recovery would; the image file is never written), then checks: superblock
layout, log header, inode types and block lists (in range, no block used
twice, sizes consistent with blocks), the free bitmap against the blocks
referenced, the directory tree (entries point at allocated inodes, "." and
".." right, no duplicate names, no directory named twice), link counts
against directory references, and orphans (allocated, nlink 0: unlinked
while open when the machine stopped) and unreachable inodes.
Prints one line per problem and exits 1 if there is any, else 0.
"""
import os
import re
import struct
import sys

BSIZE = 1024
ROOTINO = 1
FSMAGIC = 0x4C5A4653
T_DIR, T_FILE, T_DEVICE = 1, 2, 3


def header_constants(root):
    """NDIRECT, LOGSIZE, NDEV from the headers, so fsck follows the kernel."""
    consts = {}
    for name in ("include/fs.h", "include/param.h"):
        path = os.path.join(root, name)
        with open(path) as f:
            for line in f:
                m = re.match(r"#define\s+(\w+)\s+\(?([0-9]+)\s*(\*\s*([0-9]+))?\)?", line)
                if m:
                    v = int(m.group(2)) * (int(m.group(4)) if m.group(4) else 1)
                    consts[m.group(1)] = v
                m = re.match(r"#define\s+LOGSIZE\s+\(MAXOPBLOCKS\s*\*\s*([0-9]+)\)", line)
                if m:
                    consts["LOGSIZE"] = consts["MAXOPBLOCKS"] * int(m.group(1))
    return consts


HERE = os.path.dirname(os.path.abspath(__file__))
C = header_constants(os.path.join(HERE, "..", ".."))
NDIRECT = C["NDIRECT"]
NINDIRECT = BSIZE // 4
NDINDIRECT = NINDIRECT * NINDIRECT
MAXFILE = NDIRECT + NINDIRECT + NDINDIRECT
LOGSIZE = C["LOGSIZE"]
NDEV = C["NDEV"]
DINODE = struct.Struct("<hhhhI%dI" % (NDIRECT + 2))
IPB = BSIZE // DINODE.size
BPB = BSIZE * 8
DIRENT = struct.Struct("<H14s")
DIRSIZ = 14


class Image:
    def __init__(self, data):
        self.data = bytearray(data)
        self.nblocks_img = len(data) // BSIZE

    def block(self, b):
        return self.data[b * BSIZE:(b + 1) * BSIZE]

    def put_block(self, b, raw):
        self.data[b * BSIZE:(b + 1) * BSIZE] = raw


class Checker:
    def __init__(self, img):
        self.img = img
        self.problems = []
        self.notes = []

    def bad(self, msg):
        self.problems.append(msg)

    # ---- superblock and log ----
    def superblock(self):
        f = struct.unpack_from("<8I", self.img.block(1))
        (self.magic, self.size, self.nblocks, self.ninodes, self.nlog, self.logstart,
         self.inodestart, self.bmapstart) = f
        if self.magic != FSMAGIC:
            self.bad("superblock: bad magic %#x" % self.magic)
            return False
        ok = True
        if self.size > self.img.nblocks_img:
            self.bad("superblock: size %d blocks but image has %d" % (self.size, self.img.nblocks_img))
            ok = False
        ninodeblocks = (self.ninodes + IPB - 1) // IPB
        nbitmap = (self.size + BPB - 1) // BPB
        self.datastart = self.size - self.nblocks
        if self.logstart != 2 or self.nlog < 2:
            self.bad("superblock: log at %d, %d blocks" % (self.logstart, self.nlog))
            ok = False
        if self.inodestart < self.logstart + self.nlog:
            self.bad("superblock: inodes (%d) overlap the log" % self.inodestart)
            ok = False
        if self.bmapstart < self.inodestart + ninodeblocks:
            self.bad("superblock: bitmap (%d) overlaps the inodes" % self.bmapstart)
            ok = False
        if self.datastart < self.bmapstart + nbitmap or self.nblocks > self.size:
            self.bad("superblock: data (%d blocks) overlaps the bitmap" % self.nblocks)
            ok = False
        if self.ninodes < 2:
            self.bad("superblock: %d inodes" % self.ninodes)
            ok = False
        return ok

    def log(self):
        raw = self.img.block(self.logstart)
        count = struct.unpack_from("<I", raw)[0]
        cap = min(self.nlog - 1, LOGSIZE)
        if count > cap:
            self.bad("log: header count %d exceeds the log's %d blocks" % (count, cap))
            return
        homes = struct.unpack_from("<%dI" % count, raw, 4) if count else ()
        for i, h in enumerate(homes):
            if h < self.inodestart or h >= self.size:
                self.bad("log: block %d's home %d is outside inodes/bitmap/data" % (i, h))
                return
        if len(set(homes)) != len(homes):
            self.bad("log: a home block appears twice")
            return
        if count:
            # A committed transaction: the kernel replays it at boot. Check
            # the image as it will be after that.
            for i, h in enumerate(homes):
                self.img.put_block(h, self.img.block(self.logstart + 1 + i))
            self.notes.append("log: %d committed blocks replayed (in memory)" % count)

    # ---- inodes and blocks ----
    def dinode(self, inum):
        b = self.inodestart + inum // IPB
        v = DINODE.unpack_from(self.img.block(b), (inum % IPB) * DINODE.size)
        return {"type": v[0], "major": v[1], "minor": v[2], "nlink": v[3], "size": v[4],
                "addrs": list(v[5:])}

    def claim(self, b, inum, what):
        """Record that inode inum uses block b. False if b is unusable."""
        if b < self.datastart or b >= self.size:
            self.bad("inode %d: %s block %d out of range [%d, %d)" % (inum, what, b, self.datastart, self.size))
            return False
        if b in self.owner:
            self.bad("block %d used twice: inode %d and inode %d" % (b, self.owner[b], inum))
            return False
        self.owner[b] = inum
        return True

    def index(self, b):
        return list(struct.unpack_from("<%dI" % NINDIRECT, self.img.block(b)))

    def blocks_of(self, inum, di):
        """The file's data blocks by file block number (0 = absent)."""
        a = di["addrs"]
        blocks = [0] * MAXFILE
        for i in range(NDIRECT):
            if a[i] and self.claim(a[i], inum, "data"):
                blocks[i] = a[i]
        if a[NDIRECT] and self.claim(a[NDIRECT], inum, "indirect"):
            for i, e in enumerate(self.index(a[NDIRECT])):
                if e and self.claim(e, inum, "data"):
                    blocks[NDIRECT + i] = e
        if a[NDIRECT + 1] and self.claim(a[NDIRECT + 1], inum, "double-indirect"):
            for j, mid in enumerate(self.index(a[NDIRECT + 1])):
                if mid and self.claim(mid, inum, "indirect"):
                    for i, e in enumerate(self.index(mid)):
                        if e and self.claim(e, inum, "data"):
                            blocks[NDIRECT + NINDIRECT + j * NINDIRECT + i] = e
        return blocks

    def inodes(self):
        self.owner = {}
        self.inode = {}
        self.blocks = {}
        for inum in range(1, self.ninodes):
            di = self.dinode(inum)
            t = di["type"]
            if t == 0:
                if any(di["addrs"]) or di["size"] or di["nlink"]:
                    self.bad("inode %d: free but has size/links/blocks" % inum)
                continue
            if t not in (T_DIR, T_FILE, T_DEVICE):
                self.bad("inode %d: bad type %d" % (inum, t))
                continue
            self.inode[inum] = di
            if di["nlink"] < 0:
                self.bad("inode %d: negative nlink %d" % (inum, di["nlink"]))
            if t == T_DEVICE:
                if not 0 <= di["major"] < NDEV:
                    self.bad("inode %d: device major %d out of range" % (inum, di["major"]))
                if di["size"] or any(di["addrs"]):
                    self.bad("inode %d: device with size or blocks" % inum)
                    self.blocks_of(inum, di)
                continue
            blocks = self.blocks_of(inum, di)
            self.blocks[inum] = blocks
            size = di["size"]
            if size > MAXFILE * BSIZE:
                self.bad("inode %d: size %d beyond the maximum file" % (inum, size))
                continue
            nb = (size + BSIZE - 1) // BSIZE
            holes = [i for i in range(nb) if blocks[i] == 0]
            past = [i for i in range(nb, MAXFILE) if blocks[i]]
            if holes:
                self.bad("inode %d: size %d but file block %d has no disk block" % (inum, size, holes[0]))
            if past:
                self.bad("inode %d: size %d but file block %d (past the end) is allocated" % (inum, size, past[0]))
            if t == T_DIR and size % DIRENT.size:
                self.bad("inode %d: directory size %d not a multiple of %d" % (inum, size, DIRENT.size))

    def bitmap(self):
        used = set(range(self.datastart)) | set(self.owner)
        marked_free, leaked = [], []
        for b in range(self.size):
            byte = self.img.data[(self.bmapstart + b // BPB) * BSIZE + (b % BPB) // 8]
            bit = (byte >> (b % 8)) & 1
            if b in used and not bit:
                marked_free.append(b)
            elif bit and b not in used:
                leaked.append(b)
        for b in marked_free[:5]:
            self.bad("bitmap: block %d in use but marked free" % b)
        for b in leaked[:5]:
            self.bad("bitmap: block %d marked used but referenced by no inode" % b)
        for lst, what in ((marked_free, "in use but free"), (leaked, "marked used, unreferenced")):
            if len(lst) > 5:
                self.bad("bitmap: ... %d blocks %s in all" % (len(lst), what))

    # ---- directories ----
    def read_file(self, inum):
        di = self.inode[inum]
        blocks = self.blocks[inum]
        out = bytearray()
        for i in range((di["size"] + BSIZE - 1) // BSIZE):
            out += self.img.block(blocks[i]) if blocks[i] else bytes(BSIZE)
        return bytes(out[:di["size"]])

    def entries(self, inum):
        raw = self.read_file(inum)
        for off in range(0, len(raw) - DIRENT.size + 1, DIRENT.size):
            ino, name = DIRENT.unpack_from(raw, off)
            yield off // DIRENT.size, ino, name

    def tree(self):
        refs = {}          # inum -> entries naming it (not counting ".")
        parent_of = {}     # directory -> the directory whose entry names it
        if ROOTINO not in self.inode or self.inode[ROOTINO]["type"] != T_DIR:
            self.bad("root inode %d is not a directory" % ROOTINO)
            return
        todo = [ROOTINO]
        parent_of[ROOTINO] = ROOTINO
        seen = set()
        while todo:
            d = todo.pop()
            if d in seen:
                continue
            seen.add(d)
            names = set()
            dot = dotdot = None
            for slot, ino, rawname in self.entries(d):
                if ino == 0:
                    continue
                name = rawname.split(b"\0", 1)[0]
                if rawname[len(name):].strip(b"\0"):
                    self.bad("dir %d: entry %r not NUL-padded" % (d, rawname))
                if not name:
                    self.bad("dir %d: entry %d has an empty name" % (d, slot))
                    continue
                shown = name.decode("latin-1")
                if name in names:
                    self.bad("dir %d: duplicate name %r" % (d, shown))
                names.add(name)
                if ino >= self.ninodes:
                    self.bad("dir %d: %r -> inode %d out of range" % (d, shown, ino))
                    continue
                if ino not in self.inode:
                    self.bad("dir %d: %r -> inode %d, which is free" % (d, shown, ino))
                    continue
                if name == b".":
                    if slot != 0:
                        self.bad("dir %d: '.' in slot %d" % (d, slot))
                    dot = ino
                    continue
                refs[ino] = refs.get(ino, 0) + 1
                if name == b"..":
                    if slot != 1:
                        self.bad("dir %d: '..' in slot %d" % (d, slot))
                    dotdot = ino
                    continue
                if self.inode[ino]["type"] == T_DIR:
                    if ino == ROOTINO or ino in parent_of:
                        self.bad("dir %d: %r names directory %d, already named elsewhere" % (d, shown, ino))
                        continue
                    parent_of[ino] = d
                    todo.append(ino)
            if dot != d:
                self.bad("dir %d: '.' is %s, not itself" % (d, dot))
            if dotdot != parent_of[d]:
                self.bad("dir %d: '..' is %s, not its parent %d" % (d, dotdot, parent_of[d]))
        self.reachable = seen | {i for i in refs}
        for inum, di in sorted(self.inode.items()):
            n = refs.get(inum, 0)
            if di["nlink"] == 0 and n == 0:
                self.bad("inode %d: orphan (type %d, nlink 0, in no directory: unlinked while open)"
                         % (inum, di["type"]))
                self.orphans.append(inum)
            elif n == 0:
                self.bad("inode %d: unreachable (type %d, nlink %d, in no directory)"
                         % (inum, di["type"], di["nlink"]))
            elif di["nlink"] != n:
                self.bad("inode %d: nlink %d but %d directory references" % (inum, di["nlink"], n))

    def run(self):
        self.orphans = []
        if not self.superblock():
            return
        self.log()
        self.inodes()
        self.bitmap()
        self.tree()


def main(argv):
    quiet = "-q" in argv
    file_blocks = "--file-blocks" in argv
    args = [a for a in argv if a not in ("-q", "--file-blocks")]
    if len(args) != 1:
        print("usage: fsck.py [-q] [--file-blocks] fs.img", file=sys.stderr)
        return 2
    with open(args[0], "rb") as f:
        img = Image(f.read())
    if img.nblocks_img < 2:
        print("fsck: %s: too small for a file system" % args[0])
        return 1
    c = Checker(img)
    c.run()
    for n in c.notes:
        print("fsck: %s" % n)
    for p in c.problems:
        print("fsck: %s" % p)
    if c.problems:
        print("fsck: %s: %d problems" % (args[0], len(c.problems)))
        return 1
    if file_blocks:
        files = {i for i, d in c.inode.items() if d["type"] == T_FILE}
        print("fsck: %d blocks held by regular files" % sum(1 for o in c.owner.values() if o in files))
    if not quiet:
        print("fsck: %s: clean (%d blocks, %d data blocks in use, %d inodes in use)"
              % (args[0], c.size, len(c.owner), len(c.inode)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
