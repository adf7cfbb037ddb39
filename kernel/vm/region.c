// The sorted region set of one address space: slots for region structures
// (whole pages owned by the address space), find, insert, remove, split,
// trim and gap search. A region holding an object is on the object's
// reverse map exactly while it is in the set (insert_at links it,
// region_remove_locked unlinks it). Backing objects and page tables are
// aspace.c's business; this file never sleeps.
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "vm/vm.h"
#include "lib/klib.h"

// A page of region slots; slot bits in `used`. Owned by one address space.
struct rpage {
  struct rpage *next;
  uint64 used;
};
#define RSLOTS ((PGSIZE - sizeof(struct rpage)) / sizeof(struct region))
_Static_assert(RSLOTS <= 64, "used is a 64-bit map");

static uint64 nrpages;  // atomic: frames holding region slots, all address spaces

#define ASSERT_LOCKED(as) assert(holdingsleep(&(as)->lock))

static struct region *
slot(struct rpage *pg, int i)
{
  return (struct region *)((char *)pg + sizeof(struct rpage)) + i;
}

struct region *
region_alloc_locked(struct aspace *as)
{
  ASSERT_LOCKED(as);
  struct rpage *pg;
  for (pg = as->rpages; pg; pg = pg->next)
    if (pg->used != (1UL << RSLOTS) - 1)
      break;
  if (pg == 0) {
    if ((pg = kalloc()) == 0)
      return 0;
    pg->used = 0;
    pg->next = as->rpages;
    as->rpages = pg;
    __atomic_fetch_add(&nrpages, 1, __ATOMIC_RELAXED);
  }
  int i = 0;
  while (pg->used & (1UL << i))
    i++;
  pg->used |= 1UL << i;
  struct region *r = slot(pg, i);
  memset(r, 0, sizeof(*r));
  return r;
}

// The page goes back as soon as its last slot is free.
void
region_free_locked(struct aspace *as, struct region *r)
{
  ASSERT_LOCKED(as);
  struct rpage *pg = (struct rpage *)PGROUNDDOWN((uint64)r);
  int i = r - slot(pg, 0);
  assert(i >= 0 && i < (int)RSLOTS && (pg->used & (1UL << i)));
  pg->used &= ~(1UL << i);
  if (pg->used)
    return;
  struct rpage **pp = &as->rpages;
  while (*pp != pg)
    pp = &(*pp)->next;
  *pp = pg->next;
  kfree(pg);
  __atomic_fetch_sub(&nrpages, 1, __ATOMIC_RELAXED);
}

uint64
region_pages(void)
{
  return __atomic_load_n(&nrpages, __ATOMIC_RELAXED);
}

// Binary search: regions are sorted and disjoint, so "ends above va" is
// monotone in the index.
int
region_index_locked(struct aspace *as, vaddr_t va)
{
  ASSERT_LOCKED(as);
  int lo = 0, hi = as->nregion;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (as->region[mid]->end <= va)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

struct region *
region_find_locked(struct aspace *as, vaddr_t va)
{
  int i = region_index_locked(as, va);
  if (i < as->nregion && as->region[i]->start <= va)
    return as->region[i];
  return 0;
}

static void
insert_at(struct aspace *as, int i, struct region *r)
{
  memmove(&as->region[i + 1], &as->region[i], (as->nregion - i) * sizeof(r));
  as->region[i] = r;
  as->nregion++;
  as->vsize += r->end - r->start;
  rmap_link_locked(as, r);
}

int
region_insert_locked(struct aspace *as, struct region *r)
{
  int i = region_index_locked(as, r->start);
  if (as->nregion == NREGION || (i < as->nregion && as->region[i]->start < r->end))
    return -1;
  insert_at(as, i, r);
  return 0;
}

void
region_remove_locked(struct aspace *as, int i)
{
  ASSERT_LOCKED(as);
  assert(i >= 0 && i < as->nregion);
  rmap_unlink_locked(as, as->region[i]);
  as->vsize -= as->region[i]->end - as->region[i]->start;
  memmove(&as->region[i], &as->region[i + 1], (as->nregion - i - 1) * sizeof(as->region[0]));
  as->nregion--;
}

// r's backing seen from start (a page inside r) instead of r->start.
static void
advance(struct region *r, vaddr_t start)
{
  uint64 d = start - r->start;
  if (r->obj) {
    r->off += d;
    r->filelen = r->filelen > d ? r->filelen - d : 0;
  }
  r->start = start;
}

void
region_trim_head_locked(struct aspace *as, struct region *r, vaddr_t start)
{
  ASSERT_LOCKED(as);
  assert(start > r->start && start < r->end && start % PGSIZE == 0);
  as->vsize -= start - r->start;
  advance(r, start);
}

void
region_trim_tail_locked(struct aspace *as, struct region *r, vaddr_t end)
{
  ASSERT_LOCKED(as);
  assert(end > r->start && end % PGSIZE == 0);
  as->vsize += end - r->end;  // may grow: sbrk moves the heap's end both ways
  r->end = end;
}

void
region_split_locked(struct aspace *as, int i, vaddr_t va, struct region *tail)
{
  ASSERT_LOCKED(as);
  struct region *r = as->region[i];
  assert(as->nregion < NREGION && va > r->start && va < r->end && va % PGSIZE == 0);
  *tail = *r;
  tail->next = 0;
  advance(tail, va);
  if (tail->obj)
    vmobj_dup(tail->obj);
  as->vsize -= r->end - va;
  r->end = va;
  insert_at(as, i + 1, tail);
}

// A stack region keeps one unmapped guard page below it.
static vaddr_t
floor_of(struct region *r)
{
  return r->kind == RK_STACK ? r->start - PGSIZE : r->start;
}

int
region_gap_locked(struct aspace *as, uint64 len, vaddr_t lo, vaddr_t hi, vaddr_t *va)
{
  ASSERT_LOCKED(as);
  if (len == 0 || lo >= hi || len > hi - lo)
    return -1;
  // Walk down from the region above hi: the gap below region i ends at its
  // floor and starts at the end of region i-1.
  int i = region_index_locked(as, hi);
  vaddr_t top = hi;
  if (i < as->nregion)
    top = MIN(top, floor_of(as->region[i]));
  for (;;) {
    vaddr_t bottom = i > 0 ? MAX(as->region[i - 1]->end, lo) : lo;
    if (top >= bottom && top - bottom >= len) {
      *va = top - len;
      return 0;
    }
    if (i == 0 || as->region[i - 1]->end <= lo)
      return -1;
    i--;
    top = MIN(hi, floor_of(as->region[i]));
  }
}
