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
#include "proc/proc.h"
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

// The PTEs a visit changed, with the frames of removed ones, whose
// references are kept until the TLB of every hart running the address
// space is clean (pmap_shootdown): only then may a frame be reused.
//
// A copyin/copyout of the process looks its PTE up without as->lock and
// then uses the frame through the direct map, with as->uaccess raised
// around lookup and copy (uaccess.c). So after the shootdown, if a copy is
// in flight it may still be using a frame whose PTE just went, or storing
// into a page just made read-only: then the visit puts those PTEs back as
// they were (the kept reference goes back to the PTE; no table page is
// needed, the leaf is still there) and reports -1 for that address space,
// as vm_pageout_locked backs off. It never waits for the copy: the copier
// may be in a fault that waits for a lock the walker's caller holds
// (reclaim's). A copy that starts after the change finds the new PTEs. A
// walk run by the process itself is not racing a copy of its own (that
// copy looks its page up again after its fault).
#define HOLD 32
struct held {
  struct aspace *as;
  int n;
  struct {
    vaddr_t va;
    paddr_t pa;
    int prot;     // as it was
    int removed;  // 1: the PTE went (pa holds our reference); 0: it lost W
  } pte[HOLD];
};

static int
copy_in_flight(struct aspace *as)
{
  struct proc *p = myproc();
  return !(p && p->as == as) && aspace_uaccess_busy(as);
}

// Make the changes so far stick (shootdown, frames released), or undo them
// if a copy is in flight. 0, or -1 if they were undone.
static int
settle(struct held *h)
{
  if (h->n == 0)
    return 0;
  struct pmap *pm = &h->as->pmap;
  pmap_shootdown(pm);
  int undo = copy_in_flight(h->as);
  for (int i = 0; i < h->n; i++) {
    if (undo) {
      int ok = pmap_enter(pm, h->pte[i].va, h->pte[i].pa, h->pte[i].prot);
      assert(ok == 0);  // the leaf table is still there
    } else if (h->pte[i].removed) {
      frame_unref(h->pte[i].pa);
    }
  }
  h->n = 0;
  return undo ? -1 : 0;
}

static void
claim(struct region *r, vaddr_t va)
{
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

// Do op to the page at va of r: remove it (W_CACHE, shared: after passing
// its dirty claim on; W_EOF), or take W away (W_WRPROTECT, claim passed).
// 0, or -1 if it could not be done (a shared leaf table could not be
// copied, or a batch had to be undone for a copy in flight).
static int
page_locked(struct held *h, struct region *r, vaddr_t va, enum walk_op op)
{
  struct aspace *as = h->as;
  struct pmap *pm = &as->pmap;
  paddr_t pa;
  int prot;
  int shared = r->flags & REG_SHARED;
  if (!pmap_query(pm, va, &pa, &prot)) {
    // Past end of file a private copy on swap goes too (its slot back):
    // a touch there is "beyond end of file" like everywhere else.
    struct pmap_slot sl;
    swapslot_t slot;
    if (op == W_EOF && pmap_slot_find(pm, va, &sl) == 0 && pmap_slot_swap(pm, &sl, &slot) &&
        pmap_remove(pm, va, va + PGSIZE, frame_unref) < 0)
      return -1;
    return 0;
  }
  if (op == W_CACHE && !shared && !frame_is_cache(pa))
    return 0;  // a private copy: the region's own data, not the cache's
  if (op == W_WRPROTECT && !(prot & PROT_WRITE))
    return 0;
  int err = 0;
  if (h->n == HOLD)
    err = settle(h);
  if (op != W_EOF && shared && (prot & PROT_WRITE))
    claim(r, va);  // (past end of file, W_EOF, there is nothing to claim)
  if (op == W_WRPROTECT) {
    if (pmap_protect(pm, va, va + PGSIZE, r->prot & ~PROT_WRITE, 0, 0) < 0)
      return -1;
  } else {
    frame_ref(pa);  // kept until the shootdown
    if (pmap_remove(pm, va, va + PGSIZE, frame_unref) < 0) {
      frame_unref(pa);
      return -1;
    }
  }
  h->pte[h->n].va = va;
  h->pte[h->n].pa = pa;
  h->pte[h->n].prot = prot;
  h->pte[h->n].removed = op != W_WRPROTECT;
  h->n++;
  return err;
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
    if (op == W_WRPROTECT && !(r->flags & REG_SHARED))
      continue;  // private regions hold no claims on the file
    uint64 pg0 = r->off / PGSIZE, a = MAX(first, pg0), b = MIN(last, pg0 + file_pages(r));
    vaddr_t s = r->start + (a - pg0) * PGSIZE, e = r->start + (b - pg0) * PGSIZE;
    for (vaddr_t va = s; a < b && va < e; va += PGSIZE)
      if (page_locked(h, r, va, op) < 0)
        err = -1;
  }
  if (settle(h) < 0)
    err = -1;
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
    printf("rmap: inode %d truncated: some pages past its end stay mapped (no memory, or a "
           "copy in flight)\n",
           vmobj_inum(o));
  return err;
}

int
vmobj_wrprotect_range(struct vmobj *o, uint64 pgfirst, uint64 pglast)
{
  return walk(o, pgfirst, pglast, W_WRPROTECT);
}
