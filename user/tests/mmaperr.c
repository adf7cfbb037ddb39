// mmap's error cases: each returns MAP_FAILED and changes nothing (no
// region, no frame).
#include "harness.h"

static int
nregions(void)
{
  static struct regioninfo r[VM_MAXREGIONS];
  return procregions(0, r, VM_MAXREGIONS);
}

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

TEST(mmap_err_bad_args)
{
  char *ok = mmap(0, PGSIZE, RW, ANON, -1, 0);
  CHECK(ok != MAP_FAILED, "mmap");
  char *brk = sbrk(PGSIZE);
  brk[0] = 1;
  int n0 = nregions();
  uint64 f0 = frames_free();
  struct {
    const char *what;
    void *addr;
    uint64 len;
    int prot, flags;
    uint64 off;
  } bad[] = {
      {"len 0", 0, 0, RW, ANON, 0},
      {"len past MAXVA", 0, MAXVA + PGSIZE, RW, ANON, 0},
      {"huge len", 0, ~0UL - 10, RW, ANON, 0},
      {"unaligned fixed addr", ok + 5, PGSIZE, RW, ANON | MAP_FIXED, 0},
      {"unaligned offset", 0, PGSIZE, RW, ANON, 100},
      {"both shared and private", 0, PGSIZE, RW, ANON | MAP_SHARED, 0},
      {"neither shared nor private", 0, PGSIZE, RW, MAP_ANONYMOUS, 0},
      {"unknown flag", 0, PGSIZE, RW, ANON | 0x1000, 0},
      {"unknown prot", 0, PGSIZE, 0x8 | PROT_READ, ANON, 0},
      {"fixed at 0", 0, PGSIZE, RW, ANON | MAP_FIXED, 0},
      {"fixed past MAXVA", (void *)(MAXVA - PGSIZE), 2 * PGSIZE, RW, ANON | MAP_FIXED, 0},
      {"fixed at MAXVA", (void *)MAXVA, PGSIZE, RW, ANON | MAP_FIXED, 0},
      {"fixed kernel address", (void *)0xffffffc080000000UL, PGSIZE, RW, ANON | MAP_FIXED, 0},
      {"fixed over the stack guard", (void *)(USTACKTOP - USTACKMAX - PGSIZE), PGSIZE, RW,
       ANON | MAP_FIXED, 0},
      {"fixed over the heap", (void *)PGROUNDDOWN((uint64)brk), PGSIZE, RW, ANON | MAP_FIXED, 0},
      {"bad fd", 0, PGSIZE, PROT_READ, MAP_PRIVATE, 0},
  };
  for (uint i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    void *p = mmap(bad[i].addr, bad[i].len, bad[i].prot, bad[i].flags, -1, bad[i].off);
    CHECK(p == MAP_FAILED, "%s: got %p", bad[i].what, p);
    CHECK(nregions() == n0, "%s: regions changed", bad[i].what);
    CHECK(frames_free() == f0, "%s: frames changed", bad[i].what);
  }
  CHECK(brk[0] == 1, "heap changed");
  ok[0] = 2;
  CHECK(munmap(ok, PGSIZE) == 0, "munmap");
}

TEST(msync_anon_and_bad_args)
{
  char *p = mmap(0, 2 * PGSIZE, RW, ANON, -1, 0);
  CHECK(p != MAP_FAILED, "mmap");
  CHECK(msync(p, 2 * PGSIZE, MS_SYNC) == 0, "msync of anonymous memory");
  CHECK(msync(p, PGSIZE, 0) == 0, "flags 0");
  CHECK(msync(p + 1, PGSIZE, MS_SYNC) == -1, "unaligned");
  CHECK(msync(p, 0, MS_SYNC) == -1, "len 0");
  CHECK(msync(p, 3 * PGSIZE, MS_SYNC) == -1, "past the mapping");
  CHECK(msync(p, PGSIZE, 0x40) == -1, "unknown flag");
  CHECK(munmap(p, 2 * PGSIZE) == 0, "munmap");
  CHECK(msync(p, PGSIZE, MS_SYNC) == -1, "unmapped");
}
