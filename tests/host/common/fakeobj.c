// Fake backing objects for the host tests: a vmobj is only a reference
// count here, which the audit recounts from the regions of every live
// address space (plus the references the test itself holds).
#include <stdlib.h>
#include "types.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "arch/riscv/kmem.h"

struct vmobj {
  uint64 size;  // file size in bytes
  uint32 inum;
  paddr_t page[FAKEOBJ_PAGES];  // cached pages (the cache holds one reference)
  uint64 dirty;                 // bit per page
  int writebacks;               // pages vmobj_sync wrote
  int refs;
  int held;            // of refs, those the test itself holds
  struct vmobj *next;  // live list
  int counted;         // scratch for check_objects
  struct rmap rmap;    // regions mapping it (the real rmap.c keeps it)
};

struct rmap *
vmobj_rmap(struct vmobj *o)
{
  return &o->rmap;
}

static struct vmobj *live;

struct vmobj *
fakeobj_new(void)
{
  struct vmobj *o = calloc(1, sizeof(*o));
  o->refs = o->held = 1;
  rmap_init(&o->rmap);
  o->size = FAKEOBJ_PAGES * PGSIZE;  // a file of FAKEOBJ_PAGES pages unless fakeobj_file says
  o->next = live;
  live = o;
  return o;
}

int
fakeobj_refs(struct vmobj *o)
{
  return o->refs;
}

int
fakeobj_live(void)
{
  int n = 0;
  for (struct vmobj *o = live; o; o = o->next)
    n++;
  return n;
}

void
fakeobj_release(struct vmobj *o)
{
  assert(o->held > 0);
  o->held--;
  vmobj_put(o);
}

void
vmobj_dup(struct vmobj *o)
{
  assert(o->refs > 0);
  o->refs++;
}

void
vmobj_put(struct vmobj *o)
{
  assert(o->refs > 0);
  if (--o->refs > 0)
    return;
  struct vmobj **pp = &live;
  while (*pp != o)
    pp = &(*pp)->next;
  *pp = o->next;
  assert(o->rmap.head == 0 && o->rmap.nlinked == 0);  // each region holds a reference
  for (int i = 0; i < FAKEOBJ_PAGES; i++)
    if (o->page[i])
      frame_unref(o->page[i]);
  free(o);
}

static void
count_regions(struct aspace *as, void *arg)
{
  for (int i = 0; i < as->nregion; i++) {
    struct vmobj *o = as->region[i]->obj;
    if (o == 0)
      continue;
    struct vmobj *l = live;
    while (l && l != o)
      l = l->next;
    if (l == 0)
      *(int *)arg = 1;  // a region names a freed object
    else
      o->counted++;
  }
}

// The reverse map of o holds exactly the regions naming o: every listed
// region is in its address space's set (a live one) and names o, none is
// listed twice, the links agree both ways, and there are as many as the
// census counted (o->counted, from every live address space).
static void
check_rmap(struct vmobj *o)
{
  enum { MAXL = 4 * NREGION };
  static struct region *seen[MAXL];
  int n = 0;
  struct region *prev = 0;
  for (struct region *r = o->rmap.head; r; prev = r, r = r->onext) {
    CHECKF(n < MAXL, "object %p: reverse map longer than %d (a cycle?)", (void *)o, MAXL);
    CHECKF(r->oprev == prev, "object %p: reverse map back link of region %p wrong", (void *)o,
           (void *)r);
    CHECKF(r->obj == o, "object %p: reverse map lists region %p of another object", (void *)o,
           (void *)r);
    for (int i = 0; i < n; i++)
      CHECKF(seen[i] != r, "object %p: region %p listed twice", (void *)o, (void *)r);
    seen[n++] = r;
    struct aspace *as = r->as;
    int in = 0;
    for (int i = 0; as && i < as->nregion && !in; i++)
      in = as->region[i] == r;
    CHECKF(in, "object %p: listed region %p [%#lx,%#lx) is not in its address space", (void *)o,
           (void *)r, r->start, r->end);
  }
  CHECKF(n == o->counted, "object %p: reverse map lists %d regions but %d name it", (void *)o, n,
         o->counted);
  CHECKF(o->rmap.nlinked == n, "object %p: nlinked %d but %d listed", (void *)o, o->rmap.nlinked,
         n);
}

// Every object's count is exactly the regions naming it plus the test's own,
// and its reverse map lists exactly those regions.
void
check_objects(void)
{
  for (struct vmobj *o = live; o; o = o->next)
    o->counted = 0;
  int freed = 0;
  census_each_as(count_regions, &freed);
  CHECKF(!freed, "a region names a freed object");
  for (struct vmobj *o = live; o; o = o->next)
    CHECKF(o->refs == o->held + o->counted, "object %p: %d references but %d regions + %d held",
           (void *)o, o->refs, o->counted, o->held);
  for (struct vmobj *o = live; o; o = o->next)
    check_rmap(o);
}

// ---- the file side: a tiny page cache over a made-up file ----
// Page pgoff of a fake file holds byte fakeobj_byte(o, off) at file offset
// off below its size, zeros past it. Writeback only counts and cleans.

uint8
fakeobj_byte(struct vmobj *o, uint64 off)
{
  return (off / PGSIZE * 7 + off % PGSIZE) % 251;
}

struct vmobj *
fakeobj_file(uint64 size)
{
  static uint32 next = 100;
  struct vmobj *o = fakeobj_new();
  assert(size <= FAKEOBJ_PAGES * PGSIZE);
  o->size = size;
  o->inum = next++;
  return o;
}

int
vmobj_page_ex(struct vmobj *o, uint64 pgoff, paddr_t *pa, int *filled)
{
  if (pgoff * PGSIZE >= o->size)
    return FAULT_BUS;
  *filled = 0;
  if (o->page[pgoff] == 0) {
    paddr_t p = frame_alloc_zeroed();
    if (p == 0)
      return FAULT_OOM;
    uint8 *b = P2V(p);
    for (uint64 i = 0; i < PGSIZE && pgoff * PGSIZE + i < o->size; i++)
      b[i] = fakeobj_byte(o, pgoff * PGSIZE + i);
    o->page[pgoff] = p;  // the cache's own reference
    *filled = 1;
  }
  frame_ref(o->page[pgoff]);
  *pa = o->page[pgoff];
  return FAULT_OK;
}

int
vmobj_lookup(struct vmobj *o, uint64 pgoff, paddr_t *pa)
{
  if (pgoff >= FAKEOBJ_PAGES || o->page[pgoff] == 0)
    return 0;
  frame_ref(o->page[pgoff]);
  *pa = o->page[pgoff];
  return 1;
}

void
vmobj_dirty(struct vmobj *o, uint64 pgoff)
{
  assert(pgoff < FAKEOBJ_PAGES && o->page[pgoff]);
  o->dirty |= 1UL << pgoff;
}

int
vmobj_sync(struct vmobj *o, uint64 pgfirst, uint64 pglast)
{
  for (uint64 p = pgfirst; p < pglast && p < FAKEOBJ_PAGES; p++)
    if (o->dirty & (1UL << p)) {
      o->dirty &= ~(1UL << p);
      o->writebacks++;
    }
  return 0;
}

uint32
vmobj_inum(struct vmobj *o)
{
  return o->inum;
}

uint64
fakeobj_dirty(struct vmobj *o)
{
  return o->dirty;
}

int
fakeobj_writebacks(struct vmobj *o)
{
  return o->writebacks;
}

int
fakeobj_holds(paddr_t pa)
{
  for (struct vmobj *o = live; o; o = o->next)
    for (int i = 0; i < FAKEOBJ_PAGES; i++)
      if (o->page[i] == pa)
        return 1;
  return 0;
}

uint64
fakeobj_npages(void)
{
  uint64 n = 0;
  for (struct vmobj *o = live; o; o = o->next)
    for (int i = 0; i < FAKEOBJ_PAGES; i++)
      n += o->page[i] != 0;
  return n;
}

uint64
vmobj_ncached(void)
{
  return fakeobj_npages();
}

int
frame_is_cache(paddr_t pa)
{
  return fakeobj_holds(pa);
}

uint64
vmobj_size(struct vmobj *o)
{
  return o->size;
}

// The file shrinks to size bytes: the cache drops the pages past it (as
// vmobj_truncate_locked does); mappings keep theirs until vmobj_unmap_eof.
void
fakeobj_truncate(struct vmobj *o, uint64 size)
{
  o->size = size;
  for (uint64 i = (size + PGSIZE - 1) / PGSIZE; i < FAKEOBJ_PAGES; i++) {
    if (o->page[i])
      frame_unref(o->page[i]);
    o->page[i] = 0;
    o->dirty &= ~(1UL << i);
  }
}

// Drop cached page pgoff if only the cache holds it (reclaim); 1 if dropped.
int
fakeobj_drop(struct vmobj *o, uint64 pgoff)
{
  paddr_t pa = o->page[pgoff];
  if (pa == 0 || frame_refcount(pa) != 1)
    return 0;
  frame_unref(pa);
  o->page[pgoff] = 0;
  o->dirty &= ~(1UL << pgoff);
  return 1;
}

paddr_t
fakeobj_page(struct vmobj *o, uint64 pgoff)
{
  return o->page[pgoff];
}

uint64
fakeobj_size(struct vmobj *o)
{
  return o->size;
}

void
fakeobj_set_size(struct vmobj *o, uint64 size)
{
  assert(size <= FAKEOBJ_PAGES * PGSIZE);
  o->size = size;
}
