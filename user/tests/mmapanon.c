// Anonymous mmap: lazy zero-filled pages, placement (hint, MAP_FIXED
// replacing, never in the heap's room or a stack guard), write implies
// read, private vs shared across fork, PROT_NONE, the region limit.
#include "harness.h"

#define NP 16

// Run fn(arg) in a child: 1 if it was killed (and counted as reason).
static int
killed(void (*fn)(void *), void *arg, int reason)
{
  struct vmstat v0, v1;
  xvmstat(&v0);
  int st = child_status(fn, arg);
  xvmstat(&v1);
  if (st != -1)
    return 0;
  CHECK(v1.kills[reason] == v0.kills[reason] + 1, "kill not counted as reason %d", reason);
  return 1;
}

static void
store(void *a)
{
  *(volatile char *)a = 1;
}

static void
load(void *a)
{
  (void)*(volatile char *)a;
}

static char *
xmmap(void *addr, uint64 len, int prot, int flags)
{
  char *p = mmap(addr, len, prot, flags | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED, "mmap(%p, %lu, %d, %d) failed", addr, len, prot, flags);
  return p;
}

// The region holding va (kind, prot), from procregions; 0 if none.
static int
region_of(uint64 va, struct regioninfo *out)
{
  static struct regioninfo r[VM_MAXREGIONS];
  int n = procregions(0, r, VM_MAXREGIONS);
  for (int i = 0; i < n; i++)
    if (r[i].start <= va && va < r[i].end) {
      *out = r[i];
      return 1;
    }
  return 0;
}

TEST(mmap_anon_lazy_zero)
{
  uint64 f0 = frames_free();
  char *p = xmmap(0, NP * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
  CHECK(frames_free() == f0, "mmap took %d frames", (int)(f0 - frames_free()));
  CHECK((uint64)p % PGSIZE == 0, "unaligned %p", p);
  for (int i = 0; i < NP * PGSIZE; i++)
    CHECK(p[i] == 0, "byte %d is %d", i, p[i]);
  bytes_fill(p, NP * PGSIZE, 77);
  CHECK(bytes_check(p, NP * PGSIZE, 77) == -1, "contents");
  struct regioninfo ri;
  CHECK(region_of((uint64)p, &ri) && ri.kind == RK_MMAP && ri.resident == NP, "region");
  CHECK(ri.end - ri.start == NP * PGSIZE, "region size");
  uint64 f1 = frames_free();
  CHECK(munmap(p, NP * PGSIZE) == 0, "munmap");
  CHECK(frames_free() >= f1 + NP, "munmap gave back %d frames", (int)(frames_free() - f1));
  CHECK(!region_of((uint64)p, &ri), "region still there");
}

// Placement: above the heap's room to grow (sbrk of 1 GiB still works),
// below the stack's guard page, and a free hint is taken as given.
TEST(mmap_anon_placement)
{
  char *brk0 = sbrk(0);
  char *p = xmmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
  CHECK((uint64)p >= (uint64)brk0 + (64UL << 30), "mmap at %p, in the heap's room (brk %p)", p,
        brk0);
  CHECK((uint64)p + PGSIZE <= USTACKTOP - USTACKMAX - PGSIZE, "mmap at %p over the stack guard", p);
  char *h = sbrklazy(1 << 30);
  CHECK(h != (char *)-1, "sbrk 1 GiB after mmap");
  CHECK(sbrklazy(-(1 << 30)) != (char *)-1, "sbrk back");
  char *hint = p - 64 * PGSIZE;
  char *q = xmmap(hint, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
  CHECK(q == hint, "free hint %p not taken: got %p", hint, q);
  // A hint that is taken (or in the heap's room) is not: the kernel picks.
  char *q2 = xmmap(hint, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
  CHECK(q2 != hint, "hint over an existing mapping");
  char *q3 = xmmap(brk0 + PGSIZE, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
  CHECK((uint64)q3 >= (uint64)brk0 + (64UL << 30), "hint in the heap's room taken: %p", q3);
  CHECK(munmap(p, PGSIZE) == 0 && munmap(q, PGSIZE) == 0, "munmap");
  CHECK(munmap(q2, PGSIZE) == 0 && munmap(q3, PGSIZE) == 0, "munmap");
  // Fill the whole mmap area (lazily: no frame): then nothing fits, even
  // though the heap's room is free.
  struct procstat ps;
  xprocstat(&ps);
  uint64 lo = PGROUNDUP(ps.heap_start + VM_HEAP_ROOM), len = VM_MMAP_TOP - lo;
  char *all = xmmap(0, len, PROT_READ, MAP_PRIVATE);
  CHECK((uint64)all == lo, "area starts at %p, not %p", all, (void *)lo);
  CHECK(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED,
        "mapped into the heap's room or the stack guard");
  CHECK(sbrklazy(1 << 30) != (char *)-1 && sbrklazy(-(1 << 30)) != (char *)-1, "sbrk");
  CHECK(munmap(all, len) == 0, "munmap");
}

// MAP_FIXED replaces what was there: old contents gone, new pages zero.
TEST(mmap_anon_fixed_replaces)
{
  char *p = xmmap(0, 4 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
  memset(p, 0x5a, 4 * PGSIZE);
  char *q = xmmap(p + PGSIZE, 2 * PGSIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED);
  CHECK(q == p + PGSIZE, "fixed at %p, got %p", p + PGSIZE, q);
  for (int i = 0; i < 2 * PGSIZE; i++)
    CHECK(q[i] == 0, "replaced byte %d is %d", i, q[i]);
  CHECK(p[0] == 0x5a && p[3 * PGSIZE + 7] == 0x5a, "neighbours changed");
  CHECK(killed(store, q, KR_SEGV), "store to the read-only replacement not killed");
  struct regioninfo ri;
  CHECK(region_of((uint64)q, &ri) && ri.prot == PROT_READ && ri.start == (uint64)q, "region");
  CHECK(munmap(p, 4 * PGSIZE) == 0, "munmap");
}

// Sv39 has no write-only pages: PROT_WRITE works and reads too.
TEST(mmap_anon_write_only)
{
  char *p = xmmap(0, 2 * PGSIZE, PROT_WRITE, MAP_PRIVATE);
  p[0] = 42;
  p[PGSIZE + 5] = 43;
  CHECK(p[0] == 42 && p[PGSIZE + 5] == 43, "read back");
  struct regioninfo ri;
  CHECK(region_of((uint64)p, &ri) && ri.prot == (PROT_READ | PROT_WRITE), "prot %d", ri.prot);
  CHECK(munmap(p, 2 * PGSIZE) == 0, "munmap");
}

static char *shared_p;

static void
child_writes(void *arg)
{
  for (int i = 0; i < 4; i++)
    shared_p[i * PGSIZE + 1] = 'c' + i;
  CHECK(shared_p[2 * PGSIZE] == 'p', "child does not see the parent's store");
}

// Private: a child's stores stay in the child. Shared: both see them,
// including pages untouched or only read before the fork.
TEST(mmap_anon_fork_private_vs_shared)
{
  char *priv = xmmap(0, 4 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
  char *shr = xmmap(0, 4 * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED);
  priv[1] = 'p';
  shr[1] = 'p';
  (void)*(volatile char *)(shr + PGSIZE);  // read only
  shr[2 * PGSIZE] = 'p';
  shared_p = priv;
  CHECK(child_status(child_writes, 0) == 1, "private child should have failed its check");
  for (int i = 0; i < 4; i++)
    CHECK(priv[i * PGSIZE + 1] == (i ? 0 : 'p'), "private page %d changed by the child", i);
  shared_p = shr;
  CHECK(child_status(child_writes, 0) == 0, "shared child");
  for (int i = 0; i < 4; i++)
    CHECK(shr[i * PGSIZE + 1] == 'c' + i, "shared page %d: %d", i, shr[i * PGSIZE + 1]);
  CHECK(munmap(priv, 4 * PGSIZE) == 0 && munmap(shr, 4 * PGSIZE) == 0, "munmap");
}

TEST(mmap_anon_prot_none)
{
  char *p = xmmap(0, PGSIZE, PROT_NONE, MAP_PRIVATE);
  CHECK(killed(load, p, KR_SEGV), "load from PROT_NONE not killed");
  CHECK(killed(store, p, KR_SEGV), "store to PROT_NONE not killed");
  CHECK(read(-1, p, 1) == -1, "read into PROT_NONE");
  CHECK(munmap(p, PGSIZE) == 0, "munmap");
}

// Up to VM_MAXREGIONS regions; then mmap is a clean MAP_FAILED, and a
// munmap or mprotect that would split a region is -1 with nothing changed.
TEST(mmap_anon_region_limit)
{
  static char *m[VM_MAXREGIONS];
  static struct regioninfo all[VM_MAXREGIONS + 1];
  int n = 0;
  struct procstat ps0, ps1;
  xprocstat(&ps0);
  uint64 f0 = frames_free();
  char *base = xmmap(0, 4 * VM_MAXREGIONS * PGSIZE, PROT_READ, MAP_PRIVATE);
  CHECK(munmap(base, 4 * VM_MAXREGIONS * PGSIZE) == 0, "munmap");
  for (;; n++) {
    // 3 pages every 4, so no two mappings touch.
    char *p = mmap(base + 4 * n * PGSIZE, 3 * PGSIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED)
      break;
    CHECK(n < VM_MAXREGIONS, "more than %d regions", VM_MAXREGIONS);
    m[n] = p;
    p[PGSIZE] = n;
  }
  CHECK(n > VM_MAXREGIONS - 16, "only %d mappings", n);
  CHECK(procregions(0, all, VM_MAXREGIONS + 1) == VM_MAXREGIONS, "not full");
  CHECK(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED,
        "mmap beyond the limit");
  uint64 f1 = frames_free();
  CHECK(munmap(m[5] + PGSIZE, PGSIZE) == -1, "split at the limit");
  CHECK(mprotect(m[6] + PGSIZE, PGSIZE, PROT_READ) == -1, "mprotect split at the limit");
  CHECK(frames_free() == f1, "a refused call changed frames");
  m[5][PGSIZE] += 100;  // still mapped and writable
  m[6][PGSIZE] += 100;
  CHECK(munmap(m[7] + 2 * PGSIZE, PGSIZE) == 0, "a tail trim needs no region");
  CHECK(mprotect(m[8], 3 * PGSIZE, PROT_READ) == 0, "mprotect of a whole region");
  CHECK(mmap(m[9], 3 * PGSIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == m[9],
        "MAP_FIXED over a whole region at the limit");
  CHECK(procregions(0, all, VM_MAXREGIONS + 1) == VM_MAXREGIONS, "count changed");
  for (int i = 0; i < n; i++) {
    char want = i == 9 ? 0 : (char)(i == 5 || i == 6 ? i + 100 : i);
    CHECK(m[i][PGSIZE] == want, "mapping %d holds %d, not %d", i, m[i][PGSIZE], want);
  }
  for (int i = 0; i < n; i++)
    CHECK(munmap(m[i], 3 * PGSIZE) == 0, "munmap %d", i);
  // Pages of region slots go back when empty: a few partly used ones may
  // stay until exit, like page-table pages of partly unmapped 2 MiB spans
  // (the harness checks that every frame came back at exit).
  xprocstat(&ps1);
  CHECK(f0 - frames_free() <= VM_MAXREGIONS / 56 + 1 + (ps1.pt_pages - ps0.pt_pages),
        "%d frames not returned (%d page-table pages kept)", (int)(f0 - frames_free()),
        (int)(ps1.pt_pages - ps0.pt_pages));
}
