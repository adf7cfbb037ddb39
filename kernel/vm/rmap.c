// The reverse map: for each object, the regions (in any address space)
// that map it, so that a change to the file's pages can reach every page
// table holding them: truncation, msync's write-protection of every
// sharer, and reclaim's unmapping of a cache page. region.c links a region
// when it enters an address space's set and unlinks it when it leaves.
//
// Locking. The list changes under the object's rmap spinlock and the
// region's as->lock. A walker starts from the object but may not take
// as->lock (a sleep lock, outer to inode locks) while holding a spinlock,
// so it picks one address space at a time under the rmap lock, takes a
// reference (aspace_tryget), drops the rmap lock, and only then locks the
// address space and looks at its regions afresh: whatever changed in
// between (splits, trims, munmap, a new fork) is seen as it is now. Each
// address space is visited once per walk: the walker stamps it (rmap_stamp,
// guarded by the walk lock that serialises walkers), and keeps picking
// unstamped ones until none is left, so regions linked while it works (a
// fork copying PTEs it had not reached yet) are visited too.
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "sync/spinlock.h"
#include "sync/sleeplock.h"
#include "vm/vm.h"
#include "lib/klib.h"

#define ASSERT_LOCKED(as) assert(holdingsleep(&(as)->lock))

void
rmap_init(struct rmap *m)
{
  initlock(&m->lock, "rmap");
  m->head = 0;
  m->nlinked = 0;
}

void
rmap_link_locked(struct aspace *as, struct region *r)
{
  ASSERT_LOCKED(as);
  r->as = as;
  r->onext = r->oprev = 0;
  if (r->obj == 0)
    return;
  struct rmap *m = vmobj_rmap(r->obj);
  acquire(&m->lock);
  r->onext = m->head;
  if (m->head)
    m->head->oprev = r;
  m->head = r;
  m->nlinked++;
  release(&m->lock);
}

void
rmap_unlink_locked(struct aspace *as, struct region *r)
{
  ASSERT_LOCKED(as);
  assert(r->as == as);
  if (r->obj == 0)
    return;
  struct rmap *m = vmobj_rmap(r->obj);
  acquire(&m->lock);
  if (r->oprev)
    r->oprev->onext = r->onext;
  else
    m->head = r->onext;
  if (r->onext)
    r->onext->oprev = r->oprev;
  r->onext = r->oprev = 0;
  m->nlinked--;
  release(&m->lock);
}

// ---- walkers ----

// One walker at a time: it owns every address space's rmap_stamp.
static struct sleeplock walk_lock = {.lk = {.name = "sleep lock"}, .name = "rmap walk"};
static uint64 walk_id;  // walk_lock: the current walk's stamp

// An address space with a region of o not yet visited by this walk, with a
// reference for the caller (and stamped); 0 when every one has been.
static struct aspace *
next_aspace(struct vmobj *o)
{
  struct rmap *m = vmobj_rmap(o);
  struct aspace *as = 0;
  acquire(&m->lock);
  for (struct region *r = m->head; r && as == 0; r = r->onext) {
    if (r->as->rmap_stamp == walk_id)
      continue;
    r->as->rmap_stamp = walk_id;  // visited (or dying: aspace_put takes care of it)
    if (aspace_tryget(r->as))
      as = r->as;
  }
  release(&m->lock);
  return as;
}

enum walk_op {
  W_CACHE,      // vmobj_unmap_range: PTEs of cache frames (shared: all)
  W_EOF,        // vmobj_unmap_eof: every PTE of a file page past end of file
  W_WRPROTECT,  // vmobj_wrprotect_range: writable PTEs of shared regions -> read-only
};

// Frames whose PTEs are gone but whose references are kept until the TLB of
// every hart running the address space is clean (pmap_shootdown): only then
// may a frame be reused.
#define HOLD 32
struct held {
  struct aspace *as;
  int n;
  int changed;  // a valid PTE changed since the last shootdown
  paddr_t pa[HOLD];
};

static void
settle(struct held *h)
{
  if (!h->changed)
    return;
  pmap_shootdown(&h->as->pmap);
  for (int i = 0; i < h->n; i++)
    frame_unref(h->pa[i]);
  h->n = 0;
  h->changed = 0;
}

static void
claim(uint64 va, void *arg)
{
  struct region *r = arg;
  vmobj_dirty(r->obj, (r->off + (va - r->start)) / PGSIZE);
}

// Pages of r that show bytes of the file: the first ceil(filelen / PGSIZE).
static uint64
file_pages(struct region *r)
{
  uint64 n = (r->end - r->start) / PGSIZE;
  uint64 f = r->filelen / PGSIZE + (r->filelen % PGSIZE != 0);
  return MIN(n, f);
}

// Remove the page at va of r (W_CACHE, shared: after passing its dirty claim on).
// 0, or -1 if its shared leaf table could not be copied.
static int
unmap_page_locked(struct held *h, struct region *r, vaddr_t va, enum walk_op op)
{
  struct aspace *as = h->as;
  paddr_t pa;
  int prot;
  if (!pmap_query(&as->pmap, va, &pa, &prot)) {
    // Past end of file a private copy on swap goes too (its slot back):
    // a touch there is "beyond end of file" like everywhere else.
    struct pmap_slot sl;
    swapslot_t slot;
    if (op == W_EOF && pmap_slot_find(&as->pmap, va, &sl) == 0 &&
        pmap_slot_swap(&as->pmap, &sl, &slot) &&
        pmap_remove(&as->pmap, va, va + PGSIZE, frame_unref) < 0)
      return -1;
    return 0;
  }
  int shared = r->flags & REG_SHARED;
  if (op == W_CACHE && !shared && !frame_is_cache(pa))
    return 0;  // a private copy: the region's own data, not the cache's
  if (h->n == HOLD)
    settle(h);
  if (op == W_CACHE && shared && (prot & PROT_WRITE))
    claim(va, r);  // (past end of file, W_EOF, there is nothing to claim)
  frame_ref(pa);   // kept until the shootdown
  if (pmap_remove(&as->pmap, va, va + PGSIZE, frame_unref) < 0) {
    frame_unref(pa);
    return -1;
  }
  h->pa[h->n++] = pa;
  h->changed = 1;
  return 0;
}

// The walk's work in one address space, whose lock is held.
static int
visit_locked(struct held *h, struct vmobj *o, uint64 first, uint64 last, enum walk_op op)
{
  struct aspace *as = h->as;
  ASSERT_LOCKED(as);
  int err = 0;
  if (op == W_EOF) {
    uint64 size = vmobj_size(o);
    first = size / PGSIZE + (size % PGSIZE != 0);
    last = ~0UL;
  }
  for (int i = 0; i < as->nregion; i++) {
    struct region *r = as->region[i];
    if (r->obj != o)
      continue;
    uint64 pg0 = r->off / PGSIZE, a = MAX(first, pg0), b = MIN(last, pg0 + file_pages(r));
    if (a >= b)
      continue;
    vaddr_t s = r->start + (a - pg0) * PGSIZE, e = r->start + (b - pg0) * PGSIZE;
    if (op == W_WRPROTECT) {
      if (!(r->flags & REG_SHARED) || !(r->prot & PROT_WRITE))
        continue;
      if (pmap_protect(&as->pmap, s, e, r->prot & ~PROT_WRITE, claim, r) < 0)
        err = -1;
      else
        h->changed = 1;
      continue;
    }
    for (vaddr_t va = s; va < e; va += PGSIZE)
      if (unmap_page_locked(h, r, va, op) < 0)
        err = -1;
  }
  settle(h);
  return err;
}

static int
walk(struct vmobj *o, uint64 first, uint64 last, enum walk_op op)
{
  int err = 0;
  acquiresleep(&walk_lock);
  walk_id++;
  struct aspace *as;
  while ((as = next_aspace(o)) != 0) {
    struct held h = {.as = as};
    acquiresleep(&as->lock);
    if (visit_locked(&h, o, first, last, op) < 0)
      err = -1;
    ASPACE_CHECK(as);
    releasesleep(&as->lock);
    aspace_put(as);
  }
  releasesleep(&walk_lock);
  return err;
}

int
vmobj_unmap_range(struct vmobj *o, uint64 pgfirst, uint64 pglast)
{
  return walk(o, pgfirst, pglast, W_CACHE);
}

void
vmobj_unmap_page(struct vmobj *o, uint64 pgoff)
{
  walk(o, pgoff, pgoff + 1, W_CACHE);
}

int
vmobj_unmap_eof(struct vmobj *o)
{
  int err = walk(o, 0, 0, W_EOF);
  if (err < 0)
    printf("rmap: inode %d truncated: out of memory unmapping some pages past its end\n",
           vmobj_inum(o));
  return err;
}

int
vmobj_wrprotect_range(struct vmobj *o, uint64 pgfirst, uint64 pglast)
{
  return walk(o, pgfirst, pglast, W_WRPROTECT);
}
