// Address spaces: the region set (the truth, region.c) and a pmap (a cache
// of it). Lifecycle, map/unmap with backing-object references, sbrk,
// clone for fork, statistics, teardown. Page faults are fault.c's
// business; PTE bits are pmap.c's.
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "sync/spinlock.h"
#include "vm/vm.h"
#include "vm/fault.h"
#include "lib/klib.h"

int vm_sbrk_eager;  // vmctl: sbrk maps frames at once
int vm_fork_copy;   // vmctl: fork copies frames at once

static struct spinlock refs_lock;
static int refs_lock_ready;

#define ASSERT_LOCKED(as) assert(holdingsleep(&(as)->lock))

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
  assert(sizeof(struct aspace) <= PGSIZE);  // regions live in their own pages
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

// A walker of an object's reverse map (rmap.c) finds address spaces whose
// last reference may be going: those it leaves alone (aspace_put unlinks
// their regions before it frees them, under the rmap lock the walker holds).
int
aspace_tryget(struct aspace *as)
{
  acquire(&refs_lock);
  int ok = as->refs > 0;
  if (ok)
    as->refs++;
  release(&refs_lock);
  return ok;
}

// Called without as->lock: vmobj_put may sleep.
void
aspace_reap(struct aspace *as, struct region *dead)
{
  for (struct region *r = dead; r; r = r->next)
    if (r->obj)
      vmobj_put(r->obj);
  if (dead == 0)
    return;
  acquiresleep(&as->lock);
  while (dead) {
    struct region *next = dead->next;
    region_free_locked(as, dead);
    dead = next;
  }
  releasesleep(&as->lock);
}

// Drop a reference; the last one releases every frame, table, region and
// object reference. May sleep.
void
aspace_put(struct aspace *as)
{
  acquire(&refs_lock);
  int last = --as->refs == 0;
  release(&refs_lock);
  if (!last)
    return;
  // exit writes back what its shared file mappings dirtied (after the
  // claims of its writable PTEs pass to the objects), before it returns.
  acquiresleep(&as->lock);
  anon_settle_locked(as);  // fault-around statistics: were the pages mapped ahead used?
  aspace_claim_dirty_locked(as, 0, MAXVA);
  releasesleep(&as->lock);
  pmap_destroy(&as->pmap, release_frame);
  for (int i = 0; i < as->nregion; i++) {
    struct region *r = as->region[i];
    if (r->obj && (r->flags & REG_SHARED))
      vmobj_sync(r->obj, r->off / PGSIZE, (r->off + (r->end - r->start)) / PGSIZE);
  }
  struct region *dead = 0;
  acquiresleep(&as->lock);
  while (as->nregion > 0) {
    struct region *r = as->region[as->nregion - 1];
    region_remove_locked(as, as->nregion - 1);
    r->next = dead;
    dead = r;
  }
  releasesleep(&as->lock);
  aspace_reap(as, dead);
  assert(as->rpages == 0);
  kfree(as);
}

void
aspace_activate(struct aspace *as)
{
  pmap_activate(&as->pmap);
}

void
aspace_set_heap(struct aspace *as, vaddr_t start)
{
  acquiresleep(&as->lock);
  as->heap_start = as->brk = start;
  releasesleep(&as->lock);
}

struct region *
aspace_find_locked(struct aspace *as, vaddr_t va)
{
  return region_find_locked(as, va);
}

int
aspace_map_slot_locked(struct aspace *as, struct region *r, struct region *tmpl)
{
  ASSERT_LOCKED(as);
  vaddr_t start = tmpl->start, end = tmpl->end;
  int i = region_index_locked(as, start);
  if (start % PGSIZE || end % PGSIZE || start >= end || end > MAXVA || tmpl->off % PGSIZE ||
      as->nregion == NREGION || (i < as->nregion && as->region[i]->start < end)) {
    region_free_locked(as, r);
    return -1;
  }
  *r = *tmpl;
  r->next = 0;
  if (r->prot & PROT_WRITE)
    r->prot |= PROT_READ;  // Sv39 has no write-only pages
  if (r->obj)
    vmobj_dup(r->obj);
  int ok = region_insert_locked(as, r);
  assert(ok == 0);
  return 0;
}

int
aspace_map_locked(struct aspace *as, struct region *tmpl)
{
  struct region *r = region_alloc_locked(as);
  if (r == 0)
    return -1;
  return aspace_map_slot_locked(as, r, tmpl);
}

int
aspace_map_obj(struct aspace *as, vaddr_t start, vaddr_t end, int prot, int kind, int flags,
               struct vmobj *obj, uint64 off, uint64 filelen)
{
  struct region t = {
      .start = start,
      .end = end,
      .prot = prot,
      .maxprot = PROT_READ | PROT_WRITE | PROT_EXEC,
      .kind = kind,
      .flags = flags,
      .obj = obj,
      .off = off,
      .filelen = obj ? filelen : 0,
  };
  acquiresleep(&as->lock);
  int r = aspace_map_locked(as, &t);
  releasesleep(&as->lock);
  return r;
}

int
aspace_map(struct aspace *as, vaddr_t start, vaddr_t end, int prot, int kind)
{
  return aspace_map_obj(as, start, end, prot, kind, 0, 0, 0, 0);
}

// Regions removed whole that hold an object go on *dead for aspace_reap();
// anonymous ones are freed at once.
int
aspace_unmap_locked(struct aspace *as, vaddr_t start, vaddr_t end, struct region **dead)
{
  ASSERT_LOCKED(as);
  if (start % PGSIZE || end % PGSIZE || start >= end || end > MAXVA)
    return -1;
  int i = region_index_locked(as, start);
  struct region *r = i < as->nregion ? as->region[i] : 0;
  struct region *tail = 0;
  if (r && r->start < start && r->end > end) {
    if (as->nregion == NREGION || (tail = region_alloc_locked(as)) == 0)
      return -1;
  }
  if (pmap_remove(&as->pmap, start, end, release_frame) < 0) {
    if (tail)
      region_free_locked(as, tail);
    return -1;
  }
  if (tail) {
    region_split_locked(as, i, end, tail);
    region_trim_tail_locked(as, r, start);
    return 0;
  }
  while (i < as->nregion && as->region[i]->start < end) {
    r = as->region[i];
    if (r->start < start) {
      region_trim_tail_locked(as, r, start);
      i++;
    } else if (r->end > end) {
      region_trim_head_locked(as, r, end);
      i++;
    } else {
      region_remove_locked(as, i);
      if (r->obj) {
        r->next = *dead;
        *dead = r;
      } else {
        region_free_locked(as, r);
      }
    }
  }
  return 0;
}

int
aspace_unmap(struct aspace *as, vaddr_t start, vaddr_t end)
{
  struct region *dead = 0;
  acquiresleep(&as->lock);
  int r = aspace_unmap_locked(as, start, end, &dead);
  ASPACE_CHECK(as);
  releasesleep(&as->lock);
  aspace_reap(as, dead);
  return r;
}

static paddr_t
fill_page_locked(struct aspace *as, vaddr_t va, int prot)
{
  ASSERT_LOCKED(as);
  paddr_t pa = frame_alloc_zeroed();
  if (pa && pmap_enter(&as->pmap, va, pa, prot) < 0) {
    frame_unref(pa);
    pa = 0;
  }
  return pa;
}

// Map a fresh zeroed frame at va; returns its address, or 0 if out of memory.
paddr_t
aspace_fill_page(struct aspace *as, vaddr_t va, int prot)
{
  acquiresleep(&as->lock);
  paddr_t pa = fill_page_locked(as, va, prot);
  releasesleep(&as->lock);
  return pa;
}

// Map zeroed frames on [start, end) now (eager policy). Returns where it
// stopped: end, or the first page it could not map.
static vaddr_t
populate_locked(struct aspace *as, vaddr_t start, vaddr_t end, int prot)
{
  vaddr_t va;
  for (va = start; va < end; va += PGSIZE)
    if (fill_page_locked(as, va, prot) == 0)
      break;
  return va;
}

// The highest address the heap may reach: below the next region's guard.
static vaddr_t
heap_limit_locked(struct aspace *as)
{
  int i = region_index_locked(as, as->heap_start);
  if (i < as->nregion && as->region[i]->kind == RK_HEAP)
    i++;
  vaddr_t next = i < as->nregion ? as->region[i]->start : MAXVA;
  return next - PGSIZE;  // one unmapped guard page
}

// Grow the heap region to newtop (creating it at heap_start); eager maps
// the new pages too. 0, or -1 with nothing changed.
static int
heap_grow_locked(struct aspace *as, struct region *h, vaddr_t oldtop, vaddr_t newtop, int eager)
{
  if (h)
    region_trim_tail_locked(as, h, newtop);
  else if (aspace_map_locked(as, &(struct region){.start = as->heap_start,
                                                  .end = newtop,
                                                  .prot = PROT_READ | PROT_WRITE,
                                                  .maxprot = PROT_READ | PROT_WRITE | PROT_EXEC,
                                                  .kind = RK_HEAP}) < 0)
    return -1;
  if (!eager)
    return 0;
  vaddr_t stop = populate_locked(as, oldtop, newtop, PROT_READ | PROT_WRITE);
  if (stop == newtop)
    return 0;
  // Undo. Every page in [oldtop, stop) was entered, so the leaf tables at
  // both edges of that range are private already: the removal cannot fail.
  if (stop > oldtop) {
    int ok = pmap_remove(&as->pmap, oldtop, stop, release_frame);
    assert(ok == 0);
  }
  if (h) {
    region_trim_tail_locked(as, h, oldtop);
  } else {
    h = region_find_locked(as, as->heap_start);
    region_remove_locked(as, region_index_locked(as, as->heap_start));
    region_free_locked(as, h);
  }
  return -1;
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
  if (n > 0 && (nbrk < brk || nbrk > heap_limit_locked(as)))
    ok = 0;
  if (n < 0 && (nbrk > brk || nbrk < as->heap_start))
    ok = 0;
  struct region *h = region_find_locked(as, as->heap_start);
  if (h && h->kind != RK_HEAP)
    ok = 0;  // something else (a fixed mapping) sits where the heap would be
  if (!ok || n == 0) {
    releasesleep(&as->lock);
    return ok ? 0 : -1;
  }
  vaddr_t oldtop = PGROUNDUP(brk), newtop = PGROUNDUP(nbrk);
  struct region *dead = 0;
  if (newtop > oldtop)
    ok = heap_grow_locked(as, h, oldtop, newtop, eager) == 0;
  else if (newtop < oldtop)
    ok = aspace_unmap_locked(as, newtop, oldtop, &dead) == 0;  // OOM copying a shared table: -1
  assert(dead == 0);                                           // the heap is anonymous
  if (ok)
    as->brk = nbrk;
  ASPACE_CHECK(as);
  releasesleep(&as->lock);
  return ok ? 0 : -1;
}

// A page of src on swap: dst gets a swap entry for the same slot (one more
// reference). The slot's contents never change while referenced (a page-out
// always takes a fresh slot), so this is a copy; each side reads its own
// frame back at its first touch. 0 (also if nothing is there), -1 if out of
// memory for a table.
static int
copy_swap_entry(struct aspace *dst, struct aspace *src, vaddr_t va)
{
  struct pmap_slot s, d;
  swapslot_t slot;
  if (pmap_slot_find(&src->pmap, va, &s) < 0 || !pmap_slot_swap(&src->pmap, &s, &slot))
    return 0;
  if (pmap_slot(&dst->pmap, va, &d) < 0 || pmap_slot_own(&dst->pmap, &d) < 0)
    return -1;
  swap_ref(slot);
  pmap_slot_set_swap(&dst->pmap, &d, slot);
  return 0;
}

// Copy every mapped page of r into dst as a private frame (classic fork).
// Pages on swap stay there, for both.
static int
copy_region(struct aspace *dst, struct aspace *src, struct region *r)
{
  for (vaddr_t va = r->start; va < r->end; va += PGSIZE) {
    paddr_t pa;
    int prot;
    if (!pmap_query(&src->pmap, va, &pa, &prot)) {
      if (copy_swap_entry(dst, src, va) < 0)
        return -1;
      continue;
    }
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

// Give the child n a copy of region r (with its own object reference) and
// its pages: shared regions share their frames and keep writable PTEs;
// private writable ones become copy-on-write (or are copied).
// A shared anonymous region has no object to find its pages in later, so
// before it is shared every page gets its frame (zero-filled, writable).
static int
populate_shared_locked(struct aspace *as, struct region *r)
{
  for (vaddr_t va = r->start; va < r->end; va += PGSIZE) {
    paddr_t pa;
    int prot;
    if (!pmap_query(&as->pmap, va, &pa, &prot) && fill_page_locked(as, va, r->prot) == 0)
      return -1;
  }
  return 0;
}

static int
clone_region_locked(struct aspace *n, struct aspace *as, struct region *r, int copy)
{
  int shared = r->flags & REG_SHARED;
  if (shared && r->obj == 0 && populate_shared_locked(as, r) < 0)
    return -1;
  if (aspace_map_locked(n, r) < 0)
    return -1;
  if (copy && !shared)
    return copy_region(n, as, r);
  int cow = (r->prot & PROT_WRITE) && !shared;
  return pmap_share(&n->pmap, &as->pmap, r->start, r->end, cow, share_frame);
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
  anon_settle_locked(as);  // before the child can touch pages in shared tables
  acquiresleep(&n->lock);  // nobody else can know n: no order to keep
  n->heap_start = as->heap_start;
  n->brk = as->brk;
  int err = 0;
  for (int i = 0; i < as->nregion && !err; i++)
    err = clone_region_locked(n, as, as->region[i], copy);
  releasesleep(&n->lock);
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

void
aspace_stat(struct aspace *as, struct procstat *st)
{
  acquiresleep(&as->lock);
  st->vsize = as->vsize;
  st->resident = as->pmap.resident;
  st->swapped = as->pmap.swapped;
  st->pt_pages = as->pmap.ptpages;
  st->heap_start = as->heap_start;
  st->brk = as->brk;
  releasesleep(&as->lock);
}

int
aspace_regions(struct aspace *as, int first, struct regioninfo *info, int max)
{
  acquiresleep(&as->lock);
  int n = 0;
  for (int i = first; i >= 0 && i < as->nregion && n < max; i++, n++) {
    struct region *r = as->region[i];
    memset(&info[n], 0, sizeof(info[n]));
    info[n].start = r->start;
    info[n].end = r->end;
    info[n].prot = r->prot;
    info[n].kind = r->kind;
    info[n].resident = pmap_count(&as->pmap, r->start, r->end);
    info[n].swapped = pmap_count_swapped(&as->pmap, r->start, r->end);
    info[n].inum = r->obj ? vmobj_inum(r->obj) : 0;
    info[n].shared = (r->flags & REG_SHARED) != 0;
    info[n].off = r->off;
  }
  releasesleep(&as->lock);
  return n;
}

void
aspace_peek(struct aspace *as, uint64 *vsize, uint64 *resident)
{
  *vsize = __atomic_load_n(&as->vsize, __ATOMIC_RELAXED);
  *resident = __atomic_load_n(&as->pmap.resident, __ATOMIC_RELAXED);
}

// Invariants: regions sorted, disjoint, page-aligned, non-empty, below
// MAXVA, write implying read, vsize their total; the break inside
// [heap_start, heap region end]; the heap region is of kind heap. Takes no
// lock: the caller holds as->lock or owns an address space nobody else knows.
int
aspace_check(struct aspace *as)
{
  if (as->nregion < 0 || as->nregion > NREGION)
    return 0;
  uint64 vsize = 0;
  struct region *h = 0;
  for (int i = 0; i < as->nregion; i++) {
    struct region *r = as->region[i];
    if (r->start <= as->heap_start && as->heap_start < r->end)
      h = r;
    if (r->start % PGSIZE || r->end % PGSIZE || r->start >= r->end || r->end > MAXVA)
      return 0;
    if (i > 0 && as->region[i - 1]->end > r->start)
      return 0;
    if ((r->prot & PROT_WRITE) && !(r->prot & PROT_READ))
      return 0;
    if (r->off % PGSIZE || (r->obj == 0 && (r->off || r->filelen)))
      return 0;
    vsize += r->end - r->start;
  }
  if (vsize != as->vsize || as->brk < as->heap_start)
    return 0;
  if (as->brk > as->heap_start &&
      (h == 0 || h->kind != RK_HEAP || h->end != PGROUNDUP(as->brk) || h->start != as->heap_start))
    return 0;
  return 1;
}
