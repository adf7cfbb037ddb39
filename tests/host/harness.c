// Harness services: the fake physical arena, a pool that lets a test run
// the frame allocator dry, exact audits of every frame's holders, and small
// helpers that play the user program (touching pages through vm_fault).
#include <stdlib.h>
#include <stddef.h>
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"

uint64 host_kvoffset;

static uint64 zero_lost;  // zero-page references leaked by earlier tests
static paddr_t *pool;  // frames the test holds to starve the allocator
static uint64 npool, cappool;

void
arena_init(uint64 npages)
{
  void *arena = aligned_alloc(PGSIZE, npages * PGSIZE);
  if (arena == 0) {
    fprintf(stderr, "arena_init: out of host memory\n");
    exit(2);
  }
  memset(arena, 0xEE, npages * PGSIZE);  // garbage: zeroing must be explicit
  host_kvoffset = (uint64)arena - FAKE_RAM_BASE;
  frame_init(FAKE_RAM_BASE, FAKE_RAM_BASE + npages * PGSIZE);
}

struct vmstat
vmstat_now(void)
{
  struct vmstat st;
  memset(&st, 0, sizeof(st));
  frame_stats(&st);
  vm_fault_stats(&st);
  return st;
}

uint64
frames_free(void)
{
  return vmstat_now().frames_free;
}

void
pool_drain(uint64 leave)
{
  CHECKF(frames_free() >= leave, "pool_drain: only %lu free, want %lu", frames_free(), leave);
  while (frames_free() > leave) {
    paddr_t pa = frame_alloc();
    CHECKF(pa != 0, "frame_alloc failed with %lu frames free", frames_free());
    if (npool == cappool) {
      cappool = cappool ? 2 * cappool : 256;
      pool = realloc(pool, cappool * sizeof(pool[0]));
    }
    pool[npool++] = pa;
  }
}

void
pool_release(void)
{
  while (npool > 0)
    frame_unref(pool[--npool]);
}

// ---- audits ----

struct tally {
  uint64 *pa;
  uint64 n, cap;
};

static void
tally_add(struct tally *t, uint64 pa)
{
  if (t->n == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 256;
    t->pa = realloc(t->pa, t->cap * sizeof(t->pa[0]));
  }
  t->pa[t->n++] = pa;
}

static void
tally_map(uint64 va, uint64 pa, int prot, void *arg)
{
  tally_add(arg, pa);
}

static void
tally_table(uint64 pa, void *arg)
{
  tally_add(arg, pa);
}

static int
cmp_u64(const void *a, const void *b)
{
  uint64 x = *(const uint64 *)a, y = *(const uint64 *)b;
  return x < y ? -1 : x > y;
}

// Frames held by: mappings (distinct, zero page excluded), tables, the
// aspace structures (one per live pmap), the pool. Fills the sorted tallies.
static void
collect(struct tally *maps, struct tally *tabs)
{
  memset(maps, 0, sizeof(*maps));
  memset(tabs, 0, sizeof(*tabs));
  fakepmap_visit(0, tally_map, maps);
  fakepmap_visit_tables(tally_table, tabs);
  if (maps->n)
    qsort(maps->pa, maps->n, sizeof(uint64), cmp_u64);
}

uint64
unaccounted(void)
{
  struct tally maps, tabs;
  collect(&maps, &tabs);
  uint64 distinct = 0;
  for (uint64 i = 0; i < maps.n; i++)
    if ((i == 0 || maps.pa[i] != maps.pa[i - 1]) && maps.pa[i] != frame_zero_page())
      distinct++;
  struct vmstat st = vmstat_now();
  uint64 held = st.frames_free + tabs.n + fakepmap_live() + distinct + npool;
  free(maps.pa);
  free(tabs.pa);
  return st.frames_total - held;
}

void
check_frames(void)
{
  struct tally maps, tabs;
  collect(&maps, &tabs);
  paddr_t zero = frame_zero_page();
  uint64 zmaps = 0, shared = 0;
  for (uint64 i = 0; i < maps.n;) {
    uint64 j = i;
    while (j < maps.n && maps.pa[j] == maps.pa[i])
      j++;
    uint64 pa = maps.pa[i], n = j - i;
    if (pa == zero) {
      zmaps = n;
    } else {
      CHECKF(frame_refcount(pa) == (int)n, "frame %#lx: refcount %d but %lu mappings", pa,
             frame_refcount(pa), n);
      shared += n - 1;  // each mapping beyond the first is a copy avoided
    }
    i = j;
  }
  for (uint64 i = 0; i < tabs.n; i++)
    CHECKF(frame_refcount(tabs.pa[i]) == 1, "table page %#lx: refcount %d", tabs.pa[i],
           frame_refcount(tabs.pa[i]));
  struct vmstat st = vmstat_now();
  CHECKF(frame_refcount(zero) == (int)(1 + zmaps + zero_lost),
         "zero page: refcount %d but %lu mappings", frame_refcount(zero), zmaps);
  CHECKF(st.zero_page_maps == zmaps + zero_lost, "zero_page_maps %lu but %lu mappings",
         st.zero_page_maps, zmaps);
  CHECKF(st.frames_shared == shared, "frames_shared %lu but %lu mappings beyond the first",
         st.frames_shared, shared);
  CHECKF(st.pt_pages == tabs.n, "pt_pages %lu but %lu table pages", st.pt_pages, tabs.n);
  free(maps.pa);
  free(tabs.pa);
}

static void
count_zero(uint64 va, uint64 pa, int prot, void *arg)
{
  if (pa == frame_zero_page())
    (*(uint64 *)arg)++;
}

void
audit_baseline(void)
{
  uint64 zmaps = 0;
  fakepmap_visit(0, count_zero, &zmaps);
  zero_lost = frame_refcount(frame_zero_page()) - 1 - zmaps;
}

struct within_arg {
  struct aspace *as;
  uint64 n;
  const char *bad;
  uint64 badva;
};

static void
within(uint64 va, uint64 pa, int prot, void *arg)
{
  struct within_arg *a = arg;
  a->n++;
  if (a->bad)
    return;
  struct region *r = aspace_find(a->as, va);
  if (r == 0)
    a->bad = "mapping outside every region";
  else if ((prot & PROT_WRITE) && (prot & PMAP_COW))
    a->bad = "mapping both writable and COW";
  else if ((prot & (PROT_WRITE | PMAP_COW)) && !(r->prot & PROT_WRITE))
    a->bad = "writable/COW mapping in a read-only region";
  else if ((prot & PROT_EXEC) && !(r->prot & PROT_EXEC))
    a->bad = "exec mapping in a no-exec region";
  else if (pa == frame_zero_page() && (prot & PROT_WRITE))
    a->bad = "zero page mapped writable";
  if (a->bad)
    a->badva = va;
}

void
check_as(struct aspace *as)
{
  CHECKF(aspace_check(as), "aspace_check failed (nregion %d, heap_start %#lx, brk %#lx)",
         as->nregion, as->heap_start, as->brk);
  CHECKF(!holdingsleep(&as->lock), "as->lock left held");
  struct within_arg a = {as, 0, 0, 0};
  fakepmap_visit(&as->pmap, within, &a);
  CHECKF(a.bad == 0, "va %#lx: %s", a.badva, a.bad);
  CHECK_EQ(as->pmap.resident, a.n);
  CHECK_EQ(aspace_resident(as, 0, MAXVA), a.n);
  check_frames();
}

// ---- playing the user program ----

struct aspace *
as_process(void)
{
  struct aspace *as = aspace_create();
  CHECK(as != 0);
  CHECK(aspace_map(as, TEXT_START, TEXT_END, PROT_READ | PROT_EXEC, RK_TEXT) == 0);
  CHECK(aspace_map(as, DATA_START, DATA_END, PROT_READ | PROT_WRITE, RK_DATA) == 0);
  CHECK(aspace_map(as, STACK_START, STACK_END, PROT_READ | PROT_WRITE, RK_STACK) == 0);
  as->heap_start = as->brk = HEAP_START;
  check_as(as);
  return as;
}

int
mapping(struct aspace *as, vaddr_t va, paddr_t *pa, int *prot)
{
  paddr_t p;
  int pr;
  if (!pmap_query(&as->pmap, PGROUNDDOWN(va), &p, &pr))
    return 0;
  if (pa)
    *pa = p;
  if (prot)
    *prot = pr;
  return 1;
}

uint8 *
page_at(struct aspace *as, vaddr_t va)
{
  paddr_t pa;
  if (!mapping(as, va, &pa, 0))
    return 0;
  return P2V(pa);
}

void
user_fill(struct aspace *as, vaddr_t va, uint8 b)
{
  const char *why = 0;
  int r = vm_fault(as, va, ACC_WRITE, 0, &why);
  CHECKF(r == FAULT_OK, "write fault at %#lx: %d (%s)", va, r, why ? why : "?");
  int prot;
  CHECK(mapping(as, va, 0, &prot) && (prot & PROT_WRITE));
  memset(page_at(as, va), b, PGSIZE);
}

int
page_is(const uint8 *p, uint8 b)
{
  if (p == 0)
    return 0;
  for (int i = 0; i < PGSIZE; i++)
    if (p[i] != b)
      return 0;
  return 1;
}

void
as_snap_take(struct aspace *as, struct as_snap *s)
{
  memset(s, 0, sizeof(*s));
  s->nregion = as->nregion;
  memcpy(s->region, as->region, sizeof(s->region));
  s->heap_start = as->heap_start;
  s->brk = as->brk;
  s->resident = as->pmap.resident;
}

void
as_snap_same(struct aspace *as, struct as_snap *s)
{
  CHECK_EQ(as->nregion, s->nregion);
  CHECKF(memcmp(as->region, s->region, s->nregion * sizeof(s->region[0])) == 0,
         "regions changed");
  CHECK_EQ(as->heap_start, s->heap_start);
  CHECK_EQ(as->brk, s->brk);
  CHECK_EQ(as->pmap.resident, s->resident);
  check_as(as);
}
