// objtest: the real kernel/vm/object.c (the page cache) and frame.c on the
// host, over a fake file system: inodes with their bytes in host memory,
// counted transactions and iput calls, a writeback that can be made to
// fail. Each test is followed by a leak check (free frames, object
// references, inode references, cache counters back to zero).
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

// ---- the fake file system ------------------------------------------------------

#define FILEMAX (40 * PGSIZE)
#define NFILES 4

static struct fakefile {
  struct inode ip;
  char data[FILEMAX];
} files[NFILES];

static int in_op;             // transactions open now
static int nops;              // transactions since the test began
static int nputs;             // iput calls
static int nwrites;           // pages written back
static int fail_writeback;    // writeback fails while set
static int writes_at_put;     // nwrites when the last iput ran
static uint64 written[1024];  // pgoff of each writeback, in order

static struct fakefile *
file_of(struct inode *ip)
{
  return (struct fakefile *)ip;
}

static struct inode *
newfile(int i, uint size)
{
  struct fakefile *f = &files[i];
  memset(&f->ip, 0, sizeof(f->ip));
  initsleeplock(&f->ip.lock, "inode");
  f->ip.inum = 10 + i;
  f->ip.ref = 1;  // the test's own reference (an open file)
  f->ip.valid = 1;
  f->ip.type = T_FILE;
  f->ip.size = size;
  for (uint k = 0; k < FILEMAX; k++)
    f->data[k] = (char)(k * 7 + i * 31 + (k >> 12));
  return &f->ip;
}

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

struct inode *
idup(struct inode *ip)
{
  ip->ref++;
  return ip;
}

void
iput(struct inode *ip)
{
  CHECK(in_op > 0);  // iput may free blocks: it needs a transaction
  CHECK(ip->ref > 0);
  ip->ref--;
  nputs++;
  writes_at_put = nwrites;
}

// The page-cache clock walks the inode table: here, the fake files.
struct inode *
icache_pin(int i)
{
  if (i < 0 || i >= NFILES || files[i].ip.obj == 0 || !files[i].ip.valid)
    return 0;
  files[i].ip.ref++;
  return &files[i].ip;
}

void
begin_op(void)
{
  CHECK(in_op < 3);
  in_op++;
  nops++;
}

void
end_op(void)
{
  CHECK(in_op > 0);
  in_op--;
}

void
filemap_fill(struct inode *ip, uint64 pgoff, paddr_t pa)
{
  CHECK(holdingsleep(&ip->lock));
  char *kva = P2V(pa);
  for (uint64 k = 0; k < PGSIZE; k++) {
    uint64 off = pgoff * PGSIZE + k;
    kva[k] = off < ip->size ? file_of(ip)->data[off] : 0;
  }
}

int
filemap_writeback(struct inode *ip, uint64 pgoff, paddr_t pa)
{
  CHECK(holdingsleep(&ip->lock) && in_op > 0);
  if (fail_writeback)
    return -1;
  uint64 off = pgoff * PGSIZE;
  uint64 n = off < ip->size ? MIN(PGSIZE, ip->size - off) : 0;
  memmove(file_of(ip)->data + off, P2V(pa), n);
  if (nwrites < (int)NELEM(written))
    written[nwrites] = pgoff;
  nwrites++;
  return 0;
}

static struct vmstat
stats(void)
{
  struct vmstat st;
  memset(&st, 0, sizeof(st));
  frame_stats(&st);
  vmobj_stats(&st);
  return st;
}

// Page pgoff of o, which must come back OK; checks its bytes.
static paddr_t
page(struct vmobj *o, struct inode *ip, uint64 pgoff, int want_filled)
{
  paddr_t pa;
  int filled = -1;
  CHECK_EQ(vmobj_page_ex(o, pgoff, &pa, &filled), FAULT_OK);
  if (want_filled >= 0)
    CHECK_EQ(filled, want_filled);
  const char *kva = P2V(pa);
  for (uint64 k = 0; k < PGSIZE; k++) {
    uint64 off = pgoff * PGSIZE + k;
    char want = off < ip->size ? file_of(ip)->data[off] : 0;
    if (kva[k] != want)
      t_fail("objtest.c", __LINE__, "page %ld byte %ld is %d, want %d", (long)pgoff, (long)k,
             kva[k], want);
  }
  return pa;
}

static uint64
frames_free_now(void)
{
  return stats().frames_free;
}

// Take every free frame (so that allocation fails) / give them back.
static paddr_t starved[1 << 16];
static int nstarved;

static void
starve(uint64 leave)
{
  paddr_t pa;
  while (frames_free_now() > leave && (pa = frame_alloc()) != 0)
    starved[nstarved++] = pa;
}

static void
unstarve(void)
{
  while (nstarved > 0)
    frame_unref(starved[--nstarved]);
}

// ---- the tests ---------------------------------------------------------------

// References pin the inode once, however many; the last put iputs it
// inside a transaction.
static void
test_refs_pin_inode(void)
{
  struct inode *ip = newfile(0, 3 * PGSIZE);
  struct vmobj *o = vmobj_get(ip);
  CHECK(o != 0 && ip->obj == o);
  CHECK_EQ(ip->ref, 2);
  vmobj_dup(o);
  CHECK(vmobj_get(ip) == o);
  CHECK_EQ(ip->ref, 2);
  CHECK_EQ(stats().cache_refs, 3);
  vmobj_put(o);
  vmobj_put(o);
  CHECK_EQ(nputs, 0);
  vmobj_put(o);
  CHECK_EQ(nputs, 1);
  CHECK_EQ(ip->ref, 1);
  CHECK_EQ(stats().cache_refs, 0);
  // A new first reference pins it again.
  CHECK(vmobj_get(ip) == o);
  CHECK_EQ(ip->ref, 2);
  vmobj_put(o);
  CHECK_EQ(ip->ref, 1);
  CHECK_EQ(vmobj_inum(o), 10);
  CHECK_EQ(vmobj_size(o), 3 * PGSIZE);
}

// First touch reads the file (zeros past EOF), later ones hit; each
// returns one frame reference; wholly past EOF is FAULT_BUS.
static void
test_page_fill_hit_bus(void)
{
  struct inode *ip = newfile(0, 2 * PGSIZE + 100);
  struct vmobj *o = vmobj_get(ip);
  struct vmstat s0 = stats();
  paddr_t a = page(o, ip, 2, 1);  // straddles EOF: 100 bytes, then zeros
  CHECK_EQ(frame_refcount(a), 2);
  paddr_t b = page(o, ip, 2, 0);
  CHECK(a == b);
  CHECK_EQ(frame_refcount(a), 3);
  struct vmstat s1 = stats();
  CHECK_EQ(s1.cache_fills - s0.cache_fills, 1);
  CHECK_EQ(s1.cache_hits - s0.cache_hits, 1);
  CHECK_EQ(s1.cache_pages, 1);
  CHECK_EQ(s1.cache_index, 1);
  CHECK_EQ(s1.cache_mapped, 1);
  paddr_t pa;
  CHECK_EQ(vmobj_page(o, 3, &pa), FAULT_BUS);
  CHECK_EQ(vmobj_page(o, 1ULL << 40, &pa), FAULT_BUS);
  CHECK_EQ(vmobj_lookup(o, 0, &pa), 0);  // not cached: no I/O
  CHECK_EQ(vmobj_lookup(o, 2, &pa), 1);
  CHECK(pa == a);
  frame_unref(pa);
  paddr_t pas[4];
  CHECK_EQ(vmobj_lookup_many(o, 0, 4, pas), 1);  // pages 0, 1 not cached; 3 past EOF
  CHECK(pas[0] == 0 && pas[1] == 0 && pas[2] == a && pas[3] == 0);
  CHECK_EQ(frame_refcount(a), 4);
  frame_unref(pas[2]);
  frame_unref(a);
  frame_unref(b);
  CHECK_EQ(stats().cache_mapped, 0);
  // Pages stay cached without any reference (they belong to the inode).
  vmobj_put(o);
  CHECK_EQ(stats().cache_pages, 1);
  CHECK_EQ(vmobj_lookup(o, 2, &pa), 1);
  frame_unref(pa);
}

// Only dirty pages are written back, one transaction each, clean after;
// a range limits what is written.
static void
test_sync_writes_only_dirty(void)
{
  struct inode *ip = newfile(0, 6 * PGSIZE);
  struct vmobj *o = vmobj_get(ip);
  paddr_t p1 = page(o, ip, 1, 1), p3 = page(o, ip, 3, 1), p4 = page(o, ip, 4, 1);
  memset(P2V(p1), 'A', PGSIZE);
  memset(P2V(p3), 'C', PGSIZE);
  vmobj_dirty(o, 1);
  vmobj_dirty(o, 1);  // twice counts once
  vmobj_dirty(o, 3);
  vmobj_dirty(o, 5);  // not cached: nothing to mark
  CHECK_EQ(stats().cache_dirty, 2);
  int ops0 = nops;
  CHECK_EQ(vmobj_sync(o, 0, 2), 0);
  CHECK_EQ(nwrites, 1);
  CHECK_EQ(written[0], 1);
  CHECK_EQ(file_of(ip)->data[PGSIZE], 'A');
  CHECK_EQ(file_of(ip)->data[3 * PGSIZE], (char)(3 * PGSIZE * 7 + (3 * PGSIZE >> 12)));
  CHECK_EQ(stats().cache_dirty, 1);
  CHECK_EQ(vmobj_sync(o, 0, 100), 0);
  CHECK_EQ(nwrites, 2);
  CHECK_EQ(written[1], 3);
  CHECK_EQ(file_of(ip)->data[3 * PGSIZE + 5], 'C');
  CHECK_EQ(nops - ops0, 2);  // one transaction per written page
  CHECK_EQ(stats().cache_dirty, 0);
  CHECK_EQ(stats().cache_writebacks, 2);
  CHECK_EQ(vmobj_sync(o, 0, 100), 0);  // all clean: nothing written
  CHECK_EQ(nwrites, 2);
  // Dirty again after writeback (a store caught by a re-protected PTE).
  vmobj_dirty(o, 1);
  CHECK_EQ(vmobj_sync(o, 1, 2), 0);
  CHECK_EQ(nwrites, 3);
  frame_unref(p1);
  frame_unref(p3);
  frame_unref(p4);
  vmobj_put(o);
}

// A failed writeback leaves the page dirty and says -1; the last put
// writes back what is dirty before it unpins the inode.
static void
test_sync_failure_and_last_put(void)
{
  struct inode *ip = newfile(0, 2 * PGSIZE);
  struct vmobj *o = vmobj_get(ip);
  paddr_t p0 = page(o, ip, 0, 1);
  memset(P2V(p0), 'Z', PGSIZE);
  vmobj_dirty(o, 0);
  fail_writeback = 1;
  CHECK_EQ(vmobj_sync(o, 0, 1), -1);
  CHECK_EQ(stats().cache_dirty, 1);
  fail_writeback = 0;
  frame_unref(p0);
  vmobj_put(o);  // the last reference: writes page 0, then iput
  CHECK_EQ(nwrites, 1);
  CHECK_EQ(writes_at_put, 1);
  CHECK_EQ(file_of(ip)->data[100], 'Z');
  CHECK_EQ(stats().cache_dirty, 0);
}

// Truncation drops pages past the new size (dirty ones too), zeroes the
// straddling page's tail, frees index pages; a page still referenced
// (mapped) keeps its frame until that reference goes.
static void
test_truncate(void)
{
  struct inode *ip = newfile(0, 40 * PGSIZE);
  struct vmobj *o = vmobj_get(ip);
  uint64 free0 = frames_free_now();
  paddr_t keep = 0;
  for (uint64 pg = 0; pg < 40; pg++) {
    paddr_t pa = page(o, ip, pg, 1);
    if (pg == 30)
      keep = pa;  // "mapped"
    else
      frame_unref(pa);
  }
  vmobj_dirty(o, 35);
  CHECK_EQ(stats().cache_pages, 40);
  ilock(ip);
  ip->size = PGSIZE + 10;
  vmobj_truncate_locked(ip, ip->size);
  iunlock(ip);
  struct vmstat s = stats();
  CHECK_EQ(s.cache_pages, 2);
  CHECK_EQ(s.cache_dirty, 0);
  CHECK_EQ(s.cache_index, 1);
  CHECK_EQ(frame_refcount(keep), 1);  // detached, alive through its reference
  CHECK_EQ(free0 - frames_free_now(), 2 + 1 + 1);
  frame_unref(keep);
  paddr_t pa = page(o, ip, 1, 0);  // the tail past 10 bytes reads as zeros
  frame_unref(pa);
  CHECK_EQ(vmobj_page(o, 2, &pa), FAULT_BUS);
  ilock(ip);
  ip->size = 0;
  vmobj_truncate_locked(ip, 0);
  iunlock(ip);
  CHECK_EQ(stats().cache_pages, 0);
  CHECK_EQ(stats().cache_index, 0);
  CHECK_EQ(frames_free_now(), free0);
  vmobj_put(o);
}

// writei's bytes reach cached pages (not uncached ones, not the source).
static void
test_update(void)
{
  struct inode *ip = newfile(0, 3 * PGSIZE);
  struct vmobj *o = vmobj_get(ip);
  paddr_t p0 = page(o, ip, 0, 1), p2 = page(o, ip, 2, 1);
  char buf[3 * PGSIZE];
  memset(buf, 'u', sizeof(buf));
  ilock(ip);
  vmobj_update_locked(ip, PGSIZE - 5, buf, PGSIZE + 10);
  vmobj_update_locked(ip, 2 * PGSIZE, (char *)P2V(p2), 100);  // its own page: untouched
  iunlock(ip);
  CHECK_EQ(((char *)P2V(p0))[PGSIZE - 6], file_of(ip)->data[PGSIZE - 6]);
  CHECK_EQ(((char *)P2V(p0))[PGSIZE - 5], 'u');
  CHECK_EQ(((char *)P2V(p2))[4], 'u');
  CHECK_EQ(((char *)P2V(p2))[5], file_of(ip)->data[2 * PGSIZE + 5]);
  CHECK_EQ(stats().cache_pages, 2);  // page 1 was not cached and is not now
  frame_unref(p0);
  frame_unref(p2);
  vmobj_put(o);
}

// Dropping keeps dirty and referenced pages; releasing a recycled slot's
// object frees everything, and refuses (panics) on a dirty page.
static void
test_drop_and_release(void)
{
  struct inode *ip = newfile(0, 4 * PGSIZE);
  struct vmobj *o = vmobj_get(ip);
  uint64 free0 = frames_free_now();
  paddr_t p0 = page(o, ip, 0, 1), p1 = page(o, ip, 1, 1), p2 = page(o, ip, 2, 1);
  frame_unref(p1);
  frame_unref(p2);
  vmobj_dirty(o, 2);
  ilock(ip);
  CHECK_EQ(vmobj_drop_clean_locked(ip), 1);  // page 1 only
  iunlock(ip);
  CHECK_EQ(stats().cache_pages, 2);
  frame_unref(p0);
  vmobj_put(o);  // writes page 2 back
  ilock(ip);
  CHECK_EQ(vmobj_drop_clean_locked(ip), 2);
  iunlock(ip);
  CHECK_EQ(frames_free_now(), free0);
  // Release with pages: all freed.
  p0 = page(o, ip, 0, 1);
  frame_unref(p0);
  ip->obj = 0;  // what iget does before releasing
  vmobj_release(o);
  CHECK_EQ(frames_free_now(), free0);
  CHECK_EQ(stats().cache_pages, 0);
}

static void
test_release_dirty_panics(void)
{
  struct inode *ip = newfile(1, PGSIZE);
  struct vmobj *o = vmobj_get(ip);
  paddr_t pa = page(o, ip, 0, 1);
  frame_unref(pa);
  vmobj_dirty(o, 0);
  fail_writeback = 1;
  vmobj_put(o);  // cannot write it back: stays dirty
  fail_writeback = 0;
  CHECK_EQ(stats().cache_dirty, 1);
  ip->obj = 0;
  jmp_buf saved;
  memcpy(saved, unwind, sizeof(saved));
  int panicked = 0;
  if (setjmp(unwind) == 0)
    vmobj_release(o);
  else
    panicked = 1;
  memcpy(unwind, saved, sizeof(saved));
  stubs_reset();
  CHECK(panicked);
  // Clean it up for the leak check: back on the inode, written, released.
  ip->obj = o;
  vmobj_get(ip);
  vmobj_put(o);
  CHECK_EQ(stats().cache_dirty, 0);
  ip->obj = 0;
  vmobj_release(o);
}

// Out of memory at each allocation (the frame, the index page): FAULT_OOM,
// nothing kept, nothing leaked; with memory back, the same call works.
static void
test_oom(void)
{
  struct inode *ip = newfile(0, 8 * PGSIZE);
  struct vmobj *o = vmobj_get(ip);
  uint64 free0 = frames_free_now();
  paddr_t pa;
  for (uint64 leave = 0; leave < 2; leave++) {
    starve(leave);
    CHECK_EQ(frames_free_now(), leave);
    CHECK_EQ(vmobj_page(o, 0, &pa), FAULT_OOM);
    unstarve();
    CHECK_EQ(frames_free_now(), free0);
    CHECK_EQ(stats().cache_pages, 0);
  }
  // The index page exists now: one free frame is enough for the next page.
  pa = page(o, ip, 0, 1);
  starve(1);
  paddr_t pb = page(o, ip, 1, 1);
  CHECK_EQ(vmobj_page(o, 2, &pa), FAULT_OOM);
  CHECK_EQ(vmobj_page(o, 0, &pa), FAULT_OK);  // a hit needs no memory
  unstarve();
  frame_unref(pa);
  frame_unref(pa);
  frame_unref(pb);
  vmobj_put(o);
}

// The object pool has room for every inode slot; a full pool says 0.
static void
test_pool_full(void)
{
  static struct inode extra[NINODE + NCPU + 1];
  int got = 0;
  for (int i = 0; i < (int)NELEM(extra); i++) {
    memset(&extra[i], 0, sizeof(extra[i]));
    initsleeplock(&extra[i].lock, "inode");
    extra[i].ref = 1;
    if (vmobj_of(&extra[i], 1))
      got++;
  }
  CHECK_EQ(got, NINODE + NCPU);
  CHECK(vmobj_get(&extra[NELEM(extra) - 1]) == 0);
  for (int i = 0; i < (int)NELEM(extra); i++)
    if (extra[i].obj) {
      struct vmobj *o = extra[i].obj;
      extra[i].obj = 0;
      vmobj_release(o);
    }
}

// Read pages [0, n) of o (each cached, referenced, no reference kept).
static void
read_all(struct vmobj *o, struct inode *ip, int n)
{
  for (int pg = 0; pg < n; pg++)
    frame_unref(page(o, ip, pg, -1));
}

static int
cached(struct vmobj *o, uint64 pg)
{
  paddr_t pa;
  if (!vmobj_lookup(o, pg, &pa))
    return 0;
  frame_unref(pa);
  return 1;
}

// The cache clock: clean unmapped pages go, referenced ones get a second
// chance, mapped ones are never taken, dirty ones only with dirty_too and
// only after they are written back.
static void
test_reclaim_clock(void)
{
  struct inode *ia = newfile(0, 8 * PGSIZE), *ib = newfile(1, 8 * PGSIZE);
  struct vmobj *a = vmobj_get(ia), *b = vmobj_get(ib);
  uint64 free0 = frames_free_now();
  read_all(a, ia, 8);
  read_all(b, ib, 8);
  CHECK_EQ(stats().cache_pages, 16);
  // Everything was just used: the first turn only clears the bits.
  CHECK_EQ(vmobj_reclaim(1, 0), 1);
  CHECK_EQ(stats().cache_pages, 15);
  CHECK(!cached(a, 0));  // the hand started in a's slot
  // a used again: the hand passes a (second chance) and takes b's pages.
  for (int pg = 1; pg < 8; pg++)
    CHECK(cached(a, pg));
  CHECK_EQ(vmobj_reclaim(8, 0), 8);
  for (int pg = 1; pg < 8; pg++)
    CHECK(cached(a, pg));  // used again: not taken
  for (int pg = 0; pg < 8; pg++)
    CHECK(!cached(b, pg));
  CHECK_EQ(stats().cache_reclaimed, 9);
  CHECK_EQ(free0 - frames_free_now(), 7 + 1);  // a's pages and index page (b's went too)
  // A mapped page (a reference beyond the cache's) and a dirty one stay.
  paddr_t mapped = page(a, ia, 3, 0);
  paddr_t d = page(a, ia, 5, 0);
  memset(P2V(d), 'D', PGSIZE);
  vmobj_dirty(a, 5);
  frame_unref(d);
  CHECK_EQ(vmobj_reclaim(100, 0), 5);  // pages 1, 2, 4, 6, 7
  CHECK(cached(a, 3) && cached(a, 5));
  // Dirty too: written back first (one transaction), then freed.
  CHECK_EQ(vmobj_reclaim(100, 1), 1);
  CHECK_EQ(nwrites, 1);
  CHECK_EQ(written[0], 5);
  CHECK_EQ(file_of(ia)->data[5 * PGSIZE + 77], 'D');
  CHECK(!cached(a, 5));
  CHECK(cached(a, 3));
  struct vmstat s = stats();
  CHECK_EQ(s.cache_written, 1);
  CHECK_EQ(s.cache_dirty, 0);
  CHECK_EQ(s.cache_reclaimed, 15);
  // A failed writeback keeps the page, dirty: nothing is lost.
  d = page(a, ia, 6, 1);
  memset(P2V(d), 'E', PGSIZE);
  vmobj_dirty(a, 6);
  frame_unref(d);
  fail_writeback = 1;
  CHECK_EQ(vmobj_reclaim(100, 1), 0);
  fail_writeback = 0;
  CHECK_EQ(stats().cache_dirty, 1);
  CHECK(cached(a, 6));
  CHECK_EQ(vmobj_reclaim(100, 1), 1);
  CHECK_EQ(file_of(ia)->data[6 * PGSIZE], 'E');
  // Refilled from the file after reclaim: the written bytes.
  d = page(a, ia, 5, 1);
  CHECK_EQ(((char *)P2V(d))[0], 'D');
  frame_unref(d);
  frame_unref(mapped);
  vmobj_put(a);
  vmobj_put(b);
  CHECK_EQ(in_op, 0);
}

#define TESTS(X)                                                                                   \
  X(refs_pin_inode)                                                                                \
  X(page_fill_hit_bus)                                                                             \
  X(sync_writes_only_dirty)                                                                        \
  X(sync_failure_and_last_put)                                                                     \
  X(truncate)                                                                                      \
  X(update)                                                                                        \
  X(drop_and_release)                                                                              \
  X(release_dirty_panics)                                                                          \
  X(oom)                                                                                           \
  X(pool_full)                                                                                     \
  X(reclaim_clock)

#define ENTRY(name) {#name, test_##name},
static const struct {
  const char *name;
  void (*fn)(void);
} tests[] = {TESTS(ENTRY)};

// After each test: every inode's object released (as iget would on
// recycling), and nothing left behind.
static void
cleanup(void)
{
  for (int i = 0; i < NFILES; i++) {
    struct vmobj *o = files[i].ip.obj;
    if (o) {
      files[i].ip.obj = 0;
      vmobj_release(o);
    }
  }
}

int
main(int argc, char **argv)
{
  uint64 npages = 4096;
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
    uint64 free0 = frames_free_now();
    in_op = nops = nputs = nwrites = fail_writeback = writes_at_put = 0;
    if (setjmp(unwind) == 0) {
      tests[i].fn();
      cleanup();
      struct vmstat s = stats();
      CHECK_EQ(s.frames_free, free0);
      CHECK_EQ(s.cache_pages, 0);
      CHECK_EQ(s.cache_index, 0);
      CHECK_EQ(s.cache_dirty, 0);
      CHECK_EQ(s.cache_refs, 0);
      CHECK_EQ(in_op, 0);
      for (int k = 0; k < NFILES; k++)
        CHECK(files[k].ip.ref <= 1);
      printf("PASS obj_%s\n", tests[i].name);
      passed++;
    } else {
      printf("FAIL obj_%s: %s\n", tests[i].name, reason);
      failed++;
      stubs_reset();
      unstarve();
    }
    fflush(stdout);
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}
