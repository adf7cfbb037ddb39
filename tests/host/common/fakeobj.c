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
  int refs;
  int held;            // of refs, those the test itself holds
  struct vmobj *next;  // live list
  int counted;         // scratch for check_objects
};

static struct vmobj *live;

struct vmobj *
fakeobj_new(void)
{
  struct vmobj *o = calloc(1, sizeof(*o));
  o->refs = o->held = 1;
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
  free(o);
}

// A fake object has no cache: each request gets a fresh frame (the caller's
// only reference) holding byte (pgoff * 7 + i) % 251 at offset i; pages at
// or past FAKEOBJ_PAGES are beyond end of file.
int
vmobj_page_ex(struct vmobj *o, uint64 pgoff, paddr_t *pa, int *filled)
{
  assert(o->refs > 0);
  if (pgoff >= FAKEOBJ_PAGES)
    return FAULT_BUS;
  if ((*pa = frame_alloc()) == 0)
    return FAULT_OOM;
  unsigned char *p = P2V(*pa);
  for (int i = 0; i < PGSIZE; i++)
    p[i] = (pgoff * 7 + i) % 251;
  if (filled)
    *filled = 1;
  return FAULT_OK;
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

// Every object's count is exactly the regions naming it plus the test's own.
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
}
