// The harness.h services for the binary that links the real pmap.c: the
// arena, the starvation pool, user-program helpers, and exact audits that
// walk every live Sv39 table. With shared leaf tables a frame's count is
// "distinct leaf tables mapping it" and a leaf table's count is "L1 entries
// pointing at it"; the audit recomputes both from scratch.
#include <stdlib.h>
#include <stdarg.h>
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "rpmap.h"

uint64 host_kvoffset;

static uint64 arena_pages;
static uint64 zero_lost;        // zero-page references leaked by earlier tests
static paddr_t *pool;           // frames the test holds to starve the allocator
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
  arena_pages = npages;
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

// ---- the audit ----

struct audit {
  uint64 ntables;       // distinct table frames (roots, L1s, leaves)
  uint64 ndata;         // distinct data frames, the zero page excluded
  uint64 zmaps;         // zero-page PTEs in distinct leaf tables
  uint64 shared_frames; // over data frames: leaf tables mapping each, beyond the first
  uint64 shared_pages;  // over data PTEs of leaf tables: L1 entries holding it, beyond the first
  uint64 naspace;       // live pmaps inside a kalloc'd frame (struct aspace)
  char bad[256];        // the first inconsistency found, or ""
};

static uint32 *leafrefs, *datarefs;  // per frame: references found
static uint64 *seen;                  // frame numbers with a nonzero entry above
static uint64 nseen;

static void
bad(struct audit *a, const char *fmt, ...)
{
  if (a->bad[0])
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(a->bad, sizeof(a->bad), fmt, ap);
  va_end(ap);
}

// Frame number of pa, or -1 if pa is not a frame of the arena.
static int64
frame_no(uint64 pa)
{
  if (pa < FAKE_RAM_BASE || pa % PGSIZE || (pa - FAKE_RAM_BASE) / PGSIZE >= arena_pages)
    return -1;
  return (pa - FAKE_RAM_BASE) / PGSIZE;
}

static int
in_arena(void *p)
{
  return frame_no(PGROUNDDOWN(V2P(p))) >= 0;
}

// A kernel-half root entry as pmap_kernel_init writes it (spec bits).
static uint64
kernel_entry(int i)
{
  if (i < 256 || i > 259)
    return 0;
  uint64 pa = (uint64)(i - 256) << 30;
  return ((pa >> 12) << 10) | RP_V | RP_R | RP_W | RP_X | RP_A | RP_D | RP_G;
}

static void
check_leaf_pte(struct audit *a, uint64 tpa, int k, uint64 pte)
{
  const char *why = 0;
  uint64 want = RP_V | RP_U | RP_A;
  if ((pte & want) != want)
    why = "V, U or A missing";
  else if (pte & RP_G)
    why = "G set on a user page";
  else if ((pte & RP_W) && !(pte & RP_R))
    why = "W without R";
  else if ((pte & RP_W) && (pte & RP_COW))
    why = "both W and COW";
  else if ((pte & RP_COW) && !(pte & RP_R))
    why = "COW without R";
  else if (!!(pte & RP_D) != !!(pte & RP_W))
    why = "D without W or W without D";
  else if (pte >> 54)
    why = "reserved high bits set";
  else if (frame_no(RP_PA(pte)) < 0)
    why = "maps a frame outside the arena";
  else if (frame_refcount(RP_PA(pte)) <= 0)
    why = "maps a free frame";
  else if (RP_PA(pte) == frame_zero_page() && (pte & RP_W))
    why = "zero page writable";
  if (why)
    bad(a, "leaf table %#lx pte %d (%#lx): %s", tpa, k, pte, why);
}

static void
audit_walk(struct audit *a)
{
  memset(a, 0, sizeof(*a));
  if (leafrefs == 0) {
    leafrefs = calloc(arena_pages, sizeof(uint32));
    datarefs = calloc(arena_pages, sizeof(uint32));
    seen = calloc(2 * arena_pages, sizeof(uint64));
  }
  paddr_t zero = frame_zero_page();
  // Pass 1: roots and L1 tables per pmap; count references to leaf tables.
  for (int n = 0; n < rp_nlive(); n++) {
    struct pmap *pm = rp_live(n);
    a->naspace += in_arena(pm);
    uint64 rootpa = V2P(pm->root), ptp = 1, res = 0;
    if (frame_no(rootpa) < 0 || frame_refcount(rootpa) != 1)
      bad(a, "root %#lx: not a frame with count 1", rootpa);
    a->ntables++;
    for (int i = 256; i < RP_NPTE; i++)
      if (pm->root[i] != kernel_entry(i))
        bad(a, "root %#lx: kernel entry %d is %#lx", rootpa, i, pm->root[i]);
    for (int i = 0; i < 256; i++) {
      uint64 e = pm->root[i];
      if (!(e & RP_V)) {
        if (e)
          bad(a, "root entry %d: junk %#lx", i, e);
        continue;
      }
      if ((e & 0x3FF) != RP_V || frame_no(RP_PA(e)) < 0 || frame_refcount(RP_PA(e)) != 1) {
        bad(a, "root entry %d: %#lx is not a private L1 table", i, e);
        continue;
      }
      a->ntables++;
      ptp++;
      uint64 *l1 = P2V(RP_PA(e));
      for (int j = 0; j < RP_NPTE; j++) {
        uint64 e1 = l1[j];
        if (!(e1 & RP_V)) {
          if (e1)
            bad(a, "L1 entry %d/%d: junk %#lx", i, j, e1);
          continue;
        }
        int64 f = frame_no(RP_PA(e1));
        if ((e1 & 0x3FF) != RP_V || f < 0) {
          bad(a, "L1 entry %d/%d: %#lx is not a table pointer", i, j, e1);
          continue;
        }
        ptp++;
        if (leafrefs[f]++ == 0) {
          seen[nseen++] = f;
          a->ntables++;
        }
        uint64 *l0 = P2V(RP_PA(e1));
        for (int k = 0; k < RP_NPTE; k++) {
          if (l0[k] & RP_V)
            res++;
          else if (l0[k])
            bad(a, "leaf pte %d/%d/%d: junk %#lx", i, j, k, l0[k]);
        }
      }
    }
    if (pm->ptpages != ptp)
      bad(a, "pmap %p: ptpages %lu but %lu tables", (void *)pm, pm->ptpages, ptp);
    if (pm->resident != res)
      bad(a, "pmap %p: resident %lu but %lu PTEs", (void *)pm, pm->resident, res);
  }
  // Pass 2: each distinct leaf table once.
  uint64 nleaf = nseen;
  for (uint64 s = 0; s < nleaf; s++) {
    uint64 f = seen[s], tpa = FAKE_RAM_BASE + f * PGSIZE;
    if (frame_refcount(tpa) != (int)leafrefs[f])
      bad(a, "leaf table %#lx: count %d but %u L1 entries", tpa, frame_refcount(tpa), leafrefs[f]);
    uint64 *l0 = P2V(tpa);
    for (int k = 0; k < RP_NPTE; k++) {
      uint64 pte = l0[k];
      if (!(pte & RP_V))
        continue;
      check_leaf_pte(a, tpa, k, pte);
      uint64 pa = RP_PA(pte);
      int64 d = frame_no(pa);
      if (d < 0)
        continue;
      if (leafrefs[f] > 1 && (pte & RP_W))
        bad(a, "shared leaf table %#lx: writable pte %d", tpa, k);
      if (pa == zero) {
        a->zmaps++;
        continue;
      }
      a->shared_pages += leafrefs[f] - 1;
      if (leafrefs[d])
        bad(a, "frame %#lx is both a leaf table and data", pa);
      if (datarefs[d]++ == 0) {
        seen[nseen++] = d;
        a->ndata++;
      }
    }
  }
  // Pass 3: data frames.
  for (uint64 s = nleaf; s < nseen; s++) {
    uint64 d = seen[s], pa = FAKE_RAM_BASE + d * PGSIZE;
    if (frame_refcount(pa) != (int)datarefs[d])
      bad(a, "frame %#lx: count %d but %u leaf tables map it", pa, frame_refcount(pa),
          datarefs[d]);
    a->shared_frames += datarefs[d] - 1;
  }
  for (uint64 s = 0; s < nseen; s++)
    leafrefs[seen[s]] = datarefs[seen[s]] = 0;
  nseen = 0;
}

uint64
unaccounted(void)
{
  struct audit a;
  audit_walk(&a);
  struct vmstat st = vmstat_now();
  uint64 held = st.frames_free + a.ntables + a.naspace + a.ndata + npool;
  return st.frames_total - held;
}

void
check_frames(void)
{
  struct audit a;
  audit_walk(&a);
  CHECKF(a.bad[0] == 0, "audit: %s", a.bad);
  struct vmstat st = vmstat_now();
  paddr_t zero = frame_zero_page();
  CHECKF(frame_refcount(zero) == (int)(1 + a.zmaps + zero_lost),
         "zero page: count %d but %lu PTEs", frame_refcount(zero), a.zmaps);
  CHECKF(st.zero_page_maps == a.zmaps + zero_lost, "zero_page_maps %lu but %lu PTEs",
         st.zero_page_maps, a.zmaps);
  CHECKF(pmap_shared_pages() == a.shared_pages, "pmap_shared_pages %lu but %lu in shared tables",
         pmap_shared_pages(), a.shared_pages);
  CHECKF(st.frames_shared == a.shared_frames + a.shared_pages,
         "frames_shared %lu but %lu frames + %lu pages of shared tables", st.frames_shared,
         a.shared_frames, a.shared_pages);
  CHECKF(st.pt_pages == a.ntables, "pt_pages %lu but %lu table pages", st.pt_pages, a.ntables);
}

void
audit_baseline(void)
{
  struct audit a;
  audit_walk(&a);
  zero_lost = frame_refcount(frame_zero_page()) - 1 - a.zmaps;
}

struct within_arg {
  struct aspace *as;
  uint64 n;
  const char *bad;
  uint64 badva;
};

static void
within(uint64 va, uint64 pte, uint64 table_pa, void *arg)
{
  struct within_arg *a = arg;
  a->n++;
  if (a->bad)
    return;
  struct region *r = aspace_find(a->as, va);
  if (r == 0)
    a->bad = "mapping outside every region";
  else if ((pte & (RP_W | RP_COW)) && !(r->prot & PROT_WRITE))
    a->bad = "writable/COW mapping in a read-only region";
  else if ((pte & RP_X) && !(r->prot & PROT_EXEC))
    a->bad = "exec mapping in a no-exec region";
  else if ((pte & RP_R) && !(r->prot & PROT_READ))
    a->bad = "readable mapping in a no-read region";
  if (a->bad)
    a->badva = va;
}

// A leaf table shared with another page table must lie wholly inside one
// region: otherwise a later change at its edge would reach the other.
static void
shared_inside(uint64 base, uint64 table_pa, void *arg)
{
  struct within_arg *a = arg;
  if (a->bad || frame_refcount(table_pa) < 2)
    return;
  struct region *r = aspace_find(a->as, base);
  if (r == 0 || r->end < base + RP_SPAN) {
    a->bad = "shared leaf table not inside one region";
    a->badva = base;
  }
}

void
check_as(struct aspace *as)
{
  CHECKF(aspace_check(as), "aspace_check failed (nregion %d, heap_start %#lx, brk %#lx)",
         as->nregion, as->heap_start, as->brk);
  CHECKF(!holdingsleep(&as->lock), "as->lock left held");
  struct within_arg a = {as, 0, 0, 0};
  rp_visit(&as->pmap, within, &a);
  rp_visit_leaves(&as->pmap, shared_inside, &a);
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
