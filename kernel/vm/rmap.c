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
