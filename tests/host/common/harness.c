// Harness services both binaries share: the fake physical arena, a pool
// that lets a test run the frame allocator dry, the frame and address-space
// audits built on each binary's census, helpers that play the user program
// (touching pages through vm_fault), and the random tests' PRNG.
#include <stdlib.h>
#include <stdarg.h>
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"

uint64 host_kvoffset;

static uint64 arena_pages;
static uint64 zero_lost;  // zero-page references leaked by earlier tests
static paddr_t *pool;     // frames the test holds to starve the allocator
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
  // The tests count pages per fault exactly; those of fault-around (and
  // the random runs) switch it on themselves.
  vm_faultaround = 0;
  swap_table_init(HOST_SWAP_SLOTS);
}

// ---- swap slots in the census ----
static uint32 *slotrefs;  // per slot: holders found by this census
static swapslot_t *slotseen;
static uint64 nslotseen;

void
census_slot(struct census *c, swapslot_t s)
{
  if (s == 0 || s > swap_nslots()) {
    census_bad(c, "swap entry names slot %u (of %u)", s, swap_nslots());
    return;
  }
  if (slotrefs == 0) {
    slotrefs = calloc(SWAP_MAXSLOTS + 1, sizeof(uint32));
    slotseen = calloc(SWAP_MAXSLOTS + 1, sizeof(swapslot_t));
  }
  if (slotrefs[s]++ == 0) {
    slotseen[nslotseen++] = s;
    c->slots++;
  }
}

void
census_slots_end(struct census *c)
{
  for (uint64 i = 0; i < nslotseen; i++) {
    swapslot_t s = slotseen[i];
    if (swap_refcount(s) != (int)slotrefs[s])
      census_bad(c, "swap slot %u: count %d but %u holders", s, swap_refcount(s), slotrefs[s]);
    slotrefs[s] = 0;
  }
  nslotseen = 0;
}

void
harness_reset_swap(void)
{
  swap_table_init(HOST_SWAP_SLOTS);
}

int
arena_holds(void *p)
{
  uint64 lo = (uint64)P2V(FAKE_RAM_BASE);
  return (uint64)p >= lo && (uint64)p < lo + arena_pages * PGSIZE;
}

uint64
arena_npages(void)
{
  return arena_pages;
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

// ---- audits over the census ----

void
census_bad(struct census *c, const char *fmt, ...)
{
  if (c->bad[0])
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->bad, sizeof(c->bad), fmt, ap);
  va_end(ap);
}

uint64
unaccounted(void)
{
  struct census c;
  census_take(&c);
  struct vmstat st = vmstat_now();
  uint64 held = st.frames_free + c.tables + c.held + region_pages() + npool;
  return st.frames_total - held;
}

void
check_frames(void)
{
  struct census c;
  census_take(&c);
  CHECKF(c.bad[0] == 0, "audit: %s", c.bad);
  struct vmstat st = vmstat_now();
  paddr_t zero = frame_zero_page();
  CHECKF(frame_refcount(zero) == (int)(1 + c.zmaps + zero_lost),
         "zero page: count %d but %lu mappings", frame_refcount(zero), c.zmaps);
  CHECKF(st.zero_page_maps == c.zmaps + zero_lost, "zero_page_maps %lu but %lu mappings",
         st.zero_page_maps, c.zmaps);
  CHECKF(pmap_shared_pages() == c.shared_pages, "pmap_shared_pages %lu but %lu in shared tables",
         pmap_shared_pages(), c.shared_pages);
  CHECKF(st.frames_shared == c.shared_frames + c.shared_pages,
         "frames_shared %lu but %lu frames + %lu pages of shared tables", st.frames_shared,
         c.shared_frames, c.shared_pages);
  CHECKF(st.pt_pages == c.tables, "pt_pages %lu but %lu table pages", st.pt_pages, c.tables);
  CHECKF(swap_used() == c.slots, "swap_used %u but %lu slots in page tables", swap_used(), c.slots);
  check_objects();
}

void
audit_baseline(void)
{
  struct census c;
  census_take(&c);
  zero_lost = frame_refcount(frame_zero_page()) - 1 - c.zmaps;
}

void
within_check(struct within *w, uint64 va, uint64 pa, int prot)
{
  w->n++;
  if (w->bad)
    return;
  struct region *r = find_region(w->as, va);
  if (r == 0)
    w->bad = "mapping outside every region";
  else if ((prot & PROT_WRITE) && (prot & PMAP_COW))
    w->bad = "mapping both writable and COW";
  else if ((prot & (PROT_WRITE | PMAP_COW)) && !(r->prot & PROT_WRITE))
    w->bad = "writable/COW mapping in a read-only region";
  else if ((prot & PROT_EXEC) && !(r->prot & PROT_EXEC))
    w->bad = "exec mapping in a no-exec region";
  else if ((prot & PROT_READ) && !(r->prot & PROT_READ))
    w->bad = "readable mapping in a no-read region";
  else if (pa == frame_zero_page() && (prot & PROT_WRITE))
    w->bad = "zero page mapped writable";
  if (w->bad)
    w->badva = va;
}

void
check_as(struct aspace *as)
{
  CHECKF(aspace_check(as), "aspace_check failed (nregion %d, heap_start %#lx, brk %#lx)",
         as->nregion, as->heap_start, as->brk);
  CHECKF(!holdingsleep(&as->lock), "as->lock left held");
  struct within w = {as, 0, 0, 0};
  census_as(as, &w);
  CHECKF(w.bad == 0, "va %#lx: %s", w.badva, w.bad);
  CHECK_EQ(as->pmap.resident, w.n);
  CHECK_EQ(aspace_resident(as, 0, MAXVA), w.n);
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

struct region *
find_region(struct aspace *as, vaddr_t va)
{
  acquiresleep(&as->lock);
  struct region *r = aspace_find_locked(as, va);
  releasesleep(&as->lock);
  return r;
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

paddr_t
pa_of(struct aspace *as, vaddr_t va)
{
  paddr_t pa;
  CHECKF(mapping(as, va, &pa, 0), "va %#lx not mapped", va);
  return pa;
}

int
prot_of(struct aspace *as, vaddr_t va)
{
  int prot;
  CHECKF(mapping(as, va, 0, &prot), "va %#lx not mapped", va);
  return prot;
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
  for (int i = 0; i < as->nregion; i++)
    s->region[i] = *as->region[i];
  s->heap_start = as->heap_start;
  s->brk = as->brk;
  s->resident = as->pmap.resident;
}

void
as_snap_same(struct aspace *as, struct as_snap *s)
{
  CHECK_EQ(as->nregion, s->nregion);
  for (int i = 0; i < s->nregion; i++)
    CHECKF(memcmp(as->region[i], &s->region[i], sizeof(s->region[i])) == 0, "region %d changed", i);
  CHECK_EQ(as->heap_start, s->heap_start);
  CHECK_EQ(as->brk, s->brk);
  CHECK_EQ(as->pmap.resident, s->resident);
  check_as(as);
}

// ---- random tests ----

static uint64 rng = 0x2545F4914F6CDD1DUL;

void
rnd_seed(uint64 seed)
{
  rng = seed;
}

uint64
rnd(uint64 n)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng % n;
}

struct model models[NMODEL];
static int model_nslot;

void
models_start(int nslot)
{
  for (int k = 0; k < NMODEL; k++) {
    free(models[k].page);
    models[k].as = 0;
    models[k].page = calloc(nslot, 1);
  }
  model_nslot = nslot;
  models[0].as = as_process();
}

int
models_all_exited(void)
{
  for (int k = 0; k < NMODEL; k++)
    if (models[k].as)
      return 0;
  return 1;
}

void
model_restart(int k)
{
  models[k].as = as_process();
  memset(models[k].page, 0, model_nslot);
}

void
model_fork(int dst, int src, int copy)
{
  models[dst].as = aspace_clone(models[src].as, copy);
  if (models[dst].as)
    memcpy(models[dst].page, models[src].page, model_nslot);
}

void
models_audit(int t, uint64 lost0)
{
  for (int k = 0; k < NMODEL; k++)
    if (models[k].as)
      check_as(models[k].as);
  CHECKF(unaccounted() == lost0, "step %d: %ld frames lost", t, (long)(unaccounted() - lost0));
}

void
models_exit_all(void)
{
  for (int k = 0; k < NMODEL; k++)
    if (models[k].as) {
      aspace_put(models[k].as);
      models[k].as = 0;
    }
}

void
model_forget(struct model *m, uint64 (*slot_va)(int), uint64 lo, uint64 hi)
{
  for (int i = 0; i < model_nslot; i++)
    if (slot_va(i) >= lo && slot_va(i) < hi)
      m->page[i] = 0;
}
