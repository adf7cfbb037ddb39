// vmtest's census for the shared audits (common/harness.c): every frame
// the fake pmap holds, from its list of (va, pa, prot) mappings and its
// table pages. The fake never shares tables: each mapping holds one
// reference on its frame, each table page exactly one on itself.
#include <stdlib.h>
#include "types.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "fakepmap.h"

struct tally {
  uint64 *pa;
  uint64 n, cap;
};

static struct tally maps, tabs;  // reused by every census

static void
tally_add(struct tally *t, uint64 pa)
{
  if (t->n == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 256;
    t->pa = realloc(t->pa, t->cap * sizeof(t->pa[0]));
  }
  t->pa[t->n++] = pa;
}

static void
tally_map(uint64 va, uint64 pa, int prot, void *arg)
{
  tally_add(arg, pa);
}

// A fake pmap's swap entry holds one slot reference (it never shares tables).
static void
tally_swap(struct pmap *pm, uint64 va, swapslot_t slot, void *arg)
{
  struct census *c = arg;
  census_slot(c, slot);
  c->swapped++;
}

static void
tally_table(uint64 pa, void *arg)
{
  tally_add(arg, pa);
}

static int
cmp_u64(const void *a, const void *b)
{
  uint64 x = *(const uint64 *)a, y = *(const uint64 *)b;
  return x < y ? -1 : x > y;
}

// Frames held by: mappings (distinct, zero page excluded), tables, the
// aspace structures (one per live pmap).
void
census_take(struct census *c)
{
  memset(c, 0, sizeof(*c));
  maps.n = tabs.n = 0;
  fakepmap_visit(0, tally_map, &maps);
  fakepmap_visit_tables(tally_table, &tabs);
  fakepmap_visit_swap(tally_swap, c);
  census_slots_end(c);
  const char *why = fakepmap_counts_bad();
  if (why)
    census_bad(c, "fake pmap: %s", why);
  if (maps.n)
    qsort(maps.pa, maps.n, sizeof(uint64), cmp_u64);
  paddr_t zero = frame_zero_page();
  uint64 distinct = 0, cached_mapped = 0;
  for (uint64 i = 0; i < maps.n;) {
    uint64 j = i;
    while (j < maps.n && maps.pa[j] == maps.pa[i])
      j++;
    uint64 pa = maps.pa[i], n = j - i;
    if (pa == zero) {
      c->zmaps = n;
    } else {
      distinct++;
      int cache = fakeobj_holds(pa);  // the page cache's own reference
      cached_mapped += cache;
      if (frame_refcount(pa) != (int)n + cache)
        census_bad(c, "frame %#lx: refcount %d but %lu mappings + %d cache", pa, frame_refcount(pa),
                   n, cache);
      c->shared_frames += n + cache - 1;  // each holder beyond the first is a copy avoided
    }
    i = j;
  }
  for (uint64 i = 0; i < tabs.n; i++)
    if (frame_refcount(tabs.pa[i]) != 1)
      census_bad(c, "table page %#lx: refcount %d", tabs.pa[i], frame_refcount(tabs.pa[i]));
  c->tables = tabs.n;
  c->held = fakepmap_live() + distinct + fakeobj_npages() -
            cached_mapped;  // region pages: the harness adds region_pages()
}

void
census_each_as(void (*fn)(struct aspace *as, void *arg), void *arg)
{
  fakepmap_each(fn, arg);
}

int
census_live(void)
{
  return fakepmap_live();
}

static void
visit_within(uint64 va, uint64 pa, int prot, void *arg)
{
  within_check(arg, va, pa, prot);
}

void
census_as(struct aspace *as, struct within *w)
{
  fakepmap_visit(&as->pmap, visit_within, w);
}
