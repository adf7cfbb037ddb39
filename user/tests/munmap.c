// munmap: any page-aligned sub-range, splitting a region, across regions
// and over holes; frames come back at once; a later touch is killed; bad
// ranges are -1 with nothing changed.
#include "harness.h"

static int
killed(void (*fn)(void *), void *arg)
{
  struct vmstat v0, v1;
  xvmstat(&v0);
  int st = child_status(fn, arg);
  xvmstat(&v1);
  if (st != -1)
    return 0;
  CHECK(v1.kills[KR_SEGV] == v0.kills[KR_SEGV] + 1, "kill not counted as SEGV");
  return 1;
}

static void
load(void *a)
{
  (void)*(volatile char *)a;
}

static void
store(void *a)
{
  *(volatile char *)a = 1;
}

static char *
anon(uint64 len)
{
  char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED, "mmap");
  return p;
}

static int
nregions(void)
{
  static struct regioninfo r[VM_MAXREGIONS];
  return procregions(0, r, VM_MAXREGIONS);
}

TEST(munmap_middle_splits)
{
  char *p = anon(5 * PGSIZE);
  bytes_fill(p, 3 * PGSIZE, 9);
  bytes_fill(p + 3 * PGSIZE, 2 * PGSIZE, 10);
  int n0 = nregions();
  uint64 f0 = frames_free();
  CHECK(munmap(p + PGSIZE, 2 * PGSIZE) == 0, "munmap middle");
  CHECK(frames_free() == f0 + 2, "gave back %d frames, not 2", (int)(frames_free() - f0));
  CHECK(nregions() == n0 + 1, "regions %d, want %d", nregions(), n0 + 1);
  CHECK(bytes_check(p, PGSIZE, 9) == -1, "first page");
  CHECK(bytes_check(p + 3 * PGSIZE, 2 * PGSIZE, 10) == -1, "last pages");
  CHECK(killed(load, p + PGSIZE), "load from an unmapped page not killed");
  CHECK(killed(store, p + 2 * PGSIZE + 100), "store to an unmapped page not killed");
  CHECK(read(-1, p + PGSIZE, 1) == -1, "read() into the hole");
  CHECK(munmap(p, 5 * PGSIZE) == 0, "munmap the rest");
  CHECK(killed(load, p), "load after the last munmap");
  CHECK(killed(load, p + 4 * PGSIZE), "load after the last munmap");
}

// One call across two mappings and the hole between them; a range with
// nothing mapped is not an error.
TEST(munmap_across_regions_and_holes)
{
  char *p = anon(8 * PGSIZE);
  CHECK(munmap(p + 3 * PGSIZE, 2 * PGSIZE) == 0, "hole");
  bytes_fill(p, 3 * PGSIZE, 4);
  bytes_fill(p + 5 * PGSIZE, 2 * PGSIZE, 5);
  bytes_fill(p + 7 * PGSIZE, PGSIZE, 6);
  int n0 = nregions();
  CHECK(munmap(p + PGSIZE, 6 * PGSIZE) == 0, "across");
  CHECK(nregions() == n0, "regions %d, want %d", nregions(), n0);
  CHECK(bytes_check(p, PGSIZE, 4) == -1, "head kept");
  CHECK(bytes_check(p + 7 * PGSIZE, PGSIZE, 6) == -1, "tail page kept");
  CHECK(killed(load, p + 2 * PGSIZE), "unmapped head part");
  CHECK(killed(load, p + 6 * PGSIZE), "unmapped tail part");
  CHECK(munmap(p + 2 * PGSIZE, 4 * PGSIZE) == 0, "over a hole only");
  CHECK(nregions() == n0, "unmapping nothing changed the regions");
  CHECK(munmap(p, 8 * PGSIZE) == 0, "rest");
  CHECK(nregions() == n0 - 2, "regions left");
}

// len is rounded up to whole pages.
TEST(munmap_rounds_len_up)
{
  char *p = anon(3 * PGSIZE);
  p[2 * PGSIZE] = 1;
  CHECK(munmap(p, PGSIZE + 1) == 0, "munmap");
  CHECK(killed(load, p + PGSIZE), "second page still mapped");
  CHECK(p[2 * PGSIZE] == 1, "third page lost");
  CHECK(munmap(p, 3 * PGSIZE) == 0, "rest");
}

TEST(munmap_bad_args)
{
  char *p = anon(2 * PGSIZE);
  p[0] = 7;
  char *brk = sbrk(PGSIZE);
  brk[0] = 3;
  int n0 = nregions();
  uint64 f0 = frames_free();
  CHECK(munmap(p + 1, PGSIZE) == -1, "unaligned address");
  CHECK(munmap(p, 0) == -1, "length 0");
  CHECK(munmap((void *)MAXVA, PGSIZE) == -1, "at MAXVA");
  CHECK(munmap((void *)(MAXVA - PGSIZE), 2 * PGSIZE) == -1, "across MAXVA");
  CHECK(munmap((void *)0xffffffc080000000UL, PGSIZE) == -1, "kernel address");
  CHECK(munmap(p, ~0UL - (uint64)p + 2) == -1, "length wraps");
  CHECK(munmap((void *)PGROUNDDOWN((uint64)brk), PGSIZE) == -1, "the heap (sbrk's business)");
  CHECK(munmap((void *)(PGROUNDDOWN((uint64)brk) - PGSIZE), 2 * PGSIZE) == -1,
        "a range reaching into the heap");
  CHECK(brk[0] == 3, "heap changed");
  CHECK(nregions() == n0, "regions changed: %d, not %d", nregions(), n0);
  CHECK(p[0] == 7 && frames_free() == f0, "mapping changed");
  CHECK(munmap(p, 2 * PGSIZE) == 0, "munmap");
}
