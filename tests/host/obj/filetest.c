// filetest: read() and write() through the page cache on the host: the
// real kernel/vm/filemap.c, object.c and frame.c over a fake file system
// (readi/writei on bytes in host memory, with a disk that can fill up) and
// fake user copies that can fail part way. After each test: frames,
// pages, references and the fake disk are checked, and every cached page
// must equal the file (zeros past end of file).
#include <stdarg.h>
#include <stdlib.h>
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "vmstat.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "fs/file.h"
#include "lib/klib.h"
#include "objrun.h"

// ---- the fake file system: one file ----------------------------------------------

#define DISKMAX (16 * PGSIZE)
static struct inode ino;
static char disk[DISKMAX];  // the file's bytes
static uint disk_room;      // bytes the "disk" can hold (a full disk stops writei)
static int in_op, nops;

void
ilock(struct inode *ip)
{
  assert(ip->ref > 0);
  acquiresleep(&ip->lock);
}

void
iunlock(struct inode *ip)
{
  releasesleep(&ip->lock);
}

// read()/write() reclaim like faults: here the cache clock's passes 1 and 3
// (reclaim.c's passes over the cache) are the whole reclaimer.
uint64
reclaim(uint64 want)
{
  return (uint64)vmobj_reclaim(want, 1);
}

void
reclaim_if_low(void)
{
}

// reclaim.c's, over the reclaim above
int
reclaim_retry(int *tries)
{
  return (*tries)++ < 2 && reclaim(32) > 0;
}

// The page-cache clock walks the inode table: here, the one file.
struct inode *
icache_pin(int i)
{
  if (i != 0 || ino.obj == 0)
    return 0;
  ino.ref++;
  return &ino;
}

struct inode *
idup(struct inode *ip)
{
  ip->ref++;
  return ip;
}

void
iput(struct inode *ip)
{
  CHECK(in_op > 0);
  ip->ref--;
}

void
begin_op(void)
{
  CHECK(in_op == 0);  // one process: never nested
  in_op++;
  nops++;
}

void
end_op(void)
{
  CHECK(in_op == 1);
  in_op--;
}

int
readi(struct inode *ip, char *dst, uint off, uint n)
{
  CHECK(holdingsleep(&ip->lock));
  if (off >= ip->size)
    return 0;
  n = MIN(n, ip->size - off);
  memmove(dst, disk + off, n);
  return n;
}

// Like the real one: off <= size, stops where the disk is full, keeps the
// cache coherent.
int
writei(struct inode *ip, const char *src, uint off, uint n)
{
  CHECK(holdingsleep(&ip->lock) && in_op == 1);
  CHECK(n <= PGSIZE && off / PGSIZE == (off + n - 1) / PGSIZE);  // one page per transaction
  if (off > ip->size)
    return -1;
  uint done = off >= disk_room ? 0 : MIN(n, disk_room - off);
  memmove(disk + off, src, done);
  if (off + done > ip->size)
    ip->size = off + done;
  vmobj_update_locked(ip, off, src, done);
  return done > 0 ? (int)done : -1;
}

// ---- fake user memory: an address is a host pointer; copies fail past fail_at ----

static char *fail_at;  // first user byte that faults (0: none)

static int
ucopy(char *dst, const char *src, uint64 n, const char *user)
{
  uint64 ok = n;
  if (fail_at && user + n > fail_at)
    ok = fail_at > user ? (uint64)(fail_at - user) : 0;
  memmove(dst, src, ok);
  return ok == n ? 0 : -1;
}

int
copyout(uint64 dstva, const void *src, uint64 n)
{
  return ucopy((char *)dstva, src, n, (char *)dstva);
}

int
copyin(void *dst, uint64 srcva, uint64 n)
{
  return ucopy(dst, (char *)srcva, n, (char *)srcva);
}

// ---- helpers ---------------------------------------------------------------------

static struct vmstat
stats(void)
{
  struct vmstat st;
  memset(&st, 0, sizeof(st));
  frame_stats(&st);
  vmobj_stats(&st);
  return st;
}

static char
pat(uint off, int seed)
{
  return (char)(off * 3 + seed * 17 + (off >> 11));
}

static struct file *
newfile(uint size, int seed)
{
  static struct file f;
  memset(&ino, 0, sizeof(ino));
  initsleeplock(&ino.lock, "inode");
  ino.inum = 7;
  ino.ref = 1;
  ino.valid = 1;
  ino.type = T_FILE;
  ino.size = size;
  for (uint k = 0; k < DISKMAX; k++)
    disk[k] = k < size ? pat(k, seed) : 0;
  disk_room = DISKMAX;
  memset(&f, 0, sizeof(f));
  f.type = FD_INODE;
  f.ip = &ino;
  f.readable = f.writable = 1;
  return &f;
}

// Every cached page equals the file: its bytes, zeros past end of file.
static void
check_cache(void)
{
  for (uint64 pg = 0; pg < DISKMAX / PGSIZE; pg++) {
    paddr_t pa;
    if (!ino.obj || !vmobj_lookup(ino.obj, pg, &pa))
      continue;
    const char *kva = P2V(pa);
    for (uint64 k = 0; k < PGSIZE; k++) {
      uint64 off = pg * PGSIZE + k;
      char want = off < ino.size ? disk[off] : 0;
      if (kva[k] != want)
        t_fail("filetest.c", __LINE__, "cache page %ld byte %ld is %d, file says %d", (long)pg,
               (long)k, kva[k], want);
    }
    frame_unref(pa);
  }
}

static paddr_t starved[1 << 16];
static int nstarved;

static void
starve(void)
{
  paddr_t pa;
  while ((pa = frame_alloc()) != 0)
    starved[nstarved++] = pa;
}

static void
unstarve(void)
{
  while (nstarved > 0)
    frame_unref(starved[--nstarved]);
}

// ---- the tests -------------------------------------------------------------------

static void
test_read_chunks(void)
{
  static const int chunks[] = {1, 17, 1000, PGSIZE, PGSIZE + 1, 3 * PGSIZE};
  static char buf[3 * PGSIZE];
  uint size = 5 * PGSIZE + 321;
  for (uint c = 0; c < NELEM(chunks); c++) {
    struct file *f = newfile(size, 1);
    uint total = 0;
    int n;
    while ((n = filemap_read(f, (uint64)buf, chunks[c])) > 0) {
      for (int i = 0; i < n; i++)
        CHECK_EQ(buf[i], pat(total + i, 1));
      total += n;
      CHECK_EQ(f->off, total);
    }
    CHECK_EQ(n, 0);
    CHECK_EQ(total, size);
    CHECK_EQ(stats().cache_pages, 6);
    CHECK_EQ(stats().cache_mapped, 0);  // the read's pins are gone
    check_cache();
    struct vmobj *o = ino.obj;
    ino.obj = 0;
    vmobj_release(o);
  }
}

// A copyout that fails: -1, the offset stays, nothing pinned.
static void
test_read_bad_buffer(void)
{
  static char buf[2 * PGSIZE];
  struct file *f = newfile(3 * PGSIZE, 2);
  fail_at = buf + PGSIZE + 10;
  CHECK_EQ(filemap_read(f, (uint64)buf, PGSIZE), PGSIZE);
  CHECK_EQ(filemap_read(f, (uint64)(buf + PGSIZE), PGSIZE), -1);
  CHECK_EQ(f->off, PGSIZE);
  fail_at = 0;
  CHECK_EQ(stats().cache_mapped, 0);
}

// Writes of odd sizes from offset 0: the file and the cache agree, one
// transaction per page piece, the size grows.
static void
test_write_grows(void)
{
  static char buf[3 * PGSIZE];
  struct file *f = newfile(0, 3);
  static const int sizes[] = {1, 100, PGSIZE, 5000, 2 * PGSIZE + 3};
  uint off = 0;
  for (uint s = 0; s < NELEM(sizes); s++) {
    for (int i = 0; i < sizes[s]; i++)
      buf[i] = pat(off + i, 4);
    int pieces = (int)((off + sizes[s] - 1) / PGSIZE - off / PGSIZE + 1);
    int ops0 = nops;
    CHECK_EQ(filemap_write(f, (uint64)buf, sizes[s]), sizes[s]);
    CHECK_EQ(nops - ops0, pieces);
    off += sizes[s];
    CHECK_EQ(ino.size, off);
    CHECK_EQ(f->off, off);
    check_cache();
  }
  for (uint k = 0; k < off; k++)
    CHECK_EQ(disk[k], pat(k, 4));
}

// The user copy fails half way through a piece: the bytes already copied
// into the cache page are taken back (the page equals the file again);
// earlier pieces stay written and are reported.
static void
test_write_copy_fails(void)
{
  static char buf[3 * PGSIZE];
  struct file *f = newfile(PGSIZE + 500, 5);
  // Cache the pages first, so the failed bytes would land in a cached page.
  static char rbuf[2 * PGSIZE];
  CHECK_EQ(filemap_read(f, (uint64)rbuf, sizeof(rbuf)), PGSIZE + 500);
  f->off = 100;
  memset(buf, 'W', sizeof(buf));
  fail_at = buf + PGSIZE + 50;  // the second piece (at file offset 4096) fails after 50 bytes
  int n = filemap_write(f, (uint64)buf, 2 * PGSIZE);
  fail_at = 0;
  CHECK_EQ(n, PGSIZE - 100);  // the first piece only
  CHECK_EQ(ino.size, PGSIZE + 500);
  CHECK_EQ(disk[PGSIZE - 1], 'W');
  CHECK_EQ(disk[PGSIZE], pat(PGSIZE, 5));
  check_cache();
  // A write that fails in its first piece returns -1 and changes nothing.
  f->off = PGSIZE + 10;
  fail_at = buf + 3;
  CHECK_EQ(filemap_write(f, (uint64)buf, 100), -1);
  fail_at = 0;
  CHECK_EQ(f->off, PGSIZE + 10);
  check_cache();
}

// A full disk: writei stops part way; the rest of the page past the new
// end of file is zeros again, the short count is returned.
static void
test_write_disk_full(void)
{
  static char buf[2 * PGSIZE];
  struct file *f = newfile(100, 6);
  disk_room = PGSIZE + 200;
  f->off = 100;
  memset(buf, 'D', sizeof(buf));
  CHECK_EQ(filemap_write(f, (uint64)buf, 2 * PGSIZE), PGSIZE + 100);
  CHECK_EQ(ino.size, PGSIZE + 200);
  check_cache();
  CHECK_EQ(filemap_write(f, (uint64)buf, 10), -1);  // nothing more fits
  check_cache();
  CHECK_EQ(stats().cache_mapped, 0);
}

// Out of memory for the cache page: read and write return -1, nothing
// leaks; with memory back they work.
static void
test_oom(void)
{
  static char buf[PGSIZE];
  struct file *f = newfile(2 * PGSIZE, 7);
  starve();
  CHECK_EQ(filemap_read(f, (uint64)buf, PGSIZE), -1);
  CHECK_EQ(f->off, 0);
  CHECK_EQ(filemap_write(f, (uint64)buf, 10), -1);
  CHECK_EQ(ino.size, 2 * PGSIZE);
  unstarve();
  CHECK_EQ(filemap_read(f, (uint64)buf, PGSIZE), PGSIZE);
  CHECK_EQ(buf[5], pat(5, 7));
  check_cache();
}

// Writeback goes through writei: the dirty page reaches the file.
static void
test_writeback(void)
{
  static char buf[PGSIZE];
  struct file *f = newfile(PGSIZE + 100, 8);
  struct vmobj *o = vmobj_get(&ino);
  paddr_t pa;
  CHECK_EQ(vmobj_page(o, 1, &pa), FAULT_OK);
  memset(P2V(pa), 'S', 100);  // a shared store within the file
  vmobj_dirty(o, 1);
  CHECK_EQ(vmobj_sync(o, 0, 2), 0);
  CHECK_EQ(disk[PGSIZE + 99], 'S');
  CHECK_EQ(ino.size, PGSIZE + 100);  // bytes past EOF never reach the file
  frame_unref(pa);
  vmobj_put(o);
  f->off = PGSIZE;
  CHECK_EQ(filemap_read(f, (uint64)buf, PGSIZE), 100);
  CHECK_EQ(buf[0], 'S');
}

#define TESTS(X)                                                                                   \
  X(read_chunks)                                                                                   \
  X(read_bad_buffer)                                                                               \
  X(write_grows)                                                                                   \
  X(write_copy_fails)                                                                              \
  X(write_disk_full)                                                                               \
  X(oom)                                                                                           \
  X(writeback)

#define ENTRY(name) {#name, test_##name},
static const struct {
  const char *name;
  void (*fn)(void);
} tests[] = {TESTS(ENTRY)};

int
main(int argc, char **argv)
{
  uint64 npages = 1024;
  void *arena = aligned_alloc(PGSIZE, npages * PGSIZE);
  memset(arena, 0xEE, npages * PGSIZE);
  host_kvoffset = (uint64)arena - FAKE_RAM_BASE;
  frame_init(FAKE_RAM_BASE, FAKE_RAM_BASE + npages * PGSIZE);
  frame_set_prezero(0);
  vmobj_init();
  int passed = 0, failed = 0;
  for (uint i = 0; i < NELEM(tests); i++) {
    if (argc > 1 && strstr(tests[i].name, argv[1]) == 0)
      continue;
    uint64 free0 = stats().frames_free;
    in_op = nops = 0;
    fail_at = 0;
    if (setjmp(unwind) == 0) {
      tests[i].fn();
      CHECK_EQ(in_op, 0);
      CHECK_EQ(ino.ref, 1);
      if (ino.obj) {
        struct vmobj *o = ino.obj;
        ino.obj = 0;
        vmobj_release(o);
      }
      struct vmstat s = stats();
      CHECK_EQ(s.frames_free, free0);
      CHECK_EQ(s.cache_pages, 0);
      CHECK_EQ(s.cache_index, 0);
      CHECK_EQ(s.cache_refs, 0);
      printf("PASS file_%s\n", tests[i].name);
      passed++;
    } else {
      printf("FAIL file_%s: %s\n", tests[i].name, reason);
      failed++;
      stubs_reset();
      unstarve();
      ino.obj = 0;  // abandoned with the test
    }
    fflush(stdout);
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}
