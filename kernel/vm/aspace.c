// Address spaces: a sorted array of regions (the truth) and a pmap (a cache
// of it). Map, unmap with splitting, sbrk, clone for fork, teardown.
// Page faults are fault.c's business; PTE bits are pmap.c's.
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "sync/spinlock.h"
#include "vm/vm.h"
#include "lib/klib.h"

int vm_sbrk_eager;  // vmctl: sbrk maps frames at once
int vm_fork_copy;   // vmctl: fork copies frames at once

static struct spinlock refs_lock;
static int refs_lock_ready;

static void
release_frame(uint64 pa)
{
  frame_unref(pa);
}

static void
share_frame(uint64 pa)
{
  frame_ref(pa);
}

struct aspace *
aspace_create(void)
{
  if (!refs_lock_ready) {  // first call happens on one hart at boot
    initlock(&refs_lock, "aspace refs");
    refs_lock_ready = 1;
  }
  assert(sizeof(struct aspace) <= PGSIZE);
  struct aspace *as = kalloc();
  if (as == 0)
    return 0;
  memset(as, 0, sizeof(*as));
  initsleeplock(&as->lock, "aspace");
  as->refs = 1;
  if (pmap_init(&as->pmap) < 0) {
    kfree(as);
    return 0;
  }
  return as;
}

void
aspace_get(struct aspace *as)
{
  acquire(&refs_lock);
  as->refs++;
  release(&refs_lock);
}

// Drop a reference; the last one releases every frame and table. May sleep.
void
aspace_put(struct aspace *as)
{
  acquire(&refs_lock);
  int last = --as->refs == 0;
  release(&refs_lock);
  if (!last)
    return;
  pmap_destroy(&as->pmap, release_frame);
  kfree(as);
}

void
aspace_activate(struct aspace *as)
{
  pmap_activate(&as->pmap);
}

// Index of the first region ending above va (as->nregion if none).
static int
first_above(struct aspace *as, vaddr_t va)
{
  int i = 0;
  while (i < as->nregion && as->region[i].end <= va)
    i++;
  return i;
}

struct region *
aspace_find(struct aspace *as, vaddr_t va)
{
  int i = first_above(as, va);
  if (i < as->nregion && as->region[i].start <= va)
    return &as->region[i];
  return 0;
}

static int
overlaps(struct aspace *as, vaddr_t start, vaddr_t end)
{
  int i = first_above(as, start);
  return i < as->nregion && as->region[i].start < end;
}

static void
insert_at(struct aspace *as, int i, struct region r)
{
  memmove(&as->region[i + 1], &as->region[i], (as->nregion - i) * sizeof(r));
  as->region[i] = r;
  as->nregion++;
}

static void
remove_at(struct aspace *as, int i)
{
  memmove(&as->region[i], &as->region[i + 1], (as->nregion - i - 1) * sizeof(as->region[0]));
  as->nregion--;
}

// Add region [start, end). Owner only (or an address space not yet in use).
int
aspace_map(struct aspace *as, vaddr_t start, vaddr_t end, int prot, int kind)
{
  if (start % PGSIZE || end % PGSIZE || start >= end || end > MAXVA)
    return -1;
  if (as->nregion == NREGION || overlaps(as, start, end))
    return -1;
  struct region r = {start, end, prot, kind};
  insert_at(as, first_above(as, start), r);
  return 0;
}

// Remove [start, end) from the regions, splitting where needed, and free
// the frames mapped there. Fails (changing nothing) only if a split would
// need a region slot that does not exist.
int
aspace_unmap(struct aspace *as, vaddr_t start, vaddr_t end)
{
  if (start % PGSIZE || end % PGSIZE || start >= end || end > MAXVA)
    return -1;
  int i = first_above(as, start);
  int split = i < as->nregion && as->region[i].start < start && as->region[i].end > end;
  if (split && as->nregion == NREGION)
    return -1;
  if (pmap_remove(&as->pmap, start, end, release_frame) < 0)
    return -1;
  if (split) {
    struct region tail = as->region[i];
    tail.start = end;
    as->region[i].end = start;
    insert_at(as, i + 1, tail);
    return 0;
  }
  while (i < as->nregion && as->region[i].start < end) {
    struct region *r = &as->region[i];
    if (r->start < start) {
      r->end = start;
      i++;
    } else if (r->end > end) {
      r->start = end;
      i++;
    } else {
      remove_at(as, i);
    }
  }
  return 0;
}

// Map a fresh zeroed frame at va; returns its address, or 0 if out of memory.
paddr_t
aspace_fill_page(struct aspace *as, vaddr_t va, int prot)
{
  paddr_t pa = frame_alloc_zeroed();
  if (pa && pmap_enter(&as->pmap, va, pa, prot) < 0) {
    frame_unref(pa);
    pa = 0;
  }
  return pa;
}

// Map zeroed frames on every page of [start, end) now (eager policy).
static int
populate(struct aspace *as, vaddr_t start, vaddr_t end, int prot)
{
  for (vaddr_t va = start; va < end; va += PGSIZE)
    if (aspace_fill_page(as, va, prot) == 0)
      return -1;
  return 0;
}

// The highest address the heap may reach: below the next region's guard.
static vaddr_t
heap_limit(struct aspace *as)
{
  int i = first_above(as, as->heap_start);
  vaddr_t next = i < as->nregion ? as->region[i].start : MAXVA;
  if (i < as->nregion && as->region[i].kind == RK_HEAP)
    next = i + 1 < as->nregion ? as->region[i + 1].start : MAXVA;
  return next - PGSIZE;  // one unmapped guard page
}

// Move the break by n bytes; *old gets the previous break. Growth only
// extends the heap region (eager: also maps frames); shrinking frees at
// once. On failure nothing changes.
int
aspace_sbrk(struct aspace *as, int64 n, int eager, vaddr_t *old)
{
  acquiresleep(&as->lock);
  vaddr_t brk = as->brk, nbrk = brk + n;
  *old = brk;
  int ok = 1;
  if (n > 0 && (nbrk < brk || nbrk > heap_limit(as)))
    ok = 0;
  if (n < 0 && (nbrk > brk || nbrk < as->heap_start))
    ok = 0;
  if (!ok || n == 0) {
    releasesleep(&as->lock);
    return ok ? 0 : -1;
  }
  vaddr_t oldtop = PGROUNDUP(brk), newtop = PGROUNDUP(nbrk);
  struct region *r = aspace_find(as, as->heap_start);
  if (newtop > oldtop) {
    if (r == 0 && aspace_map(as, as->heap_start, newtop, PROT_READ | PROT_WRITE, RK_HEAP) < 0)
      ok = 0;
    else if (r)
      r->end = newtop;
    if (ok && eager && populate(as, oldtop, newtop, PROT_READ | PROT_WRITE) < 0) {
      aspace_unmap(as, oldtop, newtop);
      ok = 0;
    }
  } else if (newtop < oldtop && aspace_unmap(as, newtop, oldtop) < 0) {
    ok = 0;  // out of memory copying a shared page table: nothing changed
  }
  if (ok)
    as->brk = nbrk;
  ASPACE_CHECK(as);
  releasesleep(&as->lock);
  return ok ? 0 : -1;
}

// Copy every mapped page of r into dst as a private frame (classic fork).
static int
copy_region(struct aspace *dst, struct aspace *src, struct region *r)
{
  for (vaddr_t va = r->start; va < r->end; va += PGSIZE) {
    paddr_t pa;
    int prot;
    if (!pmap_query(&src->pmap, va, &pa, &prot))
      continue;
    if (pa == frame_zero_page()) {
      if (pmap_enter(&dst->pmap, va, pa, prot) < 0)
        return -1;
      frame_ref(pa);
      continue;
    }
    paddr_t npa = frame_alloc();
    if (npa == 0)
      return -1;
    frame_copy(npa, pa);
    if (pmap_enter(&dst->pmap, va, npa, r->prot) < 0) {
      frame_unref(npa);
      return -1;
    }
  }
  return 0;
}

// fork: a new address space with the same regions. copy=0 shares frames
// copy-on-write; copy=1 copies them. Returns 0 if out of memory.
struct aspace *
aspace_clone(struct aspace *as, int copy)
{
  struct aspace *n = aspace_create();
  if (n == 0)
    return 0;
  acquiresleep(&as->lock);
  n->nregion = as->nregion;
  memmove(n->region, as->region, sizeof(as->region));
  n->heap_start = as->heap_start;
  n->brk = as->brk;
  int err = 0;
  for (int i = 0; i < as->nregion && !err; i++) {
    struct region *r = &as->region[i];
    if (copy)
      err = copy_region(n, as, r);
    else
      err = pmap_share(&n->pmap, &as->pmap, r->start, r->end, r->prot & PROT_WRITE, share_frame);
  }
  releasesleep(&as->lock);
  if (err) {
    aspace_put(n);
    return 0;
  }
  ASPACE_CHECK(n);
  return n;
}

uint64
aspace_resident(struct aspace *as, vaddr_t start, vaddr_t end)
{
  return pmap_count(&as->pmap, start, end);
}

// Invariants: regions sorted, disjoint, page-aligned, non-empty, below
// MAXVA; the break inside [heap_start, heap region end].
int
aspace_check(struct aspace *as)
{
  if (as->nregion < 0 || as->nregion > NREGION)
    return 0;
  for (int i = 0; i < as->nregion; i++) {
    struct region *r = &as->region[i];
    if (r->start % PGSIZE || r->end % PGSIZE || r->start >= r->end || r->end > MAXVA)
      return 0;
    if (i > 0 && as->region[i - 1].end > r->start)
      return 0;
  }
  if (as->brk < as->heap_start)
    return 0;
  struct region *h = aspace_find(as, as->heap_start);
  if (as->brk > as->heap_start && (h == 0 || h->end != PGROUNDUP(as->brk)))
    return 0;
  return 1;
}
